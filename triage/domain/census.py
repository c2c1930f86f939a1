"""The Children in Need census as data: its year, its episodes, and what each module holds.

Pure: the service reads rows from the database, these functions decide what the census says
about them, and the service writes the XML. The rules followed are the DfE's (its
CIN census validation rules); the rule numbers in comments are the validator's.

- The collection year runs 1 April to 31 March; `year` is the year it ends in.
- A child is in scope with a referral in the year, or an episode still open on 1 April.
- An episode (CINdetails) is a referral; a referral that arrives while the child's episode is
  still open is part of that episode, not a new one (rules 8815, 8816, 8820). After closure,
  a new referral is a new episode.
- A module (assessment, s47, plan) is reported when it happened in the year or was still open
  at its end; what finished before 1 April belongs to an earlier census (8696, 8715, 8930).
  What happened after 31 March has not happened yet as far as this census is concerned.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class CensusYear:
    year: int  # the year the collection ends in

    @property
    def start(self) -> date:
        return date(self.year - 1, 4, 1)

    @property
    def end(self) -> date:
        return date(self.year, 3, 31)

    def within(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def by_end(self, day: date | None) -> date | None:
        """A date as the census sees it: None if it falls after the reference date."""
        return day if day is not None and day <= self.end else None


def census_year_for(day: date) -> int:
    """The collection year a day falls in (1 April 2026 to 31 March 2027 is 2027)."""
    return day.year + 1 if day.month >= 4 else day.year


@dataclass
class Assessment:
    started_on: date
    authorised_on: date | None
    factors: list[str]


@dataclass
class Section47:
    started_on: date
    icpc_target: date | None
    icpc_on: date | None
    not_required_on: date | None  # when it was decided no conference was needed


@dataclass
class Plan:
    start: date
    end: date | None
    category: str
    previous: int


@dataclass
class Referral:
    """One referral row as the service reads it, with what hangs off it."""

    id: int
    referral_date: date
    source: str | None
    primary_need: str | None
    nfa: bool
    closed_on: date | None
    closure_reason: str | None
    assessment: Assessment | None = None
    section47s: list[Section47] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)


@dataclass
class Episode:
    """One CINdetails block: the first referral of the episode and what followed it."""

    referral_id: int  # the first referral: where the page links
    referral_date: date
    source: str
    primary_need: str | None
    nfa: bool
    closed_on: date | None
    closure_reason: str | None
    assessments: list[Assessment]
    section47s: list[Section47]
    plans: list[Plan]


def episodes(referrals: Iterable[Referral], year: CensusYear) -> list[Episode]:
    """A child's referrals (any order) folded into census episodes, oldest first."""
    folded: list[Episode] = []
    for referral in sorted(referrals, key=lambda r: (r.referral_date, r.id)):
        if referral.referral_date > year.end:
            continue
        closed_on = year.by_end(referral.closed_on)
        reason = referral.closure_reason if closed_on else None
        assessments = _assessments(referral, closed_on, year)
        section47s = [s for s in referral.section47s if _s47_in_year(s, year)]
        plans = [p for p in referral.plans if p.start <= year.end and (p.end is None or p.end >= year.start)]
        last = folded[-1] if folded else None
        if last is not None and (last.closed_on is None or referral.referral_date < last.closed_on):
            # Still open when this referral came: the same episode.
            last.assessments += assessments
            last.section47s += section47s
            last.plans += plans
            last.nfa = last.nfa and referral.nfa
            last.primary_need = last.primary_need or referral.primary_need
            # The episode stays open if any of its referrals is, else closes with the latest.
            if last.closed_on is not None and (closed_on is None or closed_on > last.closed_on):
                last.closed_on, last.closure_reason = closed_on, reason
            continue
        folded.append(Episode(referral.id, referral.referral_date, referral.source or "10", referral.primary_need,
                              referral.nfa, closed_on, reason, assessments, section47s, plans))
    # Episodes that ended before the year are not in this census.
    return [e for e in folded if e.referral_date >= year.start or e.closed_on is None or e.closed_on >= year.start]


def _assessments(referral: Referral, closed_on: date | None, year: CensusYear) -> list[Assessment]:
    a = referral.assessment
    if a is None or a.started_on is None or a.started_on > year.end:
        return []
    authorised = year.by_end(a.authorised_on)
    factors = a.factors if authorised else []
    if authorised is None and closed_on is not None:
        # Closed with the assessment still open (the manager said why): it ended with the case.
        authorised = closed_on
    if authorised is not None and authorised < year.start:
        return []
    return [Assessment(a.started_on, authorised, factors)]


def _s47_in_year(s: Section47, year: CensusYear) -> bool:
    if s.started_on > year.end:
        return False
    ended = year.by_end(s.icpc_on) or year.by_end(s.not_required_on)
    return ended is None or ended >= year.start


def s47_as_at(s: Section47, year: CensusYear) -> Section47:
    """The enquiry as it stood on 31 March: a conference after that has not happened yet."""
    icpc = year.by_end(s.icpc_on)
    return Section47(s.started_on, s.icpc_target, icpc, None if icpc else year.by_end(s.not_required_on))


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
