"""The morning report over a small, hand-checked Front Door, at 09:30 on Friday 27 November 2026.

Contacts (all times UTC = London in winter):
  E  police, Thu 1 Jan 2026 (bank holiday) -> assessment, decided in time; authorised NFA 20 Feb
  D  GP,     Tue 10 Nov -> NFA decided late on 12 Nov
  C  school, Wed 25 Nov 08:00, RAG red, police asked 09:00 and answered 12:00; not decided (breached)
  A  police, Thu 26 Nov 10:00 -> assessment at 15:00, allocated 16:00, not yet started
  B  school, Thu 26 Nov 11:00, RAG amber, health asked 12:00 (due Fri 12:00); not decided (due 11:00)
"""
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event

from tests.support.report_council import NOW, utc
from triage.extensions import db
from triage.models import MorningReport
from triage.services import contacts
from triage.services.calendar import forget_cached_calendar
from triage.services.report import build as morning_report
from triage.services.report import reading
from triage.services.sweep import sweep_clocks


@pytest.fixture
def content(council):
    sweep_clocks(NOW)
    return morning_report.build_content(NOW)


def test_needs_action_lists_breaches_then_what_is_due_today(council, content):
    rows = [(r["status"], r["kind"], r["contact_id"]) for r in content["needs_action"]]
    c, b = council["c"].id, council["b"].id
    assert rows == [("Breached", "decision", c), ("Breached", "acknowledgement", c),
                    ("Due today", "decision", b), ("Due today", "partner_information", b),
                    ("Due today", "acknowledgement", b)]
    assert content["needs_action"][0]["children"][0]["name"] == "Cleo Test"


def test_awaiting_decision_shows_rag_time_left_and_requests_by_agency(council, content):
    rows = {r["contact_id"]: r for r in content["awaiting_decision"]}
    assert list(rows) == [council["c"].id, council["b"].id]
    b = rows[council["b"].id]
    assert (b["rag_label"], b["time_left"], b["requests_outstanding"]) == ("Amber", "1 hour 30 minutes left", {"Health": 1})
    assert rows[council["c"].id]["breached"] is True and rows[council["c"].id]["requests_outstanding"] == {}


def test_allocated_cases_carry_what_the_spreadsheet_did_and_more(council, content):
    [case] = content["allocated_cases"]
    assert case["child"] == "Ava Test" and case["worker"] == council["worker_user"].display_name
    assert (case["team"], case["referral_date"], case["due_date"]) == (
        "Front Door assessment North", "2026-11-26", "2027-02-02")
    assert case["case_discussions"] == [{"sequence": 1, "planned_on": "2026-12-10", "held_on": None},
                                        {"sequence": 2, "planned_on": "2027-01-19", "held_on": None}]
    assert (case["working_days_elapsed"], case["working_days_elapsed_census"], case["working_days_left"]) == (1, 2, 44)
    assert (case["status"], case["time_left"]) == ("Not started", "44 working days left")


def test_yesterday_covers_the_previous_working_day(content):
    y = content["yesterday"]
    assert (y["from"], y["to"], y["contacts"], y["decisions"], y["decisions_within_clock"]) == (
        "2026-11-26", "2026-11-26", 2, 1, 1)
    assert y["children_by_source_and_outcome"] == [
        {"source": "Education: school", "outcome": "Awaiting decision", "children": 1},
        {"source": "Police", "outcome": "Child and family assessment (section 17)", "children": 1}]


def test_the_measures_match_hand_counts_for_each_window(content):
    m = content["measures"]["windows"]
    assert [m[w]["conversion"]["pct"] for w in ("7", "30", "365")] == [33.3, 25.0, 40.0]
    assert [m[w]["decisions"]["pct"] for w in ("7", "30", "365")] == [100.0, 50.0, 66.7]
    assert m["7"]["partner_returns"] == [{"agency": "Police", "due": 1, "in_time": 1, "pct": 100.0}]
    assert m["30"]["assessments"]["pct_within"] is None
    assert m["365"]["assessments"] == {"authorised": 1, "within_timescale": 1, "pct_within": 100.0,
                                       "no_further_action": 1, "pct_nfa": 100.0}
    assert m["365"]["referrals"] == {"referrals": 2, "re_referrals": 0, "pct_re_referrals": 0.0}
    police = next(s for s in m["7"]["conversion"]["by_source"] if s["source"] == "Police")
    assert (police["contacts"], police["referrals"]) == (1, 1)
    assert content["measures"]["children_awaiting_assessment"] == 1
    assert content["measures"]["awaiting_per_10k"] == 0.2  # 1 in 63,000 children


def test_caseload_and_what_changed_since_yesterday(council, content):
    assert content["caseload"] == [{"team_id": council["team"].id, "team": "Front Door assessment North",
                                    "worker_id": council["worker_user"].id,
                                    "worker": council["worker_user"].display_name, "open_assessments": 1}]
    since = content["since_last_report"]
    assert [(b["kind"], b["subject_id"]) for b in since["new_breaches"]] == [
        ("decision", council["c"].id), ("acknowledgement", council["c"].id)]
    assert [a["referral_id"] for a in since["newly_allocated"]] == [council["a_referral"].id]
    assert since["closed"] == []


def test_the_trend_buckets_contacts_and_decisions_by_london_day(content):
    trend = {d["date"]: d for d in content["trend"]}
    assert len(content["trend"]) == 30 and content["trend"][0]["date"] == "2026-10-29"
    assert (trend["2026-11-26"]["contacts"], trend["2026-11-26"]["within_clock_pct"]) == (2, 100.0)
    assert (trend["2026-11-12"]["decided"], trend["2026-11-12"]["within_clock_pct"]) == (1, 0.0)


def test_filters_narrow_the_case_lists_to_a_team(council, content):
    narrowed = reading.filtered(content, team_id=council["team"].id + 1000)
    assert narrowed["allocated_cases"] == [] and narrowed["measures"] == content["measures"]
    assert len(reading.filtered(content, team_id=council["team"].id)["allocated_cases"]) == 1


def test_a_rebuild_is_a_new_version_and_the_scheduled_build_happens_once(council, actor_for, make_user):
    first = morning_report.build_scheduled_report(NOW)
    assert first is not None and (first.version, first.trigger) == (1, "scheduled")
    assert morning_report.build_scheduled_report(NOW) is None
    again = morning_report.build_on_demand(council["manager"], NOW)
    assert again.version == 2
    assert db.session.query(MorningReport).count() == 2
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert morning_report.build_scheduled_report(saturday) is None
    before_seven = datetime(2026, 11, 30, 6, 59, tzinfo=UTC)
    assert morning_report.build_scheduled_report(before_seven) is None


def test_the_report_is_built_in_the_same_number_of_queries_however_many_cases(council, app):
    def count_queries():
        # The calendar's closure days are cached for a second: start each count from the same
        # place, however long the machine took to record the contacts in between.
        forget_cached_calendar()
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            morning_report.build_content(NOW)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    few = count_queries()
    for i in range(12):
        made, _ = contacts.record_contact(council["era"], NOW, {
            "channel": "phone", "source_code": "1A", "concern": "More", "consent": "not_required",
            "received_at": utc(2026, 11, 27, 8, i), "children": [{"child": {
                "first_name": f"Kid{i}", "last_name": "More", "sex": "male", "date_of_birth": date(2012, 1, 1)},
                "confirmed_new": True}]})
        if i % 2:
            contacts.record_decision(council["manager"], NOW, made.id, [{"outcome": "assessment", "rationale": "r"}])
    assert count_queries() == few
