"""A checked tracker upload kept on the server, so that the user can adjust the mapping and
import without choosing the file again (a browser never sends a file twice by itself).

The file holds children's personal data, so it is kept as little as possible: under the
instance folder (beside the SQLite database, never in a web-served place), readable by the
service's own account only (0600), named by a random token, usable only by the user who
uploaded it, deleted when that user imports from it, and deleted by any later visit once it is
older than `KEEP`. Nothing about it is logged.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

KEEP = timedelta(hours=3)
FOLDER = "tracker_uploads"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


@dataclass(frozen=True)
class HeldUpload:
    token: str
    filename: str
    data: bytes
    held_at: datetime


def _folder(instance_path: str) -> Path:
    folder = Path(instance_path) / FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _write(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def hold(instance_path: str, now: datetime, user_id: int, filename: str, data: bytes) -> str:
    """Keep this upload for its user; returns the token that names it."""
    purge(instance_path, now)
    folder, token = _folder(instance_path), secrets.token_urlsafe(32)
    # The record first: a purge running meanwhile never takes the data for an orphan.
    _write(folder / f"{token}.json", json.dumps(
        {"user_id": user_id, "filename": filename, "held_at": now.isoformat()}).encode())
    _write(folder / f"{token}.data", data)
    return token


def fetch(instance_path: str, now: datetime, user_id: int, token: str | None) -> HeldUpload | None:
    """The upload this token names, if it is this user's and not expired; None otherwise (the
    same answer for another user's token as for an unknown one)."""
    purge(instance_path, now)
    if not token or not _TOKEN.match(token):
        return None
    folder = _folder(instance_path)
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.data").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id:
        return None
    return HeldUpload(token, meta["filename"], data, datetime.fromisoformat(meta["held_at"]))


def drop(instance_path: str, token: str | None) -> None:
    if not token or not _TOKEN.match(token):
        return
    for suffix in (".data", ".json"):
        (_folder(instance_path) / f"{token}{suffix}").unlink(missing_ok=True)


def purge(instance_path: str, now: datetime) -> int:
    """Delete every upload held longer than KEEP (or whose record is unreadable); returns how many."""
    folder, dropped = _folder(instance_path), 0
    for meta_path in folder.glob("*.json"):
        try:
            held_at = datetime.fromisoformat(json.loads(meta_path.read_text())["held_at"])
            expired = now - held_at > KEEP
        except (OSError, ValueError, KeyError, TypeError):
            expired = True
        if expired:
            drop(instance_path, meta_path.stem)
            dropped += 1
    for data_path in folder.glob("*.data"):  # a data file whose record is gone
        if not data_path.with_suffix(".json").exists():
            data_path.unlink(missing_ok=True)
    return dropped
