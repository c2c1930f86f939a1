"""Which record a child named in a partner's contact is: the match, then the new records.

A partner names a child only by what it knows. The child is the record with that NHS number
(a duplicate merged away leads to the record kept). Failing that, the one live record (not
merged away, not erased) with the same first and last names (compared as the tracker importer
compares them: case, spacing and accents' case ignored) and the same known date of birth; an
approximate or unknown date of birth, or an unborn child's expected date, matches nothing. Two
or more such records, or none, and the child gets a new record.

An NHS number that no record has still looks for a match by name and date of birth, among the
records with no NHS number: a health notice is often the first to carry the number of a child
police notices already made known. A record with another NHS number is another child.

A match by name and date of birth is a judgement, so the contact records it for the
practitioner to confirm at screening, keeping what the partner sent so that "not the same
child" can make the record it describes. The partner's answer is the same whatever was found.

The work is set-based for a batch of contacts: one SELECT for every look-up, then at most one
INSERT for new children with NHS numbers and one for the others.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import BigInteger, bindparam, column, exists, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from triage.domain.birth import BirthDateStatus
from triage.domain.tracker import name_key
from triage.extensions import db
from triage.models import Child, RetentionErasure
from triage.services import audit
from triage.services import children as children_service
from triage.services.actor import Actor

BY_NHS_NUMBER = "nhs_number"
BY_NAME_AND_DATE_OF_BIRTH = "name_and_date_of_birth"
_DATES = ("date_of_birth", "expected_date_of_birth", "date_of_death")


@dataclass
class Placed:
    """Where one child of a contact went: its record, and how it was matched (None: a new record)."""

    child_id: int
    locality_id: int | None
    matched_by: str | None = None
    match_details: str | None = None  # what the partner sent, for a match still to be confirmed


def match_key(details: dict) -> tuple[str, str, date] | None:
    """How a child is matched by name and date of birth; None when the date of birth is not a
    known one (approximate, not known, or an unborn child's expected date)."""
    born = details.get("date_of_birth")
    if not born or details.get("birth_date_status", BirthDateStatus.KNOWN) != BirthDateStatus.KNOWN:
        return None
    first, last = name_key(details.get("first_name")), name_key(details.get("last_name"))
    return (first, last, born) if first and last else None


def details_json(details: dict) -> str:
    return json.dumps({k: (v.isoformat() if isinstance(v, date) else v) for k, v in details.items()
                       if k in children_service.EDITABLE and v is not None}, sort_keys=True)


def details_from_json(text: str) -> dict:
    data = json.loads(text)
    return {k: (date.fromisoformat(v) if k in _DATES and v else v) for k, v in data.items()}


@dataclass
class _Known:
    """What the one look-up found: NHS number -> (record, locality), and match key -> records."""

    by_nhs: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    by_key: dict[tuple, list[tuple[int, int | None, bool]]] = field(default_factory=lambda: defaultdict(list))

    def by_name(self, details: dict, taken: set[int]) -> tuple[int, int | None] | None:
        key = match_key(details)
        found = self.by_key.get(key, []) if key else []
        if details.get("nhs_number"):
            found = [f for f in found if not f[2]]  # a record with another NHS number is another child
        if len(found) != 1 or found[0][0] in taken:
            return None
        return found[0][0], found[0][1]


def _look_up(all_details: list[dict]) -> _Known:
    """One SELECT: the records with these NHS numbers (and where a tombstone leads), and the
    live records born on these dates; names are compared here, the one way the service does."""
    known = _Known()
    numbers = {d["nhs_number"] for d in all_details if d.get("nhs_number")}
    keys = {k for k in map(match_key, all_details) if k}
    if not (numbers or keys):
        return known
    kept = aliased(Child)
    erased = exists().where(RetentionErasure.child_id == Child.id)
    same_birth = (Child.date_of_birth.in_(sorted({k[2] for k in keys})) & Child.merged_into_id.is_(None)
                  & (Child.birth_date_status == BirthDateStatus.KNOWN) & ~erased)
    rows = db.session.execute(
        select(Child.id, Child.locality_id, Child.nhs_number, Child.first_name, Child.last_name,
               Child.date_of_birth, Child.merged_into_id, kept.locality_id)
        .outerjoin(kept, kept.id == Child.merged_into_id)
        .where(or_(Child.nhs_number.in_(sorted(numbers)) if numbers else False, same_birth if keys else False)))
    for cid, locality, nhs, first, last, born, merged_into, kept_locality in rows:
        if nhs in numbers:
            # A duplicate merged away that kept its NHS number leads to the record kept.
            known.by_nhs[nhs] = (merged_into, kept_locality) if merged_into is not None else (cid, locality)
        if merged_into is None:
            key = match_key({"first_name": first, "last_name": last, "date_of_birth": born})
            if key in keys:
                known.by_key[key].append((cid, locality, nhs is not None))
    return known


def take_turns(all_details: list[dict]) -> None:
    """Intakes about the same child take turns from here to their commit, so the second finds the
    record the first made instead of making another (two police notices about one unknown child
    a moment apart). Called before an intake's first write, so that no intake waits for a turn
    while holding a row another waits for (its contact's keys). On PostgreSQL: a transaction-level
    advisory lock per NHS number and per name and date of birth, taken in one order so that two
    batches never wait on each other. SQLite, the single-machine setup, writes one transaction at a
    time but reads before it writes: two batches there at the same instant can still make two
    records, which the merge page puts right."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    names = {f"nhs:{d['nhs_number']}" for d in all_details if d.get("nhs_number")}
    keys = filter(None, map(match_key, all_details))
    names |= {f"child:{first}|{last}|{born.isoformat()}" for first, last, born in keys}
    if not names:
        return
    locks = sorted({int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
                    for name in names})
    db.session.execute(select(func.pg_advisory_xact_lock(column("lock")))
                       .select_from(func.unnest(bindparam("locks", locks, type_=postgresql.ARRAY(BigInteger)))
                                    .table_valued("lock").render_derived()))


def place_children(actor: Actor, now: datetime, contacts: list[list[dict]], audit_rows: list[dict]
                   ) -> list[list[Placed]]:
    """Each contact's children (cleaned details, in the order named) matched or newly recorded;
    the new records' audit rows appended. The caller has taken its turns (`take_turns`). A child
    already named in the same contact is never matched again for it (the contact names each child
    once)."""
    known = _look_up([d for details in contacts for d in details])
    placed: list[list[Placed | None]] = [[None] * len(details) for details in contacts]
    for c, details in enumerate(contacts):
        taken: set[int] = set()
        for i, d in enumerate(details):  # NHS numbers first: they are certain
            if d.get("nhs_number") in known.by_nhs:
                cid, locality = known.by_nhs[d["nhs_number"]]
                placed[c][i] = Placed(cid, locality, BY_NHS_NUMBER)
                taken.add(cid)
        for i, d in enumerate(details):
            if placed[c][i] is None and (found := known.by_name(d, taken)):
                placed[c][i] = Placed(*found, BY_NAME_AND_DATE_OF_BIRTH, details_json(d))
                taken.add(found[0])
    _record_new(actor, now, contacts, placed, audit_rows)
    return placed  # type: ignore[return-value]


def _record_new(actor: Actor, now: datetime, contacts: list[list[dict]], placed: list[list[Placed | None]],
                audit_rows: list[dict]) -> None:
    """New records for the children nothing matched: one per NHS number, and one per name and
    date of birth (a later contact of the same batch about the same child matches it, as it
    would had it come a moment later); the others one each."""
    with_nhs: dict[str, list[tuple[int, int]]] = defaultdict(list)
    by_key: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    alone: list[tuple[int, int]] = []
    for c, details in enumerate(contacts):
        for i, d in enumerate(details):
            if placed[c][i] is not None:
                continue
            if d.get("nhs_number"):
                with_nhs[d["nhs_number"]].append((c, i))
            elif key := match_key(d):
                by_key[key].append((c, i))
            else:
                alone.append((c, i))
    made_nhs, new_ids = _insert_with_nhs(now, {nhs: _at(contacts, group[0]) for nhs, group in with_nhs.items()})
    plain = [group[0] for group in by_key.values()] + alone
    plain_ids = insert_in_order(Child.__table__, [_values(_at(contacts, spot), now) for spot in plain]) \
        if plain else []
    made = dict(zip(plain, plain_ids, strict=True))
    for nhs, group in with_nhs.items():
        _share(contacts, placed, group, *made_nhs[nhs], BY_NHS_NUMBER)
    for group in by_key.values():
        _share(contacts, placed, group, made[group[0]], _at(contacts, group[0]).get("locality_id"),
               BY_NAME_AND_DATE_OF_BIRTH)
    for spot in alone:
        placed[spot[0]][spot[1]] = Placed(made[spot], _at(contacts, spot).get("locality_id"))
    audit_rows += [audit.row(actor, now, "create", "child", cid, child_id=cid) for cid in new_ids + plain_ids]


def _at(contacts: list[list[dict]], spot: tuple[int, int]) -> dict:
    return contacts[spot[0]][spot[1]]


def _share(contacts: list[list[dict]], placed: list[list[Placed | None]], group: list[tuple[int, int]],
           child_id: int, locality_id: int | None, how: str) -> None:
    """The first of a group made the record; the later ones are matched to it."""
    for n, (c, i) in enumerate(group):
        if n == 0:
            placed[c][i] = Placed(child_id, locality_id)
        else:
            placed[c][i] = Placed(child_id, locality_id, how,
                                  details_json(contacts[c][i]) if how == BY_NAME_AND_DATE_OF_BIRTH else None)


def _values(details: dict, now: datetime) -> dict:
    # council_child_id: set by the database
    return {k: details.get(k) for k in children_service.EDITABLE} | {"created_at": now, "updated_at": now,
                                                                     "version": 1}


def _insert_with_nhs(now: datetime, firsts: dict[str, dict]) -> tuple[dict[str, tuple[int, int | None]], list[int]]:
    """New records for NHS numbers none had a moment ago, in one INSERT that leaves alone a number
    another contact recorded in the meantime (that record is then the child): NHS number ->
    (record, locality), and the ids made."""
    if not firsts:
        return {}, []
    table = Child.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(table).on_conflict_do_nothing(index_elements=["nhs_number"])
                 .returning(table.c.id, table.c.nhs_number))
    created = {nhs: cid for cid, nhs in db.session.connection().execute(
        statement, [_values(d, now) for d in firsts.values()])}
    result = {nhs: (created[nhs], d.get("locality_id")) for nhs, d in firsts.items() if nhs in created}
    missing = [nhs for nhs in firsts if nhs not in created]
    if missing:  # recorded by a concurrent contact: now that child
        kept = aliased(Child)
        for cid, locality, nhs, merged_into, kept_locality in db.session.execute(
                select(Child.id, Child.locality_id, Child.nhs_number, Child.merged_into_id, kept.locality_id)
                .outerjoin(kept, kept.id == Child.merged_into_id).where(Child.nhs_number.in_(missing))):
            result[nhs] = (merged_into, kept_locality) if merged_into is not None else (cid, locality)
    return result, list(created.values())


def insert_in_order(table, rows: list[dict]) -> list[int]:
    """Multi-row INSERTs answering each row's id, in the order the rows were given."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return list(connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                       rows).scalars())
    # SQLite gives each row of a multi-row INSERT the next rowid, in the order the rows are listed
    # (and one writer at a time), so ascending ids are the rows' order; SQLAlchemy's own ordering
    # would fall back to one INSERT per row here.
    return sorted(connection.execute(insert(table).returning(table.c.id), rows).scalars())
