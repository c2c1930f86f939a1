"""The synthetic Front Door: every contact's whole life, cut at `as_of`.

Each contact is drawn with its source, channel, consent, RAG, partner requests, decision and,
for referrals, the assessment, case discussions, strategy discussion, s47 and conference that
follow, each with the instants it would happen at. Whatever would happen after `as_of` has not
happened yet: that is the open workload, with its clocks still running. Everything before it
is history, with its clocks stopped (met or breached) and the warnings and breaches a sweep
would have recorded.

Due dates come from the domain rules (triage.domain.clocks) and the council's working-day
calendar, exactly as the services compute them. Rows are tuples in COLUMNS order with ids
chosen here, handed to a sink in batches, parents before children.
"""
from __future__ import annotations

import math
import random
from array import array
from bisect import bisect
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from triage.demo_data import names as name_data
from triage.domain import clocks as rules
from triage.domain.census import census_year_for
from triage.domain.clocks import ClockKind, DecisionPolicy
from triage.domain.identifiers import nhs_check_digit, upn_check_letter
from triage.generate.presets import Preset
from triage.generate.world import LOCALITY_WEIGHTS, Council

UTC = UTC
OPEN = date.max  # work still going on at as_of
LONDON = ZoneInfo("Europe/London")
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)

COLUMNS: dict[str, tuple[str, ...]] = {
    "child": ("id", "council_child_id", "first_name", "last_name", "date_of_birth", "expected_date_of_birth",
              "sex", "ethnicity", "address_line_1", "town", "postcode", "locality_id", "nhs_number", "upn",
              "upn_unknown_reason", "disabilities", "created_at", "updated_at", "version"),
    "contact": ("id", "received_at", "recorded_at", "recorded_by_id", "recorded_by_token_id", "channel",
                "source_code", "referrer_role", "referrer_agency", "concern", "consent", "consent_by",
                "consent_at", "consent_not_sought_reason", "police_incident_reference", "dash_risk",
                "operation_encompass_informed", "partner_reference", "partner_agency_id", "state", "rag",
                "locality_id", "team_id", "screened_by_id", "put_forward_to_meeting", "recommended_outcome",
                "recommendation", "recommended_by_id", "recommended_at", "decision_due_at", "decided_at",
                "acknowledged_at", "acknowledged_by_id", "feedback_at", "feedback_note", "version"),
    "contact_child": ("id", "contact_id", "child_id", "outcome", "rationale", "delay_reason", "decided_at",
                      "decided_by_id", "within_clock"),
    "rag_change": ("id", "contact_id", "rag", "previous_rag", "reason", "changed_at", "changed_by_id"),
    "information_request": ("id", "contact_id", "agency_id", "question", "rag_at_request", "requested_at",
                            "requested_by_id", "due_at", "state", "answer", "answered_at", "answered_by",
                            "answering_agency_id", "version"),
    "referral": ("id", "child_id", "contact_id", "contact_child_id", "referral_date", "source_code", "outcome",
                 "is_re_referral", "created_at", "team_id", "worker_id", "allocated_at", "closed_at",
                 "closure_reason", "primary_need", "nfa", "closed_on", "closed_by_id", "version"),
    "assessment": ("id", "referral_id", "child_id", "team_id", "worker_id", "started_on", "due_date",
                   "child_seen_on", "authorised_at", "authorised_on", "authorised_by_id", "outcome", "factors",
                   "closure_reason", "needs_support", "late_reason", "created_at", "version"),
    "case_discussion": ("id", "assessment_id", "sequence", "planned_on", "held_on", "held_by_id", "note",
                        "recorded_at"),
    "strategy_discussion": ("id", "referral_id", "child_id", "held_on", "agencies_present", "recorded_by_id",
                            "recorded_at", "s47_started_on", "s47_outcome", "s47_outcome_on", "icpc_due_date",
                            "icpc_held_on", "icpc_not_needed_reason", "resulted_in_plan", "plan_start_date",
                            "plan_category", "plan_end_date", "version"),
    "clock": ("id", "kind", "subject", "subject_id", "contact_id", "child_id", "started_at", "due_at", "due_date",
              "warn_at", "stopped_at", "state", "breached_at", "owner_id", "team_id"),
    "clock_event": ("id", "clock_id", "kind", "at", "recorded_at"),
    "meeting": ("id", "type_code", "series", "meeting_date", "locality_id", "chair_id", "state",
                "planned_start_at", "cut_off", "started_at", "closed_at", "created_at", "created_by_id",
                "revision", "version"),
    "meeting_attendance": ("id", "meeting_id", "agency_id", "user_id", "name", "mode", "recorded_at",
                           "recorded_by_id"),
    "meeting_item": ("id", "meeting_id", "contact_id", "position", "source", "state", "added_at", "rag",
                     "outcome", "lead_agency_id", "rationale", "agreed_at", "agreed_by_id", "confirmed_at",
                     "confirmed_by_id", "version"),
    "item_contribution": ("id", "item_id", "agency_id", "text", "recorded_by", "recorded_at", "updated_at",
                          "version"),
    "meeting_action": ("id", "meeting_id", "item_id", "description", "owner_agency_id", "owner_name", "due_date",
                       "done_at", "created_at", "created_by_id", "version"),
}
# Parents before children: the order batches are written in.
ORDER = tuple(COLUMNS)
MEETING_TABLES = ("meeting", "meeting_attendance", "meeting_item", "item_contribution", "meeting_action")


def _choice(rng: random.Random, items: Sequence):
    """rng.choice without its overhead: one random() call (the generator's hot path)."""
    return items[int(rng.random() * len(items))]


def _below(rng: random.Random, a: int, b: int | None = None) -> int:
    """rng.randrange(a) or rng.randrange(a, b), the fast way."""
    if b is None:
        return int(rng.random() * a)
    return a + int(rng.random() * (b - a))


class Weighted:
    """A fast weighted choice: one random number and a bisect."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs: Sequence[tuple[object, float]]):
        self.items = [item for item, _ in pairs]
        self.cum = list(accumulate(weight for _, weight in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.total)]


# ------------------------------------------------------------------ shapes (domain.md 5 and 6)

# Census referral source codes: police about 30%, schools 20%, health 15% ...
SOURCES = Weighted([("6", 27), ("2A", 17), ("2B", 3), ("3A", 4), ("3B", 3), ("3C", 1), ("3D", 2), ("3E", 3),
                    ("3F", 2), ("1A", 6), ("1B", 1.5), ("1C", 1), ("1D", 1.5), ("4", 2), ("5A", 2), ("5B", 2),
                    ("5C", 2), ("5D", 4), ("7", 4), ("8", 3), ("9", 3), ("10", 2)])
SOURCE_KIND = {"6": "police", "2A": "school", "2B": "school", "4": "la", "5A": "la", "5B": "la", "5C": "la",
               "5D": "la", "7": "legal", "8": "other", "9": "anonymous", "10": "other",
               **{c: "health" for c in ("3A", "3B", "3C", "3D", "3E", "3F")},
               **{c: "individual" for c in ("1A", "1B", "1C", "1D")}}
CHANNELS = {
    "police": Weighted([("police_notification", 85), ("phone", 10), ("email", 5)]),
    "school": Weighted([("portal", 50), ("marf", 30), ("email", 15), ("phone", 5)]),
    "health": Weighted([("marf", 60), ("phone", 25), ("portal", 15)]),
    "individual": Weighted([("phone", 80), ("portal", 20)]),
    "anonymous": Weighted([("phone", 90), ("portal", 10)]),
    "la": Weighted([("email", 50), ("marf", 40), ("phone", 10)]),
    "legal": Weighted([("email", 60), ("phone", 40)]),
    "other": Weighted([("phone", 60), ("email", 40)]),
}
REFERRERS = {
    "police": ("Police officer", "Constabulary public protection unit"),
    "school": ("Designated safeguarding lead", "School"),
    "health": ("Health professional", "NHS trust"),
    "individual": ("Member of the public", None),
    "anonymous": (None, None),
    "la": ("Council officer", "Council"),
    "legal": ("Probation officer", "Probation service"),
    "other": ("Other professional", None),
}
CONCERNS = {
    "police": ("Domestic abuse incident at the home address; children present",
               "Child reported missing overnight; returned by police",
               "Police attended a disturbance; concerns about supervision of the children",
               "Concern about exploitation: child found with older adults"),
    "school": ("Unexplained bruising noticed at school", "Persistent absence and concerns about neglect",
               "Child disclosed a worry about home to a teacher", "Deterioration in presentation and hygiene"),
    "health": ("Injury inconsistent with the account given", "Missed health appointments; weight concerns",
               "Parental mental health crisis; children at home", "Self-harm presentation at hospital"),
    "individual": ("Family member worried about care of the children", "Neighbour reports children left alone",
                   "Young person asking for help"),
    "anonymous": ("Anonymous report of children left alone", "Anonymous report of shouting and violence"),
    "la": ("Housing officer concerned about home conditions", "Early help plan not progressing; escalation",
           "Adult services: parent's needs affecting the children"),
    "legal": ("Probation: offender with access to children", "Court welfare concern"),
    "other": ("Concern about the welfare of a child", "Voluntary sector worker raises a concern"),
}
DASH = Weighted([("standard", 60), ("medium", 30), ("high", 10)])
RAGS = Weighted([("red", 14), ("amber", 41), ("green", 45)])
RAG_HOURS_ORDER = ("green", "amber", "red")
OUTCOMES = {  # about 26% of contacts become referrals overall
    "red": Weighted([("no_further_action", 6), ("information_advice", 4), ("early_help", 6), ("assessment", 42),
                     ("strategy_s47", 34), ("immediate_protection", 6), ("transfer", 2)]),
    "amber": Weighted([("no_further_action", 18), ("information_advice", 17), ("early_help", 30),
                       ("assessment", 31), ("strategy_s47", 2), ("transfer", 2)]),
    "green": Weighted([("no_further_action", 36), ("information_advice", 30), ("early_help", 30),
                       ("assessment", 3), ("transfer", 1)]),
}
REFERRAL_OUTCOMES = frozenset({"assessment", "strategy_s47", "immediate_protection"})
CHILDREN_PER_CONTACT = Weighted([(1, 78), (2, 15), (3, 5), (4, 2)])
CONSENT_POLICE = Weighted([(("not_sought", "prejudice_investigation"), 30), (("not_sought", "would_increase_risk"), 25),
                           (("not_required", None), 35), ((None, None), 10)])
CONSENT_OTHER = Weighted([(("given", None), 62), (("refused", None), 8), (("not_sought", "undue_delay"), 6),
                          (("not_required", None), 14), ((None, None), 10)])
PARTNER_AGENCIES = ("police", "health", "education", "early_help")
ASSESSMENT_OUTCOMES = Weighted([("no_further_action", 35), ("child_in_need_plan", 35), ("early_help", 22),
                                ("s47", 8)])
ASSESSMENT_OUTCOMES_AFTER_S47 = Weighted([("no_further_action", 20), ("child_in_need_plan", 40), ("early_help", 10),
                                          ("s47", 30)])
FACTORS = Weighted([("3B", 18), ("4B", 14), ("16A", 10), ("17A", 10), ("2B", 7), ("1B", 6), ("3A", 6), ("4A", 6),
                    ("18C", 4), ("19C", 2), ("10A", 3), ("11A", 2), ("24A", 2), ("14A", 3), ("15A", 3), ("6A", 2),
                    ("5A", 2), ("7A", 1), ("20", 4)])
LATE_REASONS = ("Waiting for a partner agency's information", "Worker absence; case reallocated",
                "Family not available to be seen", "Complex case: extended with manager agreement",
                "Awaiting a medical assessment")
DECISION_DELAY_REASONS = ("Waiting for police checks", "Weekend contact: decided on the next working day",
                          "Awaiting information from health", "High volume of contacts that day")
LATER_CLOSURES = Weighted([("RC7", 80), ("RC3", 5), ("RC4", 2), ("RC5", 8), ("RC6", 5)])
S47_OUTCOMES = Weighted([("substantiated_icpc", 45), ("not_substantiated", 40), ("substantiated_no_icpc", 15)])
S47_LABELS = {"not_substantiated": "Concerns not substantiated",
              "substantiated_no_icpc": "Concerns substantiated: no conference needed"}
CONTRIBUTIONS = {
    "police": "Police hold previous incidents at the address; no current bail conditions",
    "health": "Health: immunisations up to date; one missed appointment this year",
    "education": "Education: attendance 86% this term; no exclusions",
    "early_help": "Early help: family previously supported; case closed last year",
}
ATTENDING = ("childrens_social_care", "police", "health", "education", "early_help")
# Sex not known is rare (the census queries more than 2%: 2886Q).
SEXES = Weighted([("female", 49.5), ("male", 49.5), ("unknown", 0.5), ("not_stated", 0.5)])
# Census disability codes: most children none, some one, a few two (shares roughly England's).
DISABILITIES = Weighted([("NONE", 86), ("LD", 3), ("COMM", 2), ("BEH", 2), ("AUT", 3), ("MOB", 1), ("HEAR", 0.7),
                         ("VIS", 0.7), ("PC", 0.4), ("HAND", 0.3), ("CON", 0.3), ("INC", 0.3), ("DDA", 1),
                         ("AUT,COMM", 0.8), ("LD,BEH", 0.6), ("MOB,PC", 0.3)])
PRIMARY_NEEDS = Weighted([("N1", 55), ("N2", 4), ("N3", 4), ("N4", 9), ("N5", 16), ("N6", 2), ("N7", 0.5),
                          ("N8", 3), ("N9", 6), ("N0", 0.5)])
CATEGORIES = Weighted([("NEG", 50), ("EMO", 37), ("PHY", 7), ("SAB", 4), ("MUL", 2)])
GROUPS = Weighted([(g, g.weight) for g in name_data.ETHNIC_GROUPS])
_WEEKDAYS = (1.15, 1.10, 1.10, 1.05, 1.10, 0.55, 0.45)  # Monday first
WEEKDAY_FACTOR = tuple(7 * f / sum(_WEEKDAYS) for f in _WEEKDAYS)  # averaging exactly 1
RE_REFERRAL_PICK = 0.20  # chance a referral's first child is one referred in the last 12 months
REPEAT_CONTACT_PICK = 0.30  # chance another contact's first child is one recently in a contact


def children_per_council(preset: Preset, years: float) -> int:
    """Children in each council's pool: its 0-17 population, plus those born into it over the years."""
    return max(20, round(preset.population / preset.councils * (1 + 0.05 * max(1.0, years))))


class Simulation:
    """Draws a period of contacts and everything after them; writes rows to the sink as it goes."""

    def __init__(self, *, preset: Preset, councils: list[Council], start: datetime, end: datetime,
                 as_of: datetime, seed: int, settings, calendar, agencies: dict[str, int], next_id: Callable,
                 meetings: bool, existing_nhs: set[str], taken_meeting_days: set[tuple[str, date]],
                 emit: Callable[[str, list[tuple]], None]):
        self.preset, self.councils = preset, councils
        self.start, self.end, self.as_of = start, end, as_of
        self.as_of_date = as_of.astimezone(LONDON).date()
        self.seed_text = f"{seed}:{preset.name}:{start.isoformat()}:" + ",".join(c.slug for c in councils)
        self.rng = random.Random(self.seed_text)
        self.settings, self.calendar = settings, calendar
        self.agencies = agencies
        self.next_id = next_id
        self.meetings = meetings
        self.existing_nhs = existing_nhs
        self.taken_meeting_days = taken_meeting_days
        self.emit = emit
        self.rows: dict[str, list[tuple]] = defaultdict(list)
        self._day_start: dict[date, datetime] = {}
        self._end_of_day: dict[date, datetime] = {}
        self._workday: dict[tuple[date, int], date] = {}
        self._ack: dict[date, datetime] = {}
        self._assessment_due: dict[date, date] = {}
        self._case_discussions: dict[date, list[date]] = {}
        self._icpc_due: dict[date, date] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.lag = timedelta(seconds=37)  # how long after a due time the sweep noticed it
        self.decision_hours = timedelta(hours=settings.decision_hours)

    # -------------------------------------------------------------- calendar, cached

    def day_start(self, d: date) -> datetime:
        found = self._day_start.get(d)
        if found is None:
            found = self._day_start[d] = datetime.combine(d, time(0), tzinfo=LONDON).astimezone(UTC)
        return found

    def end_of_day(self, d: date) -> datetime:
        found = self._end_of_day.get(d)
        if found is None:
            found = self._end_of_day[d] = rules.end_of_day(d)
        return found

    def workday(self, d: date, n: int) -> date:
        key = (d, n)
        found = self._workday.get(key)
        if found is None:
            found = self._workday[key] = self.calendar.add_working_days(d, n)
        return found

    def acknowledgement_due(self, d: date, received: datetime) -> datetime:
        found = self._ack.get(d)
        if found is None:
            found = self._ack[d] = rules.acknowledgement_due(received, self.calendar)
        return found

    def assessment_due(self, referral_date: date) -> date:
        found = self._assessment_due.get(referral_date)
        if found is None:
            found = self._assessment_due[referral_date] = rules.assessment_due_date(
                referral_date, self.calendar, self.settings.assessment_working_days)
        return found

    def case_discussion_days(self, referral_date: date) -> list[date]:
        found = self._case_discussions.get(referral_date)
        if found is None:
            found = self._case_discussions[referral_date] = rules.case_discussion_due_dates(
                referral_date, self.calendar, self.settings.case_discussion_working_days)
        return found

    def icpc_due(self, strategy_date: date) -> date:
        found = self._icpc_due.get(strategy_date)
        if found is None:
            found = self._icpc_due[strategy_date] = rules.icpc_due_date(
                strategy_date, self.calendar, self.settings.icpc_working_days)
        return found

    def at_local(self, d: date, hours: float) -> datetime:
        """An instant `hours` into the London day d (kept inside that day across clock changes)."""
        start = self.day_start(d)
        length = (self.day_start(d + DAY) - start).total_seconds()
        return start + timedelta(seconds=min(hours * 3600.0, length - 1))

    def london_date(self, moment: datetime) -> date:
        return moment.astimezone(LONDON).date()

    def date_clock_times(self, due: date, warn_working_days: int) -> tuple[datetime, datetime]:
        """What services.clocks.start_date_clock stores: due at the end of the due day, warned from
        the start of the day `warn_working_days` working days before it."""
        warn_day = self.workday(due, -warn_working_days) if warn_working_days else due
        warn_at = self.end_of_day(warn_day - DAY) + timedelta(seconds=1)
        due_at = self.end_of_day(due)
        return due_at, min(warn_at, due_at)

    # -------------------------------------------------------------- children

    def make_children(self, created_at: datetime, first: int, per_council: int) -> None:
        """The councils' children, with ids first, first + 1, ... (a block the caller reserved)."""
        rng = random.Random(f"{self.seed_text}:children")
        self.child_base: list[int] = []
        self.per_council = per_council
        total = per_council * len(self.councils)
        self.first_child = first
        self.child_dob = array("i", bytes(4 * total))
        self.child_locality = array("b", bytes(total))
        self.last_referral = array("i", bytes(4 * total))
        # The day each child's current case (census episode) closes: a contact while it is still
        # open joins that case instead of making a second referral (census rules 8815, 8820).
        self.episode_until = array("i", bytes(4 * total))
        middle = self.start + (self.end - self.start) / 2
        middle_day = middle.astimezone(LONDON).date()
        latest_dob = min(self.as_of_date, self.end.astimezone(LONDON).date())
        localities = Weighted([(k, w) for k, w in enumerate(LOCALITY_WEIGHTS)])
        batch = []
        for c, council in enumerate(self.councils):
            self.child_base.append(first + c * per_council)
            for k in range(per_council):
                ident = first + c * per_council + k
                index = ident - first
                group = GROUPS.pick(rng)
                sex = SEXES.pick(rng)
                pool = group.female if sex == "female" else group.male if sex == "male" else group.female + group.male
                age_days = int(18 * 365.25 * rng.random() ** 1.15)
                born = middle_day - timedelta(days=age_days)
                unborn = born > latest_dob
                dob = None if unborn else born
                loc = localities.pick(rng)
                self.child_locality[index] = loc
                self.child_dob[index] = born.toordinal()
                nhs = None
                if ident < 1_000_000 and rng.random() < 0.85 and not unborn:
                    nine = f"999{ident:06d}"
                    check = nhs_check_digit(nine)
                    if check is not None and nine + str(check) not in self.existing_nhs:
                        nhs = nine + str(check)
                upn = None
                age_years = age_days / 365.25
                upn_unknown = None
                if 5 <= age_years < 17 and rng.random() < 0.7:
                    # A pseudo LA number the census accepts (001) and a serial unique to the child.
                    body = f"001{ident % 10_000_000:07d}{(born.year + 5) % 100:02d}"
                    upn = upn_check_letter(body) + body
                else:
                    # UN1 ("not of school age") only while the child is under six (8770Q).
                    young = unborn or (self.as_of_date - born).days < 5 * 365  # still under 6 next 31 March
                    upn_unknown = "UN1" if young else _choice(rng, ("UN2", "UN3", "UN4", "UN5"))
                disabilities = DISABILITIES.pick(rng)
                street = _choice(rng, council.streets[loc])
                postcode = f"{council.districts[loc]} {_below(rng, 1, 10)}{_choice(rng, 'ABDEFGHJLNPQRSTUWXYZ')}" \
                           f"{_choice(rng, 'ABDEFGHJLNPQRSTUWXYZ')}"
                batch.append((ident, f"G{ident:09d}", _choice(rng, pool), _choice(rng, group.surnames), dob,
                              born if unborn else None, sex, group.code, f"{_below(rng, 1, 180)} {street}",
                              council.name, postcode, council.locality_ids[loc], nhs, upn, upn_unknown,
                              disabilities, created_at, created_at, 1))
                if len(batch) >= 50_000:
                    self.emit("child", batch)
                    batch = []
        self.emit("child", batch)
        self.counts["child"] += total
        self.recent_referrals: list[tuple[int, int]] = []  # (referral date ordinal, child index)
        self.recent_referral_start = 0
        self.recent_contacts: list[int] = []

    def _random_child(self, rng, council: int) -> int:
        return self.child_base[council] - self.first_child + _below(rng, self.per_council)

    def pick_children(self, rng, referral: bool, day_ordinal: int) -> list[int]:
        """Child indexes for one contact: a referral's first child is re-referred about 20% of the
        time (as in England); other contacts often name a child seen recently."""
        n = CHILDREN_PER_CONTACT.pick(rng)
        first = None
        if referral:
            recent = self.recent_referrals
            while self.recent_referral_start < len(recent) and recent[self.recent_referral_start][0] < day_ordinal - 365:
                self.recent_referral_start += 1
            if self.recent_referral_start < len(recent) and rng.random() < RE_REFERRAL_PICK:
                # A child referred in the last year whose case has closed since (an open case
                # would take the contact into itself rather than make a new referral).
                for _ in range(8):
                    first = recent[_below(rng, self.recent_referral_start, len(recent))][1]
                    if self.episode_until[first] <= day_ordinal:
                        break
            else:
                council = _below(rng, len(self.councils))
                for _ in range(8):
                    first = self._random_child(rng, council)
                    if self.last_referral[first] < day_ordinal - 365:
                        break
        elif self.recent_contacts and rng.random() < REPEAT_CONTACT_PICK:
            first = self.recent_contacts[-1 - _below(rng, min(len(self.recent_contacts), 20_000))]
        if first is None:
            first = self._random_child(rng, _below(rng, len(self.councils)))
        council = first // self.per_council
        chosen = [first]
        while len(chosen) < n:
            other = self._random_child(rng, council)
            if other not in chosen:
                chosen.append(other)
        return chosen

    # -------------------------------------------------------------- clocks

    def clock(self, kind: str, subject: str, subject_id: int, *, started: datetime, due_at: datetime,
              warn_at: datetime, stopped: datetime | None, due_date: date | None = None,
              contact_id: int | None = None, child_id: int | None = None, owner_id: int | None = None,
              team_id: int | None = None) -> None:
        """A clock as the services and a sweep at `as_of` would have left it, with its events."""
        as_of = self.as_of
        ident = self.next_id("clock")
        warn_at = min(warn_at, due_at)
        if stopped is not None and stopped > as_of:
            stopped = None
        breached_at = None
        if stopped is not None:
            state = "met" if stopped <= due_at else "breached"
            end = stopped
        else:
            state = "breached" if due_at < as_of else "due_soon" if warn_at <= as_of else "running"
            end = as_of
        if state == "breached":
            breached_at = due_at
        self.rows["clock"].append((ident, kind, subject, subject_id, contact_id, child_id, started, due_at,
                                   due_date, warn_at, stopped, state, breached_at, owner_id, team_id))
        events = self.rows["clock_event"]
        if warn_at < due_at and warn_at < end:
            events.append((self.next_id("clock_event"), ident, "due_soon", warn_at, min(warn_at + self.lag, end)))
        if due_at < end:
            events.append((self.next_id("clock_event"), ident, "breached", due_at, min(due_at + self.lag, end)))

    # -------------------------------------------------------------- the period

    def run(self, progress: Callable[[int], None], flush_days: int = 14) -> None:
        first_day = self.start.astimezone(LONDON).date()
        last_day = self.end.astimezone(LONDON).date()
        daily = self.preset.contacts_per_year / self.preset.councils / 365.25 * len(self.councils)
        self.agenda: list[list[tuple]] = [[] for _ in self.councils]  # candidates waiting for a meeting
        self.last_meeting_start: list[datetime | None] = [None for _ in self.councils]
        day, since_flush = first_day, 0
        while day <= last_day:
            self.one_day(day, daily)
            since_flush += 1
            if since_flush >= flush_days:
                self.flush()
                since_flush = 0
            progress(1)
            day += DAY
        self.flush()

    def flush(self) -> None:
        for table in ORDER:
            rows = self.rows.get(table)
            if rows:
                self.emit(table, rows)
                self.counts[table] += len(rows)
                self.rows[table] = []

    def one_day(self, day: date, daily: float) -> None:
        rng = self.rng
        seasonal = 1.0 + 0.08 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 60) / 365.25)
        expected = daily * WEEKDAY_FACTOR[day.weekday()] * seasonal
        count = max(0, round(rng.gauss(expected, math.sqrt(expected))))
        end_of_period = min(self.end, self.as_of)
        moments = []
        for _ in range(count):
            source = SOURCES.pick(rng)
            kind = SOURCE_KIND[source]
            if kind == "police":
                hours = rng.random() * 24
            else:
                hours = min(23.9, max(0.0, rng.triangular(7.5, 18.5, 11)))
                if day.weekday() >= 5 and rng.random() < 0.4:
                    source, kind, hours = "6", "police", rng.random() * 24
            received = self.at_local(day, hours)
            if received >= end_of_period or received < self.start:
                continue
            moments.append((received, source, kind))
        moments.sort(key=lambda m: m[0])
        for received, source, kind in moments:
            self.contact(day, received, source, kind)
        if self.meetings and self.calendar.is_working_day(day) and day <= self.as_of_date:
            for c, council in enumerate(self.councils):
                self.meeting(day, c, council)

    # -------------------------------------------------------------- one contact's life

    def contact(self, day: date, received: datetime, source: str, kind: str) -> None:
        rng, as_of, settings = self.rng, self.as_of, self.settings
        ident = self.next_id("contact")
        channel = CHANNELS[kind].pick(rng)
        local_hour = (received - self.day_start(day)).total_seconds() / 3600
        out_of_hours = day.weekday() >= 5 or local_hour < 8 or local_hour >= 18
        if out_of_hours and kind != "police" and rng.random() < 0.5:
            channel = "edt_handover"
        police_feed = channel == "police_notification"
        dash = operation_encompass = None
        if kind == "police" and rng.random() < 0.6:
            dash = DASH.pick(rng)
            operation_encompass = rng.random() < 0.7
        rag = RAGS.pick(rng)
        if dash == "high" and rng.random() < 0.7:
            rag = "red"
        outcome = OUTCOMES[rag].pick(rng)
        referral = outcome in REFERRAL_OUTCOMES
        day_ordinal = day.toordinal()
        children = self.pick_children(rng, referral, day_ordinal)
        council_index = children[0] // self.per_council
        council = self.councils[council_index]
        locality_id = council.locality_ids[self.child_locality[children[0]]]
        consent, not_sought = (CONSENT_POLICE if kind == "police" else CONSENT_OTHER).pick(rng)
        if rag == "red" and consent in (None, "given", "refused") and rng.random() < 0.6:
            consent, not_sought = "not_required", None

        # Who recorded it, when; the clocks it starts.
        recorded_at = min(received + timedelta(minutes=2 + 38 * rng.random()), as_of)
        era = None if police_feed else _choice(rng, council.eras)
        decision_due = (received + self.decision_hours if settings.decision_policy is DecisionPolicy.ELAPSED_24H
                        else rules.decision_due(received, settings.decision_policy, self.calendar))
        ack_due = self.acknowledgement_due(day, received)

        # Screening, partner requests, recommendation, decision.
        practitioner = _choice(rng, council.practitioners)
        manager = _choice(rng, council.managers)
        delay = math.exp(rng.gauss(math.log(8.0), 0.95)) * HOUR
        if rng.random() < 0.03:
            delay *= 3 + 12 * rng.random()  # stuck: waiting on something outside the Front Door
        decided = received + delay
        local = decided.astimezone(LONDON)
        if (not self.calendar.is_working_day(local.date()) or local.hour < 8 or local.hour >= 18) \
                and rng.random() < 0.45:  # the rest are decided out of hours (EDT, weekend cover)
            next_day = local.date() if local.hour < 8 and self.calendar.is_working_day(local.date()) \
                else self.workday(local.date(), 1)
            decided = self.at_local(next_day, 8.5 + 3 * rng.random())
        rag_at = received + (decided - received) * (0.1 + 0.3 * rng.random())
        rag_changes = [(rag_at, rag, None, "Screened: " + ("significant harm possible" if rag == "red" else
                                                            "significant concern" if rag == "amber"
                                                            else "wellbeing concern"))]
        if rng.random() < 0.08:
            new = RAG_HOURS_ORDER[min(2, RAG_HOURS_ORDER.index(rag) + 1)] if rng.random() < 0.6 \
                else RAG_HOURS_ORDER[max(0, RAG_HOURS_ORDER.index(rag) - 1)]
            if new != rag:
                changed = rag_at + (decided - rag_at) * (0.3 + 0.5 * rng.random())
                rag_changes.append((changed, new, rag, "New information from a partner agency"))
        requests = []
        can_ask = consent in ("given", "not_required", "not_sought")
        if can_ask and rng.random() < (0.75 if rag == "red" else 0.5 if rag == "amber" else 0.25):
            requested = rag_at + (decided - rag_at) * (0.05 + 0.45 * rng.random())
            hours = settings.partner_hours_by_rag[rag]
            due = rules.partner_information_due(requested, rag, settings.partner_hours_by_rag)
            codes = rng.sample(PARTNER_AGENCIES, 1 + (rng.random() < 0.5) + (rng.random() < 0.3))
            for code in codes:
                roll = rng.random()
                if roll < 0.85:
                    answered, state = requested + timedelta(hours=hours * (0.1 + 0.85 * rng.random())), "answered"
                elif roll < 0.97:
                    answered, state = requested + timedelta(hours=hours * (1.05 + 1.5 * rng.random())), "answered"
                else:
                    answered, state = max(decided, requested + MINUTE), "withdrawn"
                requests.append((code, requested, due, answered, state))
        recommended = None
        if rng.random() < 0.7:
            recommended = min(decided, max(rag_at + 10 * MINUTE, decided - timedelta(hours=0.3 + 2.7 * rng.random())))
        put_forward = kind != "police" and rag in ("red", "amber") and rng.random() < 0.12

        is_decided = decided <= as_of
        if is_decided:
            state = "decided"
        elif any(r[1] <= as_of for r in requests):
            open_now = any(r[1] <= as_of and r[3] > as_of for r in requests)
            state = "awaiting_information" if open_now else "ready_for_decision"
        elif recommended is not None and recommended <= as_of:
            state = "ready_for_decision"
        elif rag_at <= as_of:
            state = "screening"
        else:
            state = "received"
        screened = rag_at <= as_of
        current_rag = None
        for changed, value, _, _ in rag_changes:
            if changed <= as_of:
                current_rag = value
        acknowledged = received + timedelta(hours=0.5 + (60 if rng.random() < 0.07 else 20) * rng.random())
        if acknowledged > ack_due and rng.random() < 0.6:
            acknowledged = ack_due - timedelta(hours=2 * rng.random())
        acknowledged = max(acknowledged, received + MINUTE)
        feedback = decided + timedelta(hours=1 + 70 * rng.random()) if rng.random() < 0.7 else None
        late = decided > decision_due
        referrer_role, referrer_agency = REFERRERS[kind]
        self.rows["contact"].append((
            ident, received, recorded_at, era, council.token_id if police_feed else None, channel, source,
            referrer_role, referrer_agency, _choice(rng, CONCERNS[kind]), consent,
            "Parent" if consent in ("given", "refused") else None,
            received if consent else None, not_sought,
            f"{day.year}/{ident:08d}" if police_feed else None, dash, operation_encompass,
            f"PN-{ident}" if police_feed else None, self.agencies["police"] if police_feed else None,
            state, current_rag, locality_id, council.mash_team, practitioner if screened else None, put_forward,
            outcome if recommended is not None and recommended <= as_of else None,
            "Recommendation recorded at screening" if recommended is not None and recommended <= as_of else None,
            practitioner if recommended is not None and recommended <= as_of else None,
            recommended if recommended is not None and recommended <= as_of else None,
            decision_due, decided if is_decided else None,
            acknowledged if acknowledged <= as_of else None,
            _choice(rng, council.eras) if acknowledged <= as_of else None,
            feedback if feedback is not None and feedback <= as_of and is_decided else None,
            "Outcome explained to the referrer" if feedback is not None and feedback <= as_of and is_decided else None,
            1))
        self.clock(ClockKind.DECISION.value, "contact", ident, started=received, due_at=decision_due,
                   warn_at=decision_due - settings.decision_warn, stopped=decided if is_decided else None,
                   contact_id=ident, team_id=council.mash_team)
        self.clock(ClockKind.ACKNOWLEDGEMENT.value, "contact", ident, started=received, due_at=ack_due,
                   warn_at=ack_due - timedelta(hours=settings.decision_warn.total_seconds() // 3600),
                   stopped=acknowledged, contact_id=ident, team_id=council.mash_team)
        for changed, value, previous, reason in rag_changes:
            if changed <= as_of:
                self.rows["rag_change"].append((self.next_id("rag_change"), ident, value, previous, reason,
                                                changed, practitioner))
        for code, requested, due, answered, state_ in requests:
            if requested > as_of:
                continue
            request_id = self.next_id("information_request")
            done = answered <= as_of
            agency_id = self.agencies[code]
            self.rows["information_request"].append((
                request_id, ident, agency_id, "What does your agency hold about this family?", rag, requested,
                practitioner, due, state_ if done else "open",
                "Information held has been shared" if done and state_ == "answered" else None,
                answered if done and state_ == "answered" else None,
                f"{code} (generated)" if done and state_ == "answered" else None,
                agency_id if done and state_ == "answered" else None, 1))
            self.clock(ClockKind.PARTNER_INFORMATION.value, "information_request", request_id, started=requested,
                       due_at=due, warn_at=due - (due - requested) / 4, stopped=answered if done else None,
                       contact_id=ident, owner_id=practitioner)
        if self.meetings and (police_feed or put_forward):
            self.agenda[council_index].append((received, ident, "channel" if police_feed else "put_forward",
                                               decided if is_decided else None, current_rag, outcome))
        self.recent_contacts.extend(children)
        if len(self.recent_contacts) > 40_000:
            del self.recent_contacts[:20_000]
        for child in children:
            link = self.next_id("contact_child")
            child_id = child + self.first_child
            self.rows["contact_child"].append((
                link, ident, child_id, outcome if is_decided else None,
                "Decision recorded with rationale" if is_decided else None,
                _choice(rng, DECISION_DELAY_REASONS) if is_decided and late else None,
                decided if is_decided else None, manager if is_decided else None,
                (not late) if is_decided else None))
            if is_decided and referral:
                self.referral(council, child, child_id, ident, link, day, source, outcome, decided)

    # -------------------------------------------------------------- referral and what follows

    def referral(self, council: Council, child: int, child_id: int, contact_id: int, link: int, day: date,
                 source: str, outcome: str, decided: datetime) -> None:
        rng, as_of, settings = self.rng, self.as_of, self.settings
        day_ordinal = day.toordinal()
        if self.episode_until[child] > day_ordinal or self.child_dob[child] > day_ordinal + 270:
            # Already an open case (the contact joins it), or a pregnancy too early to refer (8606).
            return
        ident = self.next_id("referral")
        previous = self.last_referral[child]
        re_referral = bool(previous) and day_ordinal - 365 <= previous <= day_ordinal
        self.last_referral[child] = max(previous, day_ordinal)
        self.recent_referrals.append((day_ordinal, child))
        age = (day_ordinal - self.child_dob[child]) / 365.25
        team = council.older_team if age >= 14 else council.locality_teams[self.child_locality[child]]
        allocated = decided + timedelta(hours=1 + 29 * rng.random())
        worker = _choice(rng, council.workers[team]) if allocated <= as_of else None
        head = council.team_manager[team]

        # The assessment, on the clock from the referral date (day 0), 45 working days.
        assessment_id = self.next_id("assessment")
        due = self.assessment_due(day)
        s47_route = outcome in ("strategy_s47", "immediate_protection")
        # An s47 starts its assessment with it (2991Q); otherwise within a week.
        started_on = day if s47_route else self.workday(day, _below(rng, 0, 6))
        seen_on = self.workday(started_on, _below(rng, 0, 5))
        if rng.random() < 0.9:
            k = min(settings.assessment_working_days, max(8, round(rng.triangular(8, 46, 36))))
        else:
            k = settings.assessment_working_days + 1 + int(rng.expovariate(1 / 10))
        authorised_on = self.workday(day, k)
        authorised_at = self.at_local(authorised_on, 9 + 8 * rng.random())
        authorised = authorised_at <= as_of
        if outcome in ("strategy_s47", "immediate_protection"):
            assessment_outcome = ASSESSMENT_OUTCOMES_AFTER_S47.pick(rng)
        else:
            assessment_outcome = ASSESSMENT_OUTCOMES.pick(rng)
        # Strategy discussions: straight away for s47 and protection decisions; after an
        # assessment that recommends an s47. Drawn first: the case cannot close before the
        # enquiry (and any plan it makes) has ended.
        work_until = None  # the last day of s47 or plan work; OPEN while it continues
        if s47_route:
            work_until = self.strategy(ident, child_id, self.workday(day, _below(rng, 0, 2))
                                       if outcome == "strategy_s47" else day, worker, team)
        elif authorised and assessment_outcome == "s47":
            held = self.workday(authorised_on, _below(rng, 0, 3))
            if census_year_for(held) != census_year_for(authorised_on):
                held = authorised_on  # in the same census year as the assessment it follows (2991Q)
            work_until = self.strategy(ident, child_id, held, worker, team)
        closure = closed_at = None
        if assessment_outcome == "no_further_action":
            # "No factors" goes with a case closed straight after its assessment (8873Q).
            factors = "21" if rng.random() < 0.4 and not s47_route else None
            closure = "RC8"
        else:
            factors = None
            if assessment_outcome == "early_help":
                closure = "RC9"
        if s47_route and closure:
            closure = "RC7"  # RC8/RC9 are for cases closed straight after an assessment (2990)
        if factors is None:
            picked = []
            for _ in range(1 + (rng.random() < 0.55) + (rng.random() < 0.25)):
                code = FACTORS.pick(rng)
                if code not in picked:
                    picked.append(code)
            factors = ",".join(picked)
        if closure:
            closed_at = authorised_at
        else:
            later = authorised_at + timedelta(days=30 + 150 * rng.random())
            if later <= as_of:
                closed_at, closure = later, LATER_CLOSURES.pick(rng)
        if work_until is OPEN:
            closed_at = closure = None
        elif work_until is not None and closed_at is not None and self.london_date(closed_at) < work_until:
            closed_at = self.at_local(work_until, 16 + rng.random())
            if closure in ("RC8", "RC9"):
                closure = "RC7"
            if closed_at > as_of:
                closed_at = closure = None
        late = authorised_on > due
        closed_now = authorised and closed_at is not None and closed_at <= as_of
        self.episode_until[child] = self.london_date(closed_at).toordinal() if closed_now else OPEN.toordinal()
        self.rows["referral"].append((
            ident, child_id, contact_id, link, day, source, outcome, re_referral, decided, team, worker,
            allocated if worker else None, closed_at if closed_now else None, closure if closed_now else None,
            PRIMARY_NEEDS.pick(rng) if authorised else None, False,
            self.london_date(closed_at) if closed_now else None, head if closed_now else None, 1))
        today = self.as_of_date
        self.rows["assessment"].append((
            assessment_id, ident, child_id, team, worker,
            started_on if started_on <= today and started_on <= authorised_on else None, due,
            seen_on if seen_on <= today and seen_on <= authorised_on else None,
            authorised_at if authorised else None, authorised_on if authorised else None,
            head if authorised else None, assessment_outcome if authorised else None,
            factors if authorised else None, closure if authorised and closure in ("RC8", "RC9") else None,
            (assessment_outcome in ("child_in_need_plan", "s47")) if authorised else None,
            _choice(rng, LATE_REASONS) if authorised and late else None, decided, 1))
        due_at, warn_at = self.date_clock_times(due, settings.assessment_warn_working_days)
        self.clock(ClockKind.ASSESSMENT.value, "assessment", assessment_id, started=decided, due_at=due_at,
                   warn_at=warn_at, stopped=authorised_at if authorised else None, due_date=due, child_id=child_id,
                   owner_id=worker, team_id=team)
        # Management oversight points at 10 and 35 working days.
        for sequence, planned in enumerate(self.case_discussion_days(day), start=1):
            discussion_id = self.next_id("case_discussion")
            held = None
            if planned <= authorised_on:
                roll = rng.random()
                if roll < 0.85:
                    held = max(day, self.workday(planned, -_below(rng, 0, 4)))
                elif roll < 0.95:
                    held = min(authorised_on, self.workday(planned, _below(rng, 1, 6)))
            recorded = self.at_local(held, 12 + 5 * rng.random()) if held else None
            if held is not None and (held > today or recorded > as_of):
                held = recorded = None
            self.rows["case_discussion"].append((discussion_id, assessment_id, sequence, planned, held,
                                                 head if held else None, "Discussed with the team manager"
                                                 if held else None, recorded))
            cd_due, cd_warn = self.date_clock_times(planned, 1)
            stopped = min(recorded, self.end_of_day(held)) if held else (authorised_at if authorised else None)
            self.clock(ClockKind.CASE_DISCUSSION.value, "case_discussion", discussion_id, started=decided,
                       due_at=cd_due, warn_at=cd_warn, stopped=stopped, due_date=planned, child_id=child_id,
                       owner_id=worker, team_id=team)

    def strategy(self, referral_id: int, child_id: int, held_on: date, worker: int | None, team: int):
        """The discussion, its s47 and conference, and any plan: returns the last day of that work
        (OPEN while it continues at `as_of`)."""
        rng, as_of = self.rng, self.as_of
        recorded = self.at_local(held_on, 15 + 3 * rng.random())
        if recorded > as_of:
            return OPEN
        ident = self.next_id("strategy_discussion")
        today = self.as_of_date
        s47 = rng.random() < 0.9
        row_s47 = outcome = outcome_on = icpc_due = icpc_held = not_needed = None
        plan = plan_start = plan_category = plan_end = None
        work_until = held_on
        if s47:
            row_s47 = held_on
            icpc_due = self.icpc_due(held_on)
            outcome = S47_OUTCOMES.pick(rng)
            outcome_on = self.workday(held_on, _below(rng, 3, 12))
            stopped = None
            if outcome == "substantiated_icpc":
                k = _below(rng, 8, 16) if rng.random() < 0.8 else _below(rng, 16, 26)
                icpc_held = self.workday(held_on, k)
                outcome_on = min(outcome_on, icpc_held)
                held_time = self.at_local(icpc_held, 10 + 6 * rng.random())
                if held_time <= as_of and icpc_held <= today:
                    stopped = min(held_time, self.end_of_day(icpc_held))
                else:
                    icpc_held = None
            decided_at = self.at_local(outcome_on, 14 + 3 * rng.random())
            if decided_at > as_of:
                outcome = outcome_on = None
            elif outcome != "substantiated_icpc":
                not_needed = S47_LABELS[outcome]
                stopped = decided_at
            due_at, warn_at = self.date_clock_times(icpc_due, 3)
            self.clock(ClockKind.ICPC.value, "strategy_discussion", ident, started=recorded, due_at=due_at,
                       warn_at=warn_at, stopped=stopped, due_date=icpc_due, child_id=child_id, owner_id=worker,
                       team_id=team)
            if icpc_held is not None:
                plan = rng.random() < 0.85
                if plan:
                    plan_start, plan_category = icpc_held, CATEGORIES.pick(rng)
                    ends = self.workday(icpc_held, _below(rng, 60, 280))
                    plan_end = ends if ends <= today and self.at_local(ends, 12) <= as_of else None
                work_until = plan_end if plan else icpc_held
                if plan and plan_end is None:
                    work_until = OPEN
            elif not_needed:
                work_until = outcome_on
            else:
                work_until = OPEN
        self.rows["strategy_discussion"].append((
            ident, referral_id, child_id, held_on, "police,health,education,childrens_social_care", worker,
            recorded, row_s47, outcome, outcome_on, icpc_due, icpc_held, not_needed, plan, plan_start,
            plan_category, plan_end, 1))
        return work_until

    # -------------------------------------------------------------- the daily triage meeting

    def meeting(self, day: date, c: int, council: Council) -> None:
        rng, as_of = self.rng, self.as_of
        locality = council.meeting_locality
        series = f"mash_daily:{locality or 'all'}"
        planned = self.at_local(day, 9.5)
        waiting = self.agenda[c]
        due_now = [w for w in waiting if w[0] < planned]
        self.agenda[c] = [w for w in waiting if w[0] >= planned]
        previous = self.last_meeting_start[c]
        self.last_meeting_start[c] = planned
        if planned > as_of or (series, day) in self.taken_meeting_days:
            return
        ident = self.next_id("meeting")
        started = planned + timedelta(minutes=10 * rng.random())
        items = [w for w in due_now if w[3] is None or w[3] > planned]
        closed = started + timedelta(minutes=30 + 3 * len(items))
        if started > as_of:
            state, started_row, closed_row = "planned", None, None
        elif closed > as_of:
            state, started_row, closed_row = "open", started, None
        else:
            state, started_row, closed_row = "closed", started, closed
        chair = council.managers[day.toordinal() % len(council.managers)]
        self.rows["meeting"].append((ident, "mash_daily", series, day, locality, chair, state, planned, previous,
                                     started_row, closed_row, planned - timedelta(hours=16), chair, 1, 1))
        if started_row:
            for code in ATTENDING:
                self.rows["meeting_attendance"].append((
                    self.next_id("meeting_attendance"), ident, self.agencies[code], None,
                    f"{code.replace('_', ' ').title()} representative", "virtual" if rng.random() < 0.4
                    else "in_person", started, chair))
        for position, (received, contact_id, source, decided, rag, outcome) in enumerate(items, start=1):
            item_id = self.next_id("meeting_item")
            agreed = started + timedelta(minutes=3 * position)
            if state == "closed":
                confirmed = decided if decided is not None and decided <= as_of else None
                item_state = "confirmed" if confirmed else "agreed"
                if confirmed is not None and confirmed < agreed:
                    agreed = max(started, confirmed)
                row = (item_id, ident, contact_id, position, source, item_state, planned - HOUR, rag, outcome,
                       self.agencies["childrens_social_care"], "Agreed at the daily triage meeting", agreed, chair,
                       confirmed, chair if confirmed else None, 1)
            else:
                row = (item_id, ident, contact_id, position, source, "pending", planned - HOUR, None, None, None,
                       None, None, None, None, None, 1)
            self.rows["meeting_item"].append(row)
            if started_row:
                for code in rng.sample(PARTNER_AGENCIES, 1 + (rng.random() < 0.6) + (rng.random() < 0.3)):
                    at = planned - timedelta(minutes=10 + 100 * rng.random())
                    self.rows["item_contribution"].append((self.next_id("item_contribution"), item_id,
                                                           self.agencies[code], CONTRIBUTIONS[code],
                                                           f"{code} (generated)", at, at, 1))
            if state == "closed" and rng.random() < 0.08:
                due_date = self.workday(day, 2)
                done = self.at_local(due_date, 9 + 8 * rng.random())
                self.rows["meeting_action"].append((
                    self.next_id("meeting_action"), ident, item_id, "Check school attendance and report back",
                    self.agencies["education"], None, due_date,
                    done if done <= as_of and rng.random() < 0.85 else None, closed, chair, 1))
