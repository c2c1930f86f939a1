"""Routing rules: which contacts a pathway takes."""
from __future__ import annotations

from datetime import date

from triage.domain.pathways import (
    ConcernCategory,
    ContactFacts,
    RoutingRule,
    age_on,
    concern_categories,
    rule_matches,
    rule_problems,
)

CATEGORIES = [ConcernCategory("exploitation", "Exploitation", ("exploit", "county lines", "CSE")),
              ConcernCategory("missing", "Missing", ("missing", "ran away")),
              ConcernCategory("emotional_health", "Emotional health", ("self-harm", "anxi"))]
FOURTEEN_PLUS = RoutingRule("team_14_plus", min_age=14, categories=frozenset({"exploitation", "missing"}))


def facts(ages=(15,), concern="", source="6", locality=None) -> ContactFacts:
    return ContactFacts(ages=tuple(ages), categories=concern_categories(concern, CATEGORIES), source_code=source,
                        locality_id=locality)


def test_categories_are_found_at_the_start_of_words_in_any_case():
    assert concern_categories("Police think he is being EXPLOITED via county lines", CATEGORIES) == {"exploitation"}
    assert concern_categories("Went missing overnight; history of self-harm", CATEGORIES) == {
        "missing", "emotional_health"}
    assert concern_categories("Dismissing staff because of cost", CATEGORIES) == frozenset()  # no 'missing', no 'CSE'


def test_the_14_plus_rule_takes_a_young_person_at_risk_and_leaves_a_younger_child():
    assert rule_matches(FOURTEEN_PLUS, facts(ages=(15,), concern="Reported missing three times"))
    assert not rule_matches(FOURTEEN_PLUS, facts(ages=(12,), concern="Reported missing three times"))
    assert not rule_matches(FOURTEEN_PLUS, facts(ages=(16,), concern="Bruising seen at school"))
    assert rule_matches(FOURTEEN_PLUS, facts(ages=(9, 14), concern="Sibling exploited by older males"))
    assert not rule_matches(FOURTEEN_PLUS, facts(ages=(), concern="Missing"))  # no known age


def test_every_criterion_a_rule_sets_must_hold():
    rule = RoutingRule("x", source_codes=frozenset({"2A"}), locality_id=3)
    assert rule_matches(rule, facts(source="2A", locality=3))
    assert not rule_matches(rule, facts(source="6", locality=3))
    assert not rule_matches(rule, facts(source="2A", locality=4))
    assert rule_matches(RoutingRule("x"), facts())  # no criteria: every contact


def test_age_is_whole_years_on_the_day():
    assert age_on(date(2012, 6, 1), date(2026, 5, 31)) == 13
    assert age_on(date(2012, 6, 1), date(2026, 6, 1)) == 14


def test_problems_are_named_by_field():
    assert rule_problems(15, 14, ["exploitation"], ["exploitation"], ["6"], ["6"]) == {
        "max_age": ["The oldest age cannot be below the youngest"]}
    problems = rule_problems(-1, None, ["gangs"], ["exploitation"], ["99"], ["6"])
    assert set(problems) == {"min_age", "concern_categories", "source_codes"}
