"""read_report itself narrows, withholds names and audits: no edge has to remember a step."""
import json

import pytest

from tests.support.report_council import NOW
from triage.extensions import db
from triage.models import AuditEvent
from triage.services.errors import Forbidden, NotFound
from triage.services.report import build
from triage.services.report.audit import children_shown
from triage.services.report.reading import read_report

SECTIONS = ("needs_action", "awaiting_decision", "allocated_cases", "strategy")


@pytest.fixture
def stored(council):
    return build.build_scheduled_report(NOW)


def every_name(content: dict) -> set[str]:
    names = set()
    for section in SECTIONS:
        for row in content[section]:
            names.update(child["name"] for child in row.get("children", ()))
            if "child" in row:
                names.add(row["child"])
    return names


@pytest.mark.parametrize("narrowed", [False, True])
def test_the_service_never_gives_a_performance_officer_a_childs_name(council, stored, make_user, actor_for,
                                                                    narrowed):
    filters = {"team_id": council["team"].id} if narrowed else {}
    officer = actor_for(make_user("performance"))
    served = read_report(officer, NOW, stored.report_date, **filters)
    named = every_name(read_report(council["manager"], NOW, stored.report_date, **filters).content)
    assert "Ava Test" in named  # the manager sees names (Ava's case is the team's)
    assert served.content["names_withheld"] is True
    assert not any(name in json.dumps(served.content) for name in named)
    assert served.text is None  # the stored text (with names) is never handed to them


def test_a_manager_reading_the_whole_report_is_given_the_stored_text(council, stored):
    served = read_report(council["manager"], NOW, stored.report_date)
    assert served.text == stored.body and served.content["allocated_cases"][0]["child"] == "Ava Test"
    narrowed = read_report(council["manager"], NOW, stored.report_date, team_id=council["team"].id + 1000)
    assert narrowed.text is None and narrowed.content["allocated_cases"] == []


def test_each_read_audits_the_children_it_served_and_pages_audit_only_their_page(council, stored):
    served = read_report(council["manager"], NOW, stored.report_date, served_as="page",
                         pages={"allocated_cases": 1, "needs_action": 1}, page_size=1)
    rows = db.session.query(AuditEvent).filter_by(entity="morning_report", action="read").all()
    page = {**served.content, "allocated_cases": served.pages["allocated_cases"].items,
            "needs_action": served.pages["needs_action"].items}
    assert sorted(r.child_id for r in rows) == sorted(children_shown(page))
    assert (served.pages["needs_action"].total, len(served.pages["needs_action"].items)) == (
        len(served.content["needs_action"]), 1)


def test_only_readers_read_and_a_missing_morning_is_not_found(council, stored):
    with pytest.raises(Forbidden):
        read_report(council["era"], NOW, stored.report_date)
    with pytest.raises(NotFound):
        read_report(council["manager"], NOW, stored.report_date.replace(day=1))
    assert db.session.query(AuditEvent).filter_by(entity="morning_report").count() == 0
