"""Pathways: which contacts a routing rule sends to a meeting type's agenda.

An administrator writes the rules (for example "aged 14 or more, with a concern of exploitation
or going missing: the 14+ team's meeting"); each criterion left empty matches every contact,
and a contact matches a rule when it meets every criterion the rule sets. A contact's concern
categories are read from its concern text with the council's keywords (a setting), so a rule
works on contacts however they arrived.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

OLDEST = 25  # care leavers are supported to 25: no rule needs an older age


@dataclass(frozen=True)
class ConcernCategory:
    code: str
    name: str
    keywords: tuple[str, ...]

    def pattern(self) -> re.Pattern:
        """Each keyword at the start of a word, in any case ("exploit" finds "exploitation")."""
        words = "|".join(re.escape(k.strip().lower()) for k in self.keywords if k.strip())
        return re.compile(rf"\b(?:{words})", re.IGNORECASE) if words else re.compile(r"(?!)")


def read_concern_category(code: str, raw: Mapping) -> ConcernCategory:
    keywords = raw.get("keywords", ())
    if isinstance(keywords, str) or not all(isinstance(k, str) for k in keywords):
        raise ValueError(f"CONCERN_CATEGORIES[{code!r}]: keywords must be a list of words")
    return ConcernCategory(code=code, name=str(raw.get("name", code)), keywords=tuple(keywords))


def concern_categories(concern: str, categories: Iterable[ConcernCategory]) -> frozenset[str]:
    """The categories whose keywords the concern text mentions."""
    text = concern or ""
    return frozenset(c.code for c in categories if c.pattern().search(text))


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years of age on a day."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


@dataclass(frozen=True)
class RoutingRule:
    meeting_type: str
    min_age: int | None = None
    max_age: int | None = None
    categories: frozenset[str] = frozenset()  # any of these
    source_codes: frozenset[str] = frozenset()  # any of these
    locality_id: int | None = None


@dataclass(frozen=True)
class ContactFacts:
    """What a rule looks at in one contact."""

    ages: tuple[int, ...]  # each named child's age on the day it arrived (children with no date of birth left out)
    categories: frozenset[str]
    source_code: str
    locality_id: int | None


def rule_matches(rule: RoutingRule, facts: ContactFacts) -> bool:
    if rule.locality_id is not None and facts.locality_id != rule.locality_id:
        return False
    if rule.source_codes and facts.source_code not in rule.source_codes:
        return False
    if rule.categories and not rule.categories & facts.categories:
        return False
    if rule.min_age is None and rule.max_age is None:
        return True
    low, high = rule.min_age or 0, OLDEST if rule.max_age is None else rule.max_age
    return any(low <= age <= high for age in facts.ages)


def rule_problems(min_age: int | None, max_age: int | None, categories: Sequence[str],
                  known_categories: Iterable[str], source_codes: Sequence[str],
                  known_sources: Iterable[str]) -> dict[str, list[str]]:
    """What is wrong with a rule's criteria, by field (empty when nothing is)."""
    problems: dict[str, list[str]] = {}
    for field, age in (("min_age", min_age), ("max_age", max_age)):
        if age is not None and not 0 <= age <= OLDEST:
            problems[field] = [f"Give an age from 0 to {OLDEST}"]
    if min_age is not None and max_age is not None and min_age > max_age and not problems:
        problems["max_age"] = ["The oldest age cannot be below the youngest"]
    unknown = sorted(set(categories) - set(known_categories))
    if unknown:
        problems["concern_categories"] = [f"Unknown concern categories: {', '.join(unknown)}"]
    unknown = sorted(set(source_codes) - set(known_sources))
    if unknown:
        problems["source_codes"] = [f"Unknown referral sources: {', '.join(unknown)}"]
    return problems
