"""Which team, locality or account each name in the tracker stands for: the mapping a manager
chooses, the one saved from earlier imports, or the automatic one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from triage.domain import tracker
from triage.extensions import db
from triage.importing import TrackerFileError, read_rows
from triage.models import Locality, Team, TrackerNameMap, User
from triage.services import audit
from triage.services.actor import Actor
from triage.services.errors import Invalid
from triage.services.guards import require
from triage.services.tracker_import.results import CASE_WORKER_ROLES, IMPORTERS, NameChoice, Words
from triage.services.unit_of_work import unit_of_work

# ---------------------------------------------------------------- mapping names

def read_mapping(source, filename: str | None = None) -> tuple[tracker.MappingEntry, ...]:
    """A mapping CSV (column,name,maps_to,target) as entries; `Invalid` naming what is wrong."""
    try:
        return tracker.parse_mapping(read_rows(source, filename))
    except (TrackerFileError, tracker.TrackerError) as exc:
        raise Invalid("The mapping could not be read", {"mapping": [str(exc)]}) from None


def find_named(model, column, name: str | None):
    key = tracker.name_key(name)
    return next((m for m in db.session.scalars(select(model)) if tracker.name_key(getattr(m, column)) == key),
                None) if key else None


def entry_choice(entry: tracker.MappingEntry) -> tuple[str, int | None, str | None]:
    """(action, target id, target name) for a mapping entry; Invalid if its target is unknown."""
    if entry.action in ("team", "locality"):
        found = find_named(Team if entry.action == "team" else Locality, "name", entry.target)
        if found is None:
            raise Invalid(f"The mapping names a {entry.action} that does not exist",
                          {"mapping": [f"No {entry.action} '{entry.target}' (for '{entry.name}')"]})
        return entry.action, found.id, found.name
    if entry.action == "account":
        user = db.session.scalar(select(User).where(func.lower(User.username) == (entry.target or "").lower()))
        if user is None or not user.active or user.role not in CASE_WORKER_ROLES:
            raise Invalid("The mapping names an account that cannot hold cases",
                          {"mapping": [f"No active practitioner or manager with username '{entry.target}' "
                                       f"(for '{entry.name}')"]})
        return "account", user.id, user.username
    return entry.action, None, None


def automatic_choice(column: str, key: str, name: str, teams, localities, workers) -> tuple[str, int | None, str | None]:
    if column == "worker":
        user = workers.get(key)
        return ("account", user.id, user.username) if user else ("none", None, None)
    if key in teams:
        return "team", teams[key].id, teams[key].name
    if key in localities:
        return "locality", localities[key].id, localities[key].name
    return ("create-locality" if tracker.looks_like_locality(name) else "create-team"), None, None


def lookups():
    teams = {tracker.name_key(t.name): t for t in db.session.scalars(select(Team))}
    localities = {tracker.name_key(loc.name): loc for loc in db.session.scalars(select(Locality))}
    workers = {tracker.name_key(u.display_name): u for u in db.session.scalars(
        select(User).where(User.role.in_(CASE_WORKER_ROLES), User.active.is_(True)).order_by(User.id))}
    return teams, localities, workers


def resolve_names(parsed: tracker.TrackerParse,
                  mapping: tuple[tracker.MappingEntry, ...] = ()) -> list[NameChoice]:
    """Every team and worker name in the parse, with what it will stand for."""
    teams, localities, workers = lookups()
    given = {e.key: e for e in mapping}
    saved = {(m.column, m.name_key): m for m in db.session.scalars(select(TrackerNameMap))}
    counts: dict[tuple[str, str], int] = {}
    for row in parsed.rows:
        if row.team_key:
            counts[("team", row.team_key)] = counts.get(("team", row.team_key), 0) + 1
        if row.worker_key:
            counts[("worker", row.worker_key)] = counts.get(("worker", row.worker_key), 0) + 1
    spellings = {("team", k): v for k, v in parsed.teams.items()} | {("worker", k): v for k, v in parsed.workers.items()}
    choices = []
    for (column, key), rows in sorted(counts.items(), key=lambda kv: (kv[0][0] != "team", spellings[kv[0]].casefold())):
        name = spellings[(column, key)]
        if (column, key) in given:
            action, target_id, target_name = entry_choice(given[(column, key)])
            source = "this import"
        elif (column, key) in saved:
            s = saved[(column, key)]
            target_id = s.team_id or s.locality_id or s.user_id
            target_name = (db.session.get(Team, s.team_id).name if s.team_id else
                           db.session.get(Locality, s.locality_id).name if s.locality_id else
                           db.session.get(User, s.user_id).username if s.user_id else None)
            action, source = s.action, "saved"
        else:
            action, target_id, target_name = automatic_choice(column, key, name, teams, localities, workers)
            source = "automatic"
        choices.append(NameChoice(column, key, name, rows, action, target_id, target_name, source))
    return choices


def parse_choice(column: str, name: str, value: str) -> tracker.MappingEntry:
    """A form value ("team:3", "account:7", "create-team", "none") as a mapping entry."""
    action, _, ident = value.partition(":")
    if action not in tracker.ACTIONS_FOR.get(column, ()):
        raise Invalid("The mapping needs correcting", {"mapping": [f"'{value}' is not a choice for '{name}'"]})
    target = None
    if action in ("team", "locality", "account"):
        model = {"team": Team, "locality": Locality, "account": User}[action]
        found = db.session.get(model, int(ident)) if ident.isdigit() else None
        if found is None:
            raise Invalid("The mapping needs correcting", {"mapping": [f"Unknown {action} for '{name}'"]})
        target = found.username if action == "account" else found.name
    return tracker.MappingEntry(column, name, action, target)


def save_mapping(actor: Actor, now: datetime, entries: tuple[tracker.MappingEntry, ...]) -> int:
    """Keep these choices for later imports: those that differ from what the import would choose
    by itself are saved (replacing any saved before); choosing the automatic one forgets it.
    Returns how many are saved now."""
    require(actor, IMPORTERS, "save the tracker mapping")
    with unit_of_work("tracker mapping"):
        _replace_saved(actor, now, entries)
        db.session.flush()
        return db.session.scalar(select(func.count(TrackerNameMap.id))) or 0


def _replace_saved(actor: Actor, now: datetime, entries: tuple[tracker.MappingEntry, ...]) -> None:
    teams, localities, workers = lookups()
    for entry in entries:
        column, key = entry.key
        action, target_id, _ = entry_choice(entry)
        db.session.execute(delete(TrackerNameMap).where(TrackerNameMap.column == column,
                                                        TrackerNameMap.name_key == key))
        if (action, target_id) == automatic_choice(column, key, entry.name, teams, localities, workers)[:2]:
            continue
        db.session.add(TrackerNameMap(
            column=column, name_key=key, name=entry.name[:120], action=action,
            team_id=target_id if action == "team" else None,
            locality_id=target_id if action == "locality" else None,
            user_id=target_id if action == "account" else None, updated_at=now, updated_by_id=actor.user_id))
        audit.record(actor, now, "update", "tracker_mapping", None, detail=f"{column} mapped to {action} {target_id or ''}")


def mapping_options() -> dict[str, list[tuple[str, str]]]:
    """(form value, label) choices for a team-column name and for a worker name."""
    teams = [(f"team:{t.id}", f"Team: {t.name}") for t in db.session.scalars(select(Team).order_by(Team.name))]
    localities = [(f"locality:{loc.id}", f"Locality: {loc.name} (no team)")
                  for loc in db.session.scalars(select(Locality).order_by(Locality.name))]
    accounts = [(f"account:{u.id}", f"{u.display_name} ({u.username})") for u in db.session.scalars(
        select(User).where(User.role.in_(CASE_WORKER_ROLES), User.active.is_(True)).order_by(User.display_name))]
    return {"team": [*teams, *localities, ("create-team", "Create a team of this name"),
                     ("create-locality", "Create a locality of this name (no team)"), ("none", "Leave blank")],
            "worker": [*accounts, ("none", "No account: leave unallocated")]}


def saved_mapping() -> list[TrackerNameMap]:
    return list(db.session.scalars(select(TrackerNameMap).order_by(TrackerNameMap.column, TrackerNameMap.name_key)))


class Targets:
    """The teams, localities and accounts names resolve to; creates teams and localities once."""

    def __init__(self, choices: list[NameChoice], words: Words):
        self.choices = {(c.column, c.key): c for c in choices}
        self.words = words
        self.created: dict[tuple[str, str], object] = {}

    def _create(self, choice: NameChoice, model, messages: list[str] | None):
        made = self.created.get((choice.column, choice.key))
        if made is None:
            made = find_named(model, "name", choice.name)  # created by an earlier import under the same key
            if made is None:
                # Added to the import's transaction, not committed: a dry run leaves nothing behind.
                made = model(name=choice.name[:80] if model is Locality else choice.name[:120])
                db.session.add(made)
                db.session.flush()
                if messages is not None:
                    kind = "team" if model is Team else "locality"
                    messages.append(self.words.created(f"{kind} '{made.name}'"))
            self.created[(choice.column, choice.key)] = made
        return made

    def team_and_locality(self, key: str | None, messages: list[str] | None) -> tuple[int | None, int | None]:
        choice = self.choices.get(("team", key)) if key else None
        if choice is None or choice.action == "none":
            return None, None
        if choice.action == "team":
            return choice.target_id, None
        if choice.action == "locality":
            return None, choice.target_id
        if choice.action == "create-team":
            return self._create(choice, Team, messages).id, None
        return None, self._create(choice, Locality, messages).id

    def worker(self, key: str | None) -> int | None:
        choice = self.choices.get(("worker", key)) if key else None
        return choice.target_id if choice is not None and choice.action == "account" else None


