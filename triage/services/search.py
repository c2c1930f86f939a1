"""The header search: one box for a child's name, a council child id, an NHS number, or a contact
or referral number.

A query that names exactly one record is a quick find: the caller goes straight to it. Anything
else is a list to choose from. Children are found through the child search, which records in the
audit trail each child it shows; contacts and referrals are found by number alone, and only
their numbers are shown here (their pages record who opened them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from triage.domain.identifiers import nhs_number_is_valid, normalise_nhs_number
from triage.extensions import db
from triage.models import Child, Contact, Referral
from triage.services import children
from triage.services.actor import Actor
from triage.services.children import CHILD_RECORD_ROLES, ChildSearch
from triage.services.errors import Invalid
from triage.services.guards import require
from triage.services.paging import Page

MAX_LENGTH = 100
PER_PAGE = 25
_CONTACT = re.compile(r"(?:contact|c)\s*(?:no\.?|number)?\s*#?\s*(\d{1,9})", re.IGNORECASE)
_REFERRAL = re.compile(r"(?:referral|case|r)\s*(?:no\.?|number)?\s*#?\s*(\d{1,9})", re.IGNORECASE)
_NUMBER = re.compile(r"#?\s*(\d{1,9})")
_CHILD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9/-]{0,19}")


@dataclass(frozen=True)
class Found:
    """One record: where a quick find goes."""

    kind: str  # "child", "contact" or "case"
    id: int


@dataclass(frozen=True)
class SearchResult:
    query: str
    go_to: Found | None = None
    children: Page[Child] | None = None
    records: list[Found] = field(default_factory=list)  # contacts and cases with the number asked for
    searched_by: str = "name"

    @property
    def total(self) -> int:
        return (self.children.total if self.children else 0) + len(self.records)


def find(actor: Actor, now: datetime, query: str | None, page: int = 1) -> SearchResult:
    """What the header search finds for `query`; a quick find when it is exactly one record."""
    require(actor, CHILD_RECORD_ROLES, "search the records")
    text = " ".join((query or "").split())
    if not text:
        raise Invalid("Enter something to search for",
                      {"q": ["Enter a name, child id, NHS number, contact number or referral number"]})
    if len(text) > MAX_LENGTH:
        raise Invalid("The search is too long", {"q": [f"Enter at most {MAX_LENGTH} characters"]})
    by_number = _by_record_number(text)
    if by_number is not None:
        return _one_or_list(SearchResult(text, records=by_number, searched_by="number"))
    nhs = normalise_nhs_number(text)
    if len(nhs) == 10 and nhs.isdigit() and nhs_number_is_valid(nhs):
        found = children.search_children(actor, now, ChildSearch(nhs_number=nhs), page, PER_PAGE)
        return _one_or_list(SearchResult(text, children=found, searched_by="NHS number"))
    if _CHILD_ID.fullmatch(text) and any(ch.isdigit() for ch in text):
        found = children.search_children(actor, now, ChildSearch(council_child_id=text), page, PER_PAGE)
        records = _numbered(int(text)) if text.isdigit() and len(text) <= 9 else []
        return _one_or_list(SearchResult(text, children=found, records=records, searched_by="child id or number"))
    found = children.search_children(actor, now, ChildSearch(name=text), page, PER_PAGE)
    return _one_or_list(SearchResult(text, children=found, searched_by="name"))


def _by_record_number(text: str) -> list[Found] | None:
    """"contact 123", "C123", "referral 45", "#45": the records with that number (None: not a number)."""
    contact, referral = _CONTACT.fullmatch(text), _REFERRAL.fullmatch(text)
    if contact:
        return [f for f in _numbered(int(contact.group(1))) if f.kind == "contact"]
    if referral:
        return [f for f in _numbered(int(referral.group(1))) if f.kind == "case"]
    bare = _NUMBER.fullmatch(text)
    if bare and text.startswith("#"):
        return _numbered(int(bare.group(1)))
    return None


def _numbered(number: int) -> list[Found]:
    found = []
    if db.session.scalar(select(Contact.id).where(Contact.id == number)) is not None:
        found.append(Found("contact", number))
    if db.session.scalar(select(Referral.id).where(Referral.id == number)) is not None:
        found.append(Found("case", number))
    return found


def _one_or_list(result: SearchResult) -> SearchResult:
    listed = result.children.items if result.children else []
    if result.total == 1 and result.records:
        return SearchResult(result.query, go_to=result.records[0], searched_by=result.searched_by)
    if result.total == 1 and len(listed) == 1 and result.searched_by != "name":
        return SearchResult(result.query, go_to=Found("child", listed[0].id), children=result.children,
                            searched_by=result.searched_by)
    return result
