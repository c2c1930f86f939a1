"""Clocks: every deadline rule in one place. When each piece of work is due, when it warns,
whether it is running, due soon, met or breached, and how many working days are left; with
the numbers a council may set (ClockSettings) and their defaults.

Conventions, chosen once and used everywhere:

* Every instant is an aware datetime; functions return UTC. Naive datetimes are refused with
  a ValueError, because guessing their zone is how clocks drift by an hour twice a year.
* Elapsed-hour clocks (decision `24h`, partner RAG) add real hours in UTC, so 24 hours stay
  24 hours across a clock change. London is used only to find a civil date.
* "End of day D" is the instant 23:59:59 (whole seconds, a setting) Europe/London on D, in
  UTC. That time exists on every London day (the changes happen at 01:00 and 02:00).
* Every due is an instant (or, for working-day clocks, a date), and a clock is MET iff it
  stopped at or before its due: `stopped <= due`. Once the due has passed while running it is
  BREACHED, and stays breached even if stopped later. A running clock at exactly its due is
  not yet breached.
* Working-day clocks follow spreadsheet WORKDAY: the start date is day 0.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from triage.domain.calendar import WorkingDayCalendar

LONDON = ZoneInfo("Europe/London")
UTC = UTC  # re-exported: every module takes its zones from here

# The defaults a council starts from. Each one is a setting (triage/config.py, TRIAGE_* in the
# environment) carried by ClockSettings below; these names stay for the functions' defaults.
END_OF_DAY = time(23, 59, 59)
DECISION_HOURS = 24
DECISION_WARN_BEFORE = timedelta(hours=4)
ASSESSMENT_WORKING_DAYS = 45
ASSESSMENT_WARN_WORKING_DAYS = 5
ICPC_WORKING_DAYS = 15
ICPC_WARN_WORKING_DAYS = 3
CASE_DISCUSSION_WORKING_DAYS = (10, 35)
CASE_DISCUSSION_WARN_WORKING_DAYS = 1
PARTNER_HOURS_BY_RAG: Mapping[str, int] = MappingProxyType({"red": 4, "amber": 24, "green": 72})
PARTNER_WARN_PERCENT = 25  # a partner's return is due soon in the last quarter of its time


class ClockKind(StrEnum):
    DECISION = "decision"
    ACKNOWLEDGEMENT = "acknowledgement"
    PARTNER_INFORMATION = "partner_information"
    CASE_DISCUSSION = "case_discussion"
    ASSESSMENT = "assessment"
    ICPC = "icpc"
    STEP_DOWN = "step_down"  # the early help team's answer to a handover


class ClockState(StrEnum):
    RUNNING = "running"
    DUE_SOON = "due_soon"
    MET = "met"
    BREACHED = "breached"


class DecisionPolicy(StrEnum):
    ELAPSED_24H = "24h"  # the service's own standard: 24 real hours
    NEXT_WORKING_DAY = "1wd"  # the statutory wording: end of the next working day


def require_aware(moment: datetime, what: str = "time") -> datetime:
    """The same instant in UTC; a ValueError if it carries no time zone."""
    if not isinstance(moment, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{what} must be an aware datetime (with a time zone, ideally UTC); got naive {moment!r}"
        )
    return moment.astimezone(UTC)


def london_date(moment: datetime) -> date:
    """The civil date in London at this instant: what 'today' means to the Front Door."""
    return require_aware(moment).astimezone(LONDON).date()


def to_london(moment: datetime) -> datetime:
    """The same instant on London's wall clock (for showing, never for storing)."""
    return require_aware(moment).astimezone(LONDON)


def end_of_day(d: date, day_ends: time = END_OF_DAY) -> datetime:
    """The end of the working day d (23:59:59 London time unless set otherwise), in UTC."""
    return datetime.combine(d, day_ends, tzinfo=LONDON).astimezone(UTC)


def warned_from(warn_day: date, day_ends: time = END_OF_DAY) -> datetime:
    """When a working-day clock starts warning: the first second after the day before warn_day
    ends (midnight starting warn_day, with the working day ending at 23:59:59)."""
    return end_of_day(warn_day - timedelta(days=1), day_ends) + timedelta(seconds=1)


def date_clock_instants(due: date, warn_working_days: int, calendar: WorkingDayCalendar,
                        day_ends: time = END_OF_DAY) -> tuple[datetime, datetime]:
    """A working-day clock as instants (due, warn): due at the end of its due day, warned from
    the start of the day `warn_working_days` working days before it (never after the due)."""
    warn_day = calendar.add_working_days(due, -warn_working_days) if warn_working_days else due
    due_at = end_of_day(due, day_ends)
    return due_at, min(warned_from(warn_day, day_ends), due_at)


def decision_due(
    received_at: datetime,
    policy: DecisionPolicy | str,
    calendar: WorkingDayCalendar,
    hours: int = DECISION_HOURS,
    day_ends: time = END_OF_DAY,
) -> datetime:
    """When the manager's decision on a contact is due."""
    received = require_aware(received_at, "received_at")
    policy = DecisionPolicy(policy)
    if policy is DecisionPolicy.ELAPSED_24H:
        if hours <= 0:
            raise ValueError("decision hours must be positive")
        return received + timedelta(hours=hours)
    return end_of_day(calendar.next_working_day(london_date(received)), day_ends)


def acknowledgement_due(received_at: datetime, calendar: WorkingDayCalendar,
                        day_ends: time = END_OF_DAY) -> datetime:
    """The referrer is acknowledged by the end of the next working day after receipt."""
    received = require_aware(received_at, "received_at")
    return end_of_day(calendar.next_working_day(london_date(received)), day_ends)


def partner_information_due(
    requested_at: datetime,
    rag: str,
    hours_by_rag: Mapping[str, int] = PARTNER_HOURS_BY_RAG,
) -> datetime:
    """A partner agency's return is due this many clock hours after the request, by RAG."""
    requested = require_aware(requested_at, "requested_at")
    key = str(rag).lower()
    if key not in hours_by_rag:
        raise ValueError(f"unknown RAG rating {rag!r}; expected one of {', '.join(hours_by_rag)}")
    return requested + timedelta(hours=hours_by_rag[key])


def assessment_due_date(
    referral_date: date, calendar: WorkingDayCalendar, working_days: int = ASSESSMENT_WORKING_DAYS
) -> date:
    """The assessment is due on WORKDAY(referral date, 45): counted from the referral, not the start."""
    return calendar.add_working_days(referral_date, working_days)


def icpc_due_date(
    strategy_date: date, calendar: WorkingDayCalendar, working_days: int = ICPC_WORKING_DAYS
) -> date:
    """The initial child protection conference is due 15 working days after the strategy discussion."""
    return calendar.add_working_days(strategy_date, working_days)


def case_discussion_due_dates(
    referral_date: date,
    calendar: WorkingDayCalendar,
    at: Sequence[int] = CASE_DISCUSSION_WORKING_DAYS,
) -> list[date]:
    """Management oversight points during an assessment, in working days after the referral."""
    return [calendar.add_working_days(referral_date, n) for n in sorted(at)]


def rederived_due_date(anchor: date, due: date, before: WorkingDayCalendar, after: WorkingDayCalendar) -> date:
    """A working-day due date re-derived when the calendar changes: the same number of working
    days after its anchor (the referral date, the strategy discussion ...) under the new calendar.

    So a closure day between the anchor and the due date moves the due date one working day
    later, and removing one moves it one earlier; a change outside that span moves nothing.
    """
    n = before.working_days_between(anchor, due)
    return after.add_working_days(anchor, n) if n > 0 else due


def rederived_warn_date(warn_day: date, due: date, new_due: date, before: WorkingDayCalendar,
                        after: WorkingDayCalendar) -> date:
    """The warning day kept the same number of working days before the (re-derived) due date."""
    k = before.working_days_between(warn_day, due)
    return after.add_working_days(new_due, -k) if k > 0 else new_due


@dataclass(frozen=True)
class ClockReading:
    state: ClockState
    due_at: datetime
    remaining: timedelta | None  # None once stopped; negative when running past its due


def clock_state(
    due_at: datetime,
    now: datetime,
    stopped_at: datetime | None,
    warn_before: timedelta = DECISION_WARN_BEFORE,
) -> ClockState:
    """The state of an instant-based clock at `now`."""
    due = require_aware(due_at, "due_at")
    now = require_aware(now, "now")
    if stopped_at is not None:
        stopped = require_aware(stopped_at, "stopped_at")
        return ClockState.MET if stopped <= due else ClockState.BREACHED
    if now > due:
        return ClockState.BREACHED
    if due - now <= warn_before:
        return ClockState.DUE_SOON
    return ClockState.RUNNING


def read_clock(
    due_at: datetime,
    now: datetime,
    stopped_at: datetime | None,
    warn_before: timedelta = DECISION_WARN_BEFORE,
) -> ClockReading:
    """State plus what a queue shows: the due instant and the time remaining."""
    state = clock_state(due_at, now, stopped_at, warn_before)
    due = require_aware(due_at, "due_at")
    remaining = None if stopped_at is not None else due - require_aware(now, "now")
    return ClockReading(state=state, due_at=due, remaining=remaining)


def stored_state(due_at: datetime, warn_at: datetime, stopped_at: datetime | None, recorded: ClockState | str,
                 now: datetime) -> ClockState:
    """The state at `now` of a clock whose due and warning instants were fixed when it started
    (the Clock row), whether or not the sweep has recorded it since: once stopped, what was
    recorded when it stopped."""
    if stopped_at is not None:
        return ClockState(recorded)
    if now > due_at:
        return ClockState.BREACHED
    if now >= warn_at:
        return ClockState.DUE_SOON
    return ClockState.RUNNING


def working_days_left(due: date, today: date, calendar: WorkingDayCalendar) -> int:
    """Working days from today to due: 0 on the due date, negative once past it.

    Past the due date the count is at least 1 overdue, so a Saturday after a Friday due
    date never reads as "due today".
    """
    if today <= due:
        return calendar.working_days_between(today, due)
    return -max(1, calendar.working_days_between(due, today))


def working_days_left_by_number(due: date, due_number: int, today: date, today_number: int) -> int:
    """working_days_left from the calendar table's running working-day numbers (the number of
    working days up to and including each day): the same answer by subtraction."""
    if today <= due:
        return due_number - today_number
    return -max(1, today_number - due_number)


def date_clock_state(
    due: date,
    today: date,
    stopped_on: date | None,
    warn_working_days: int,
    calendar: WorkingDayCalendar,
) -> ClockState:
    """The state of a working-day clock (assessment, ICPC) on a civil date in London."""
    if stopped_on is not None:
        return ClockState.MET if stopped_on <= due else ClockState.BREACHED
    if today > due:
        return ClockState.BREACHED
    if working_days_left(due, today, calendar) <= warn_working_days:
        return ClockState.DUE_SOON
    return ClockState.RUNNING


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _span(delta: timedelta) -> str:
    """Whole minutes, rounded down, as the two largest units a person would say."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _plural(days, "day") + (f" {_plural(hours, 'hour')}" if hours else "")
    if hours:
        return _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")
    if minutes:
        return _plural(minutes, "minute")
    return "less than a minute"


def describe_time_left(due_at: datetime, now: datetime) -> str:
    """Plain English for the queue: '3 hours 20 minutes left', 'overdue by 2 hours'.

    Rounded down to the minute on both sides, so it never promises more time than there is.
    """
    delta = require_aware(due_at, "due_at") - require_aware(now, "now")
    if delta >= timedelta(0):
        return f"{_span(delta)} left"
    return f"overdue by {_span(-delta)}"


def describe_working_days_left(n: int) -> str:
    """'5 working days left', 'due today', '2 working days overdue'."""
    if n > 0:
        return f"{_plural(n, 'working day')} left"
    if n == 0:
        return "due today"
    return f"{_plural(-n, 'working day')} overdue"


# ---------------------------------------------------------------- the council's settings

@dataclass(frozen=True)
class ClockSettings:
    """Every number of the clocks a council may set, with the defaults it starts from.

    Built from configuration by triage.settings.clock_settings(); the methods apply the rules
    above with these numbers, so a caller never passes a length or a warning by hand.
    """

    decision_policy: DecisionPolicy = DecisionPolicy.ELAPSED_24H
    decision_hours: int = DECISION_HOURS
    decision_warn: timedelta = DECISION_WARN_BEFORE
    partner_hours_by_rag: Mapping[str, int] = field(default_factory=lambda: dict(PARTNER_HOURS_BY_RAG))
    partner_warn_percent: int = PARTNER_WARN_PERCENT
    assessment_working_days: int = ASSESSMENT_WORKING_DAYS
    assessment_warn_working_days: int = ASSESSMENT_WARN_WORKING_DAYS
    case_discussion_working_days: tuple[int, ...] = CASE_DISCUSSION_WORKING_DAYS
    case_discussion_warn_working_days: int = CASE_DISCUSSION_WARN_WORKING_DAYS
    icpc_working_days: int = ICPC_WORKING_DAYS
    icpc_warn_working_days: int = ICPC_WARN_WORKING_DAYS
    day_ends: time = END_OF_DAY  # the end of a working day, London time

    # -- due and warning instants
    def end_of_day(self, d: date) -> datetime:
        return end_of_day(d, self.day_ends)

    def decision_due(self, received_at: datetime, calendar: WorkingDayCalendar) -> datetime:
        return decision_due(received_at, self.decision_policy, calendar, self.decision_hours, self.day_ends)

    def decision_warn_at(self, due_at: datetime) -> datetime:
        return due_at - self.decision_warn

    def acknowledgement_due(self, received_at: datetime, calendar: WorkingDayCalendar) -> datetime:
        return acknowledgement_due(received_at, calendar, self.day_ends)

    def acknowledgement_warn_at(self, due_at: datetime) -> datetime:
        """Warned as long before its due as a decision, in whole hours."""
        return due_at - timedelta(hours=self.decision_warn.total_seconds() // 3600)

    def partner_due(self, requested_at: datetime, rag: str) -> datetime:
        return partner_information_due(requested_at, rag, self.partner_hours_by_rag)

    def partner_warn_before(self, requested_at: datetime, due_at: datetime) -> timedelta:
        """A partner's return is due soon in the last part of its time (a quarter by default)."""
        return (due_at - requested_at) * self.partner_warn_percent / 100

    def partner_warn_at(self, requested_at: datetime, due_at: datetime) -> datetime:
        return due_at - self.partner_warn_before(requested_at, due_at)

    def assessment_due(self, referral_date: date, calendar: WorkingDayCalendar) -> date:
        return assessment_due_date(referral_date, calendar, self.assessment_working_days)

    def case_discussion_dates(self, referral_date: date, calendar: WorkingDayCalendar) -> list[date]:
        return case_discussion_due_dates(referral_date, calendar, self.case_discussion_working_days)

    def icpc_due(self, strategy_date: date, calendar: WorkingDayCalendar) -> date:
        return icpc_due_date(strategy_date, calendar, self.icpc_working_days)

    def warn_working_days(self, kind: ClockKind | str) -> int:
        """How many working days before its due a working-day clock of this kind warns."""
        return {ClockKind.ASSESSMENT: self.assessment_warn_working_days,
                ClockKind.CASE_DISCUSSION: self.case_discussion_warn_working_days,
                ClockKind.ICPC: self.icpc_warn_working_days}[ClockKind(kind)]

    def date_clock_instants(self, kind: ClockKind | str, due: date,
                            calendar: WorkingDayCalendar) -> tuple[datetime, datetime]:
        return date_clock_instants(due, self.warn_working_days(kind), calendar, self.day_ends)

    # -- states
    def decision_state(self, due_at: datetime, now: datetime, decided_at: datetime | None) -> ClockState:
        """The decision clock's state: the queue, the contact page and the meeting agree on it."""
        return clock_state(due_at, now, decided_at, self.decision_warn)

    def partner_state(self, requested_at: datetime, due_at: datetime, now: datetime,
                      stopped_at: datetime | None = None) -> ClockState:
        return clock_state(due_at, now, stopped_at, self.partner_warn_before(requested_at, due_at))

    def date_state(self, kind: ClockKind | str, due: date, today: date, stopped_on: date | None,
                   calendar: WorkingDayCalendar) -> ClockState:
        return date_clock_state(due, today, stopped_on, self.warn_working_days(kind), calendar)
