"""Mapping the file's team, locality and worker names to the service's; the service resolves them."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

from triage.domain.tracker.cells import TrackerError, clean_text, name_key

# --------------------------------------------------------------------------------------------
# Mapping the file's teams, localities and workers to the service's

MAP_COLUMNS = ("team", "worker")  # the tracker column a name comes from
MAP_ACTIONS = MappingProxyType({
    "team": "an existing team",
    "locality": "an existing locality (the child's; the case has no team)",
    "account": "an existing account (username)",
    "create-team": "a new team of that name",
    "create-locality": "a new locality of that name",
    "none": "nothing (left blank)",
})
ACTIONS_FOR = MappingProxyType({"team": ("team", "locality", "create-team", "create-locality", "none"),
                                "worker": ("account", "none")})


def looks_like_locality(name: str | None) -> bool:
    """'North Locality', 'west locality team' are localities, not teams."""
    return name is not None and "locality" in (name_key(name) or "")


@dataclass(frozen=True)
class MappingEntry:
    """One name found in the tracker's team or worker column, and what it stands for here."""

    column: str  # "team" or "worker"
    name: str  # as written in the tracker
    action: str  # a MAP_ACTIONS key
    target: str | None = None  # team or locality name, or username; None for create/none

    @property
    def key(self) -> tuple[str, str]:
        return self.column, name_key(self.name) or ""


MAPPING_HEADER = ("column", "name", "maps_to", "target")


def parse_mapping(rows: Sequence[Sequence[object]]) -> tuple[MappingEntry, ...]:
    """A mapping file's rows (header `column,name,maps_to,target`) as entries.

    `column` is team or worker; `maps_to` one of MAP_ACTIONS ("team", "locality" and
    "account" need a `target`: the team or locality name, or the account's username). Raises
    `TrackerError` naming every row that cannot be read.
    """
    body = [r for r in rows if any(clean_text(c) for c in r)]
    if not body or tuple((clean_text(c) or "").casefold() for c in body[0][:4]) != MAPPING_HEADER:
        raise TrackerError(f"A mapping file starts with the header row {','.join(MAPPING_HEADER)}")
    entries: dict[tuple[str, str], MappingEntry] = {}
    problems: list[str] = []
    for number, row in enumerate(body[1:], start=2):
        cells = [clean_text(c) for c in [*row, None, None, None, None]][:4]
        column, name, target = (cells[0] or "").casefold(), cells[1], cells[3]
        action = (cells[2] or "").casefold()
        if column not in ACTIONS_FOR:
            problems.append(f"row {number}: column must be team or worker")
        elif not name:
            problems.append(f"row {number}: no name")
        elif action not in ACTIONS_FOR[column]:
            problems.append(f"row {number}: maps_to for a {column} must be one of "
                            f"{', '.join(ACTIONS_FOR[column])}")
        elif action in ("team", "locality", "account") and not target:
            problems.append(f"row {number}: maps_to {action} needs a target")
        else:
            entry = MappingEntry(column, name, action,
                                 target if action in ("team", "locality", "account") else None)
            entries[entry.key] = entry
    if problems:
        raise TrackerError("The mapping file cannot be used: " + "; ".join(problems))
    return tuple(entries.values())
