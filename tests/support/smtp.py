"""A real SMTP server in the test process (aiosmtpd), to send the service's email to.

It records every message it accepts (Message-ID and recipients), and can be made slow (it
waits before answering RCPT, that is before the sender hands over the message body), refuse
recipients, or call a hook when a recipient arrives, so tests can stop a sender mid-send.
"""
from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from email import message_from_bytes

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailServer:
    def __init__(self, port: int):
        self.port = port
        self.rcpt_delay = 0.0  # seconds to wait before accepting each recipient
        self.refuse: str | None = None  # an SMTP reply to every RCPT, e.g. "550 5.1.1 no such user"
        self.on_rcpt = None  # called with the recipient, in the server's thread
        self.messages: list[tuple[str, tuple[str, ...]]] = []  # (Message-ID, recipients)
        self.bodies: list[bytes] = []
        self.waiting = 0  # senders inside the RCPT wait right now
        self.gate = 0  # hold every RCPT until this many connections have reached one (<= 30 s)
        self._sessions: set[int] = set()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.on_rcpt is not None:
            self.on_rcpt(address)
        self._sessions.add(id(session))
        for _ in range(1500):
            if len(self._sessions) >= self.gate:
                break
            await asyncio.sleep(0.02)
        if self.rcpt_delay:
            with self._lock:
                self.waiting += 1
            try:
                await asyncio.sleep(self.rcpt_delay)
            finally:
                with self._lock:
                    self.waiting -= 1
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        with self._lock:
            self.messages.append((message["Message-ID"], tuple(envelope.rcpt_tos)))
            self.bodies.append(envelope.content)
        return "250 Message accepted for delivery"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def by_message_id(self) -> Counter:
        with self._lock:
            return Counter(message_id for message_id, _ in self.messages)


@pytest.fixture
def mail_server():
    from aiosmtpd.controller import Controller

    server = MailServer(free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def notification_rows():
    """Every notification as committed (by whichever session or process wrote it)."""
    from sqlalchemy import select

    from triage.extensions import db
    from triage.models import Notification

    db.session.rollback()
    return db.session.scalars(select(Notification).order_by(Notification.id)).all()


def sent_by_id(server: MailServer) -> dict[int, int]:
    """How many times each notification arrived at the server, by its Message-ID."""
    return {int(mid.split("@")[0].removeprefix("<notification-")): count
            for mid, count in server.by_message_id().items()}


@pytest.fixture
def smtp_to(app, monkeypatch):
    """Point the service's email at a port on this machine."""

    def point(port: int):
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", port)

    return point


@pytest.fixture
def pending(app, now):
    """n notifications for people with email addresses, none emailed yet; returns their ids."""
    from triage.extensions import db
    from triage.models import Notification
    from triage.services import people

    def make(n: int, people_count: int = 3) -> list[int]:
        users = [people.create_user(now, f"worker{i}", f"Worker {i}", "correct horse battery",
                                    "practitioner", email=f"worker{i}@council.example")
                 for i in range(people_count)]
        made = [Notification(user_id=users[i % people_count].id, created_at=now,
                             message=f"decision clock breached on contact {1000 + i}") for i in range(n)]
        db.session.add_all(made)
        db.session.commit()
        return [n.id for n in made]

    return make


