"""ClockSettings: every number a council may set, applied by the one clock module."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from triage.config import Defaults
from triage.domain.calendar import WorkingDayCalendar
from triage.domain.clocks import ClockKind, ClockSettings, ClockState

CALENDAR = WorkingDayCalendar(bank_holidays=())
MONDAY = date(2026, 11, 23)


def test_the_configuration_defaults_are_the_domains_defaults():
    s = ClockSettings()
    assert (s.decision_hours, 4) == (Defaults.DECISION_HOURS, Defaults.DECISION_WARN_HOURS)
    assert (Defaults.ICPC_WORKING_DAYS, Defaults.ICPC_WARN_WORKING_DAYS) == (15, 3) == (
        s.icpc_working_days, s.icpc_warn_working_days)
    assert (Defaults.ASSESSMENT_WORKING_DAYS, Defaults.ASSESSMENT_WARN_WORKING_DAYS) == (45, 5)
    assert Defaults.END_OF_WORKING_DAY == "23:59:59" == s.day_ends.isoformat()
    assert Defaults.CASE_DISCUSSION_WARN_WORKING_DAYS == s.case_discussion_warn_working_days == 1


def test_an_icpc_clock_warns_three_working_days_ahead_unless_the_council_says_otherwise():
    due = CALENDAR.add_working_days(MONDAY, 15)  # Monday 14 December
    _, warn = ClockSettings().date_clock_instants(ClockKind.ICPC, due, CALENDAR)
    _, warn5 = ClockSettings(icpc_warn_working_days=5).date_clock_instants(ClockKind.ICPC, due, CALENDAR)
    assert due == date(2026, 12, 14)
    assert warn == datetime(2026, 12, 9, 0, 0, tzinfo=UTC)  # from the start of Wednesday 9th
    assert warn5 == datetime(2026, 12, 7, 0, 0, tzinfo=UTC)  # from the start of Monday 7th


def test_the_end_of_the_working_day_is_a_setting():
    received = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    usual = ClockSettings(decision_policy="1wd").decision_due(received, CALENDAR)
    early = ClockSettings(decision_policy="1wd", day_ends=time(17, 30)).decision_due(received, CALENDAR)
    assert usual == datetime(2026, 11, 24, 23, 59, 59, tzinfo=UTC)  # London is on GMT in November
    assert early == datetime(2026, 11, 24, 17, 30, tzinfo=UTC)


def test_the_decision_state_uses_the_councils_warning():
    due = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    eight_hours_before = due - timedelta(hours=8)
    assert ClockSettings().decision_state(due, eight_hours_before, None) is ClockState.RUNNING
    assert ClockSettings(decision_warn=timedelta(hours=12)).decision_state(
        due, eight_hours_before, None) is ClockState.DUE_SOON


def test_a_partner_return_is_due_soon_in_the_last_part_of_its_time():
    asked = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    due = ClockSettings().partner_due(asked, "amber")  # 24 hours
    assert ClockSettings().partner_warn_at(asked, due) == due - timedelta(hours=6)
    assert ClockSettings(partner_warn_percent=50).partner_warn_at(asked, due) == due - timedelta(hours=12)
