"""Pathways: administrators' routing rules, and which contacts they send to a meeting's agenda.

A rule names a meeting type and any of: an age range (any child named, on the day the contact
arrived), concern categories (found in the concern text by the council's keywords), referral
sources and a locality. The agenda of a meeting of that type takes every contact a rule matches
that arrived since the previous meeting of its series, beside the type's own channels.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from triage.clock import local_date
from triage.domain.codes import ReferralSource
from triage.domain.pathways import (
    ContactFacts,
    RoutingRule,
    age_on,
    rule_matches,
    rule_problems,
)
from triage.domain.pathways import (
    concern_categories as categories_in,
)
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Contact, ContactChild, Locality, PathwayRule
from triage.services import audit
from triage.services.actor import Actor
from triage.services.errors import Invalid, NotFound
from triage.services.guards import check_version, require
from triage.services.meetings.common import RUNNERS
from triage.services.paging import Page, paginate
from triage.services.unit_of_work import unit_of_work
from triage.settings import meeting_settings

ADMINS = (Role.ADMIN,)
READERS = ADMINS + RUNNERS


@dataclass(frozen=True)
class RuleCommand:
    """A routing rule as an administrator writes it (built by the API schema and the page's form)."""

    name: str
    meeting_type: str
    min_age: int | None = None
    max_age: int | None = None
    concern_categories: tuple[str, ...] = ()
    source_codes: tuple[str, ...] = ()
    locality_id: int | None = None
    active: bool = True


def _checked(command: RuleCommand) -> RuleCommand:
    settings = meeting_settings()
    problems = rule_problems(command.min_age, command.max_age, command.concern_categories,
                             [c.code for c in settings.concern_categories], command.source_codes,
                             [s.value for s in ReferralSource])
    name = (command.name or "").strip()
    if not name:
        problems["name"] = ["Give the rule a name people will recognise"]
    if command.meeting_type not in settings.types:
        problems["meeting_type"] = [f"Choose one of: {', '.join(settings.types)}"]
    if command.locality_id is not None and db.session.get(Locality, command.locality_id) is None:
        problems["locality_id"] = ["Unknown locality"]
    if problems:
        raise Invalid("The routing rule needs correcting", problems)
    return RuleCommand(name=name, meeting_type=command.meeting_type, min_age=command.min_age,
                       max_age=command.max_age, concern_categories=tuple(sorted(set(command.concern_categories))),
                       source_codes=tuple(sorted(set(command.source_codes))), locality_id=command.locality_id,
                       active=command.active)


def _write(rule: PathwayRule, command: RuleCommand, now: datetime) -> None:
    rule.name, rule.meeting_type = command.name, command.meeting_type
    rule.min_age, rule.max_age, rule.locality_id, rule.active = (command.min_age, command.max_age,
                                                                 command.locality_id, command.active)
    rule.concern_categories = ",".join(command.concern_categories) or None
    rule.source_codes = ",".join(command.source_codes) or None
    rule.updated_at = now


@unit_of_work("routing rule", keep_loaded=True)
def list_rules(actor: Actor, now: datetime, page: int = 1, per_page: int = 50) -> Page[PathwayRule]:
    """Every rule, active first, then by meeting type and name."""
    require(actor, READERS, "see pathways' routing rules")
    query = (select(PathwayRule).options(selectinload(PathwayRule.locality))
             .order_by(PathwayRule.active.desc(), PathwayRule.meeting_type, PathwayRule.name, PathwayRule.id))
    return paginate(query, page, per_page)


def category_choices():
    """The categories rules may name (the CONCERN_CATEGORIES setting)."""
    return meeting_settings().concern_categories


def get_rule(actor: Actor, now: datetime, rule_id: int) -> PathwayRule:
    require(actor, READERS, "see pathways' routing rules")
    rule = db.session.get(PathwayRule, rule_id)
    if rule is None:
        raise NotFound(f"No routing rule {rule_id}")
    return rule


@unit_of_work("routing rule")
def create_rule(actor: Actor, now: datetime, command: RuleCommand) -> PathwayRule:
    require(actor, ADMINS, "write routing rules: only administrators can")
    command = _checked(command)
    rule = PathwayRule(created_at=now, created_by_id=actor.user_id)
    _write(rule, command, now)
    db.session.add(rule)
    db.session.flush()
    audit.record(actor, now, "create", "pathway_rule", rule.id, detail=f"{rule.meeting_type}: {rule.name}")
    return rule


@unit_of_work("routing rule")
def update_rule(actor: Actor, now: datetime, rule_id: int, command: RuleCommand, version: int | None) -> PathwayRule:
    """Change a rule (or switch it off with active=False); a stale version is a 409."""
    require(actor, ADMINS, "change routing rules: only administrators can")
    rule = get_rule(actor, now, rule_id)
    check_version(rule, version, "routing rule")
    _write(rule, _checked(command), now)
    audit.record(actor, now, "update", "pathway_rule", rule.id,
                 detail=f"{rule.meeting_type}: {rule.name}{'' if rule.active else ' (off)'}")
    return rule


# ---------------------------------------------------------------- routing

def _rules_for(meeting_type: str) -> list[RoutingRule]:
    rows = db.session.scalars(select(PathwayRule).where(PathwayRule.meeting_type == meeting_type,
                                                        PathwayRule.active.is_(True)))
    return [RoutingRule(meeting_type=r.meeting_type, min_age=r.min_age, max_age=r.max_age,
                        categories=frozenset(r.category_list), source_codes=frozenset(r.source_list),
                        locality_id=r.locality_id) for r in rows]


def facts_of(contact: Contact, categories) -> ContactFacts:
    day = local_date(contact.received_at)
    ages = tuple(age_on(link.child.date_of_birth, day) for link in contact.children
                 if link.child.date_of_birth is not None)
    return ContactFacts(ages=ages, categories=categories_in(contact.concern, categories),
                        source_code=contact.source_code, locality_id=contact.locality_id)


def routed_ids(meeting_type: str, contacts: Iterable[Contact]) -> set[int]:
    """The contacts among these that an active rule sends to this meeting type."""
    rules = _rules_for(meeting_type)
    if not rules:
        return set()
    categories = meeting_settings().concern_categories
    found = set()
    for contact in contacts:
        facts = facts_of(contact, categories)
        if any(rule_matches(rule, facts) for rule in rules):
            found.add(contact.id)
    return found


def has_rules(meeting_type: str) -> bool:
    return db.session.scalar(select(PathwayRule.id).where(PathwayRule.meeting_type == meeting_type,
                                                          PathwayRule.active.is_(True)).limit(1)) is not None


def contact_loads():
    return selectinload(Contact.children).selectinload(ContactChild.child)
