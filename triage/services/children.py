"""Finding, reading, creating and correcting child records; every read and write is audited."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import selectinload

from triage.clock import local_date
from triage.domain.birth import BirthDateStatus, age_problem, estimated_date_of_birth
from triage.domain.codes import (
    CENSUS_TO_SEX,
    UpnUnknown,
    council_child_id_problem,
    disabilities_problem,
    ethnicity_code,
)
from triage.domain.identifiers import nhs_number_problem, normalise_nhs_number, normalise_upn, upn_problem
from triage.domain.roles import Role
from triage.domain.tracker import name_key
from triage.extensions import db
from triage.models import Child, Locality
from triage.services import audit
from triage.services.actor import Actor
from triage.services.errors import Conflict, Invalid, NotFound
from triage.services.guards import check_version, require
from triage.services.paging import Page, paginate
from triage.services.unit_of_work import unit_of_work

# Partners see children only through what was asked of their agency (contacts, meetings);
# performance officers and administrators work from aggregates and settings.
CHILD_RECORD_ROLES = (Role.ERA, Role.PRACTITIONER, Role.MANAGER)
SEXES = ("female", "male", "unknown", "not_stated")
EDITABLE = ("first_name", "last_name", "other_names", "date_of_birth", "expected_date_of_birth",
            "sex", "ethnicity", "address_line_1", "address_line_2", "town", "postcode",
            "locality_id", "nhs_number", "upn", "council_child_id", "upn_unknown_reason", "former_upn",
            "disabilities", "date_of_death", "birth_date_status")


class PossibleDuplicate(Conflict):
    """The new child looks like one already recorded; the caller may confirm it is different."""

    def __init__(self, candidates: list[Child]):
        super().__init__(
            "This child may already be recorded: check the existing record before creating a new one",
            {"child": [f"Possible match: record {c.id}" for c in candidates]},
        )
        self.candidates = candidates


def _require(actor: Actor) -> None:
    require(actor, CHILD_RECORD_ROLES, "open child records")


_OPTIONAL = ("other_names", "ethnicity", "address_line_1", "address_line_2", "town", "postcode", "nhs_number",
             "upn", "council_child_id", "upn_unknown_reason", "former_upn", "disabilities")


def _clean(fields: dict, today: date) -> dict:
    """Normalise and check a child's fields; raise Invalid naming every field at fault."""
    errors: dict[str, list[str]] = {}
    data = _trimmed(fields)
    _clean_birth_status(fields, data, today, errors)
    _clean_census_fields(data, today, errors)
    _clean_person_fields(data, today, errors)
    _clean_identifiers(data, errors)
    if data.get("locality_id") is not None and db.session.get(Locality, data["locality_id"]) is None:
        errors["locality_id"] = ["Unknown locality"]
    if errors:
        raise Invalid("The child's details need correcting", errors)
    return data


def _trimmed(fields: dict) -> dict:
    """The editable fields, trimmed; an optional field left blank is None."""
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items() if k in EDITABLE}
    if isinstance(data.get("disabilities"), (list, tuple)):
        data["disabilities"] = ",".join(str(c).strip() for c in data["disabilities"] if str(c).strip())
    for key in _OPTIONAL:
        if key in data and data[key] == "":
            data[key] = None
    return data


def _clean_birth_status(fields: dict, data: dict, today: date, errors: dict[str, list[str]]) -> None:
    """Whether the date of birth is known; an approximate age given instead becomes an estimated
    date of birth, marked approximate for the practitioner to confirm."""
    status = data.get("birth_date_status")
    if status is not None and status not in BirthDateStatus._value2member_map_:
        errors["birth_date_status"] = [f"Choose one of: {', '.join(BirthDateStatus)}"]
        return
    age = fields.get("approximate_age")
    if age is None or age == "":
        return
    if problem := age_problem(age):
        errors["approximate_age"] = [problem]
    elif data.get("date_of_birth"):
        errors["approximate_age"] = ["Give a date of birth or an approximate age, not both"]
    else:
        data["date_of_birth"] = estimated_date_of_birth(age, today)
        data["birth_date_status"] = BirthDateStatus.APPROXIMATE


def _birth_problem(status: str, born: date | None, due: date | None, known_message: str) -> dict | None:
    """What is missing or contradictory about a record's date of birth, by field; None if nothing."""
    if status == BirthDateStatus.NOT_KNOWN:
        return {"birth_date_status": ["A date of birth is recorded: say it is known or approximate"]} \
            if born else None
    if status == BirthDateStatus.APPROXIMATE:
        return None if born else {"approximate_age": ["Enter an approximate age, or the date of birth"]}
    return None if born or due else {"date_of_birth": [known_message]}


def _clean_person_fields(data: dict, today: date, errors: dict[str, list[str]]) -> None:
    """Names, sex and date of birth."""
    for key in ("first_name", "last_name"):
        if key in data and not data[key]:
            errors[key] = ["Enter the child's " + key.replace("_", " ")]
    if "sex" in data and isinstance(data["sex"], str) and data["sex"].upper() in CENSUS_TO_SEX:
        data["sex"] = CENSUS_TO_SEX[data["sex"].upper()]  # the census codes M / F / U
    if "sex" in data and data["sex"] not in SEXES:
        errors["sex"] = [f"Sex must be one of: {', '.join(SEXES)}"]
    if data.get("date_of_birth") and data["date_of_birth"] > today:
        errors["date_of_birth"] = ["Date of birth must be today or in the past; "
                                   "for an unborn child give the expected date of birth"]


def _clean_identifiers(data: dict, errors: dict[str, list[str]]) -> None:
    """NHS number, UPN and postcode, each checked and written the one way the service keeps it."""
    if data.get("nhs_number"):
        problem = nhs_number_problem(data["nhs_number"])
        if problem:
            errors["nhs_number"] = [problem]
        else:
            data["nhs_number"] = normalise_nhs_number(data["nhs_number"])
    if data.get("upn"):
        problem = upn_problem(data["upn"])
        if problem:
            errors["upn"] = [problem]
        else:
            data["upn"] = normalise_upn(data["upn"])
    if data.get("postcode"):
        data["postcode"] = " ".join(data["postcode"].upper().split())


def _clean_census_fields(data: dict, today: date, errors: dict[str, list[str]]) -> None:
    """The census details: each against its DfE code list, naming the field at fault."""
    if data.get("ethnicity"):
        code = ethnicity_code(data["ethnicity"])
        if code is None:
            errors["ethnicity"] = ["Choose one of the DfE ethnicity codes (WBRI ... NOBT)"]
        else:
            data["ethnicity"] = code
    if data.get("disabilities"):
        codes = [c.strip().upper() for c in str(data["disabilities"]).split(",") if c.strip()]
        problem = disabilities_problem(codes)
        if problem:
            errors["disabilities"] = [problem]
        else:
            data["disabilities"] = ",".join(codes)
    if data.get("upn_unknown_reason"):
        reason = str(data["upn_unknown_reason"]).upper()
        if reason not in UpnUnknown._value2member_map_:
            errors["upn_unknown_reason"] = ["Choose one of UN1 to UN7"]
        elif data.get("upn"):
            errors["upn_unknown_reason"] = ["Give a UPN or a reason it is not known, not both"]
        else:
            data["upn_unknown_reason"] = reason
    if data.get("former_upn"):
        problem = upn_problem(data["former_upn"])
        if problem:
            errors["former_upn"] = ["Former " + problem]
        else:
            data["former_upn"] = normalise_upn(data["former_upn"])
    if data.get("council_child_id"):
        data["council_child_id"] = data["council_child_id"].upper()
        problem = council_child_id_problem(data["council_child_id"])
        if problem:
            errors["council_child_id"] = [problem]
    death = data.get("date_of_death")
    if death:
        if death > today:
            errors["date_of_death"] = ["Date of death cannot be in the future"]
        elif data.get("date_of_birth") and death < data["date_of_birth"]:
            errors["date_of_death"] = ["Date of death cannot be before the date of birth"]


def possible_duplicates(nhs_number: str | None, first_name: str, last_name: str,
                        date_of_birth: date | None, exclude_id: int | None = None) -> list[Child]:
    """Live records that may be this child: the same NHS number, or the same first and last names
    and date of birth. Names are compared as partner matching and the tracker import compare
    them (case, spacing and accents' case ignored), so "ÉMILE" is Émile wherever he is asked for."""
    conditions = []
    if nhs_number:
        conditions.append(Child.nhs_number == nhs_number)
    if date_of_birth:
        conditions.append(Child.date_of_birth == date_of_birth)
    if not conditions:
        return []
    query = select(Child).where(or_(*conditions), Child.merged_into_id.is_(None)).order_by(Child.id)
    if exclude_id:
        query = query.where(Child.id != exclude_id)
    names = (name_key(first_name), name_key(last_name))
    found = [child for child in db.session.scalars(query)
             if (nhs_number and child.nhs_number == nhs_number)
             or (None not in names and (name_key(child.first_name), name_key(child.last_name)) == names)]
    return found[:10]


def create_child(actor: Actor, now: datetime, fields: dict, confirmed_new: bool = False) -> Child:
    _require(actor)
    with unit_of_work("child record"):
        return _insert_child(actor, now, fields, confirmed_new)


CHILD = Child.__table__  # Core on the table: the ORM's bulk path costs more than the INSERT


def new_child_for_contact(actor: Actor, now: datetime, fields: dict) -> dict:
    """A new child named in a contact, cleaned and checked before anything is written.

    Partner systems cannot see child records, so they name children only by what they know;
    whether the child is already known is the Front Door's question, never the partner's answer.
    """
    if actor.role is Role.PARTNER:
        if fields.get("council_child_id"):
            raise Invalid("The child's details need correcting", {"council_child_id": [
                "Partner systems name a child by their details, not by the council's id"]})
    else:
        _require(actor)
    return _new_child_data(fields, local_date(now))


def _new_child_data(fields: dict, today: date) -> dict:
    """A new child's fields, cleaned, with everything a record needs."""
    data = _clean(fields, today)
    missing = {k: ["This field is required"] for k in ("first_name", "last_name", "sex") if k not in data}
    missing.update(_birth_problem(
        data.setdefault("birth_date_status", BirthDateStatus.KNOWN), data.get("date_of_birth"),
        data.get("expected_date_of_birth"),
        "Enter a date of birth, or an expected date of birth for an unborn child (or say it is not known)") or {})
    if missing:
        raise Invalid("The child's details need correcting", missing)
    return data


def insert_child_for_contact(actor: Actor, now: datetime, data: dict, confirmed_new: bool,
                             audit_rows: list[dict]) -> tuple[int, int | None]:
    """Write a child staff named in a contact (Core, in the contact's transaction); (id, locality
    id). Staff get the lookalike warning (PossibleDuplicate). A partner's children are matched
    to the records already kept instead (services.child_matching): partners cannot be warned.
    """
    values = {key: data.get(key) for key in EDITABLE}
    values.update(created_at=now, updated_at=now, version=1)  # council_child_id: set by the database
    _check_not_recorded(data, confirmed_new)
    child_id = db.session.connection().execute(insert(CHILD).returning(CHILD.c.id), values).scalar_one()
    audit_rows.append(audit.row(actor, now, "create", "child", child_id, child_id=child_id))
    return child_id, data.get("locality_id")


def existing_children(ids: list[int]) -> dict[int, int | None]:
    """Child record id -> locality id, for the ids that exist: one statement."""
    if not ids:
        return {}
    # A duplicate merged away is no longer a record to name: the kept record is.
    return dict(db.session.execute(select(Child.id, Child.locality_id).where(
        Child.id.in_(set(ids)), Child.merged_into_id.is_(None))).all())


def _insert_child(actor: Actor, now: datetime, fields: dict, confirmed_new: bool) -> Child:
    data = _new_child_data(fields, local_date(now))
    _check_not_recorded(data, confirmed_new)
    child = Child(created_at=now, updated_at=now, **data)
    db.session.add(child)
    db.session.flush()
    if not child.council_child_id:
        # The database gave it one (T and the record id: migration 0010); read it when needed.
        db.session.expire(child, ["council_child_id"])
    audit.record(actor, now, "create", "child", child.id, child_id=child.id)
    return child


def _check_not_recorded(data: dict, confirmed_new: bool) -> None:
    """Staff creating a child: a lookalike needs confirming; the same NHS number is the same
    child, whatever the caller says; a council id belongs to one child."""
    candidates = possible_duplicates(data.get("nhs_number"), data["first_name"], data["last_name"],
                                     data.get("date_of_birth"))
    same_nhs = [c for c in candidates if data.get("nhs_number") and c.nhs_number == data["nhs_number"]]
    if same_nhs or (candidates and not confirmed_new):
        raise PossibleDuplicate(same_nhs or candidates)
    _check_council_id_free(data.get("council_child_id"), None)


def _check_council_id_free(council_child_id: str | None, exclude_id: int | None) -> None:
    if not council_child_id:
        return
    query = select(Child.id).where(Child.council_child_id == council_child_id)
    if exclude_id:
        query = query.where(Child.id != exclude_id)
    if db.session.scalar(query):
        raise Conflict(f"Another child already has the id {council_child_id}",
                       {"council_child_id": ["This id belongs to another child"]})


def get_child(actor: Actor, now: datetime, child_id: int) -> Child:
    _require(actor)
    with unit_of_work("child record", keep_loaded=True):
        child = db.session.get(Child, child_id)
        if child is None:
            raise NotFound(f"No child record {child_id}")
        audit.record_shown(actor, now, "read", "child", [(child.id, child.id)])
    return child


def update_child(actor: Actor, now: datetime, child_id: int, fields: dict, version: int) -> Child:
    """Optimistic locking: the caller says which version it edited; a newer one wins visibly."""
    _require(actor)
    with unit_of_work("child record"):
        return _update_child(actor, now, child_id, fields, version)


def _update_child(actor: Actor, now: datetime, child_id: int, fields: dict, version: int) -> Child:
    child = db.session.get(Child, child_id)
    if child is None:
        raise NotFound(f"No child record {child_id}")
    check_version(child, version, "child record")
    if child.is_tombstone:
        raise Conflict(f"This record was merged into record {child.merged_into_id}: change that one",
                       {"child": [f"Merged into record {child.merged_into_id}"]})
    data = _clean(fields, local_date(now))
    # Only what actually changed is written and named in the audit row.
    data = {k: v for k, v in data.items() if getattr(child, k) != v}
    if data.get("date_of_birth") and "birth_date_status" not in data and "birth_date_status" not in fields:
        data["birth_date_status"] = BirthDateStatus.KNOWN  # the practitioner has completed it
    if not data:
        return child
    if data.get("nhs_number") and possible_duplicates(data["nhs_number"], "", "", None, exclude_id=child.id):
        raise Conflict("Another child already has this NHS number",
                       {"nhs_number": ["This NHS number belongs to another child"]})
    _check_council_id_free(data.get("council_child_id"), child.id)
    for key, value in data.items():
        setattr(child, key, value)
    problem = _birth_problem(child.birth_date_status, child.date_of_birth, child.expected_date_of_birth,
                             "Enter a date of birth, or an expected date of birth")
    if problem:
        raise Invalid("The child's details need correcting", problem)
    child.updated_at = now
    audit.record(actor, now, "update", "child", child.id, child_id=child.id,
                 detail="changed: " + ", ".join(sorted(data)))
    return child


@dataclass(frozen=True)
class ChildSearch:
    name: str | None = None
    date_of_birth: date | None = None
    nhs_number: str | None = None
    council_child_id: str | None = None


def search_children(actor: Actor, now: datetime, criteria: ChildSearch, page: int = 1,
                    per_page: int = 25) -> Page[Child]:
    _require(actor)
    query = select(Child).where(Child.merged_into_id.is_(None))
    used = []
    if criteria.name:
        for word in criteria.name.split():
            # % and _ typed by a person are letters, not wildcards.
            escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            query = query.where(or_(func.lower(Child.first_name).like(pattern, escape="\\"),
                                    func.lower(Child.last_name).like(pattern, escape="\\"),
                                    func.lower(func.coalesce(Child.other_names, "")).like(pattern, escape="\\")))
        used.append("name")
    if criteria.date_of_birth:
        query = query.where(Child.date_of_birth == criteria.date_of_birth)
        used.append("date of birth")
    if criteria.nhs_number:
        query = query.where(Child.nhs_number == normalise_nhs_number(criteria.nhs_number))
        used.append("NHS number")
    if criteria.council_child_id:
        query = query.where(Child.council_child_id == criteria.council_child_id.strip().upper())
        used.append("child id")
    if not used:
        raise Invalid("Search by name, date of birth, NHS number or child id",
                      {"name": ["Enter at least one thing to search by"]})
    query = query.options(selectinload(Child.locality))
    with unit_of_work("child record", keep_loaded=True):
        result = paginate(query.order_by(Child.last_name, Child.first_name, Child.id), page, per_page)
        # The search terms are personal data: the trail records what kind of search, and who came back.
        audit.record_shown(actor, now, "search", "child", [(c.id, c.id) for c in result.items],
                           detail=f"by {', '.join(used)}; {result.total} found")
    return result
