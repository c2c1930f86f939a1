"""The generator's meetings: the daily MASH triage meeting, the North and West virtual MASH that
meet for their own locality twice a week, and the pathways' meetings whose agendas the routing
rules fill (the 14+ team's daily triage, the weekly emotional-health triage in each locality).

A candidate for an agenda is (received, contact id, source, decided, RAG, outcome, locality id).
A meeting takes the candidates that arrived before it starts; on a day a locality meets on its
own, the county-wide meeting leaves that locality's contacts to it, as the service's agenda does.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from triage.domain.pathways import ContactFacts, RoutingRule, age_on, concern_categories, rule_matches
from triage.generate.shapes import ATTENDING, CONTRIBUTIONS, HOUR, PARTNER_AGENCIES
from triage.generate.world import Council

MASH = "mash_daily"
VIRTUAL_MASH_LOCALITIES = (0, 1)  # North and West: rural, they meet online
VIRTUAL_MASH_DAYS = (1, 3)  # Tuesday and Thursday
EMOTIONAL_HEALTH_DAY = 2  # Wednesday


class MeetingStages:
    """Mixed into the Simulation, which holds the generator, the calendar and the rows."""

    def start_meetings(self) -> None:
        self.agenda: list[list[tuple]] = [[] for _ in self.councils]  # candidates waiting for the MASH
        self.routed: list[dict[str, list[tuple]]] = [{} for _ in self.councils]  # per pathway meeting type
        self.last_start: dict[tuple[int, str], datetime] = {}
        self._categories: dict[str, frozenset[str]] = {}
        self.types = {t.code: t for t in self.rules.meeting_types}

    # -------------------------------------------------------------- routing

    def route(self, life, candidate: tuple) -> None:
        """Put the contact on each pathway meeting type's agenda that a routing rule sends it to."""
        rules: tuple[RoutingRule, ...] = self.rules.routing
        if not rules:
            return
        categories = self._categories.get(life.concern)
        if categories is None:
            categories = self._categories[life.concern] = concern_categories(life.concern,
                                                                              self.rules.concern_categories)
        if not categories:
            return
        ages = tuple(age_on(date.fromordinal(self.child_dob[child]), life.day) for child in life.children
                     if self.child_dob[child] <= life.day.toordinal())
        facts = ContactFacts(ages=ages, categories=categories, source_code=life.source,
                             locality_id=life.locality_id)
        routed = self.routed[life.council_index]
        for type_code in {rule.meeting_type for rule in rules if rule_matches(rule, facts)}:
            routed.setdefault(type_code, []).append((*candidate[:2], "routed", *candidate[3:]))

    # -------------------------------------------------------------- one day's meetings

    def meetings_on(self, day: date, c: int, council: Council) -> None:
        planned = self.at_local(day, self.types[MASH].starts_at.hour + self.types[MASH].starts_at.minute / 60) \
            if MASH in self.types else self.at_local(day, 9.5)
        waiting = self.agenda[c]
        due_now = [w for w in waiting if w[0] < planned]
        self.agenda[c] = [w for w in waiting if w[0] >= planned]
        if day.weekday() in VIRTUAL_MASH_DAYS:
            for k in VIRTUAL_MASH_LOCALITIES:
                locality = council.locality_ids[k]
                if locality == council.meeting_locality:
                    continue  # in a region the council's own meeting is keyed by this locality already
                mine = [w for w in due_now if w[6] == locality]
                due_now = [w for w in due_now if w[6] != locality]
                self.meeting(day, c, council, MASH, locality, planned, mine, ATTENDING)
        self.meeting(day, c, council, MASH, council.meeting_locality, planned, due_now, ATTENDING)
        for type_code, kind in self.types.items():
            if type_code == MASH or type_code not in self.routed[c]:
                continue
            if kind.cadence == "weekly" and day.weekday() != EMOTIONAL_HEALTH_DAY:
                continue
            start = self.at_local(day, kind.starts_at.hour + kind.starts_at.minute / 60)
            waiting = self.routed[c][type_code]
            due_now = [w for w in waiting if w[0] < start]
            self.routed[c][type_code] = [w for w in waiting if w[0] >= start]
            attending = tuple(code for code in kind.core_agencies if code in self.agencies)
            if kind.per_locality:
                for locality in council.locality_ids:
                    self.meeting(day, c, council, type_code, locality, start,
                                 [w for w in due_now if w[6] == locality], attending)
            else:
                self.meeting(day, c, council, type_code, council.meeting_locality, start, due_now, attending)

    def meeting(self, day: date, c: int, council: Council, type_code: str, locality: int | None,
                planned: datetime, due_now: list[tuple], attending: tuple[str, ...]) -> None:
        rng, as_of = self.rng, self.as_of
        series = f"{type_code}:{locality or 'all'}"
        items = [w for w in due_now if w[3] is None or w[3] > planned]
        if not items and (type_code != MASH or locality != council.meeting_locality):
            return  # a locality's or a pathway's meeting with nothing to discuss does not meet
        previous = self.last_start.get((c, series))
        self.last_start[(c, series)] = planned
        if planned > as_of or (series, day) in self.taken_meeting_days:
            return
        ident = self.next_id("meeting")
        started = planned + timedelta(minutes=10 * rng.random())
        closed = started + timedelta(minutes=30 + 3 * len(items))
        if started > as_of:
            state, started_row, closed_row = "planned", None, None
        elif closed > as_of:
            state, started_row, closed_row = "open", started, None
        else:
            state, started_row, closed_row = "closed", started, closed
        chair = council.managers[day.toordinal() % len(council.managers)]
        self.rows["meeting"].append((ident, type_code, series, day, locality, chair, state, planned, previous,
                                     started_row, closed_row, planned - timedelta(hours=16), chair, 1, 1))
        if started_row:
            for code in attending:
                self.rows["meeting_attendance"].append((
                    self.next_id("meeting_attendance"), ident, self.agencies[code], None,
                    f"{code.replace('_', ' ').title()} representative", "virtual" if rng.random() < 0.4
                    or (type_code == MASH and locality is not None) else "in_person", started, chair))
        for position, (_received, contact_id, source, decided, rag, outcome, _) in enumerate(items, start=1):
            self._item(ident, day, planned, started, closed, state, chair, position, contact_id, source, decided,
                       rag, outcome)

    def _item(self, ident, day, planned, started, closed, state, chair, position, contact_id, source, decided, rag,
              outcome) -> None:
        rng, as_of = self.rng, self.as_of
        item_id = self.next_id("meeting_item")
        agreed = started + timedelta(minutes=3 * position)
        if state == "closed":
            confirmed = decided if decided is not None and decided <= as_of else None
            item_state = "confirmed" if confirmed else "agreed"
            if confirmed is not None and confirmed < agreed:
                agreed = max(started, confirmed)
            row = (item_id, ident, contact_id, position, source, item_state, planned - HOUR, rag, outcome,
                   self.agencies["childrens_social_care"], "Agreed at the triage meeting", agreed, chair,
                   confirmed, chair if confirmed else None, 1)
        else:
            row = (item_id, ident, contact_id, position, source, "pending", planned - HOUR, None, None, None,
                   None, None, None, None, None, 1)
        self.rows["meeting_item"].append(row)
        if state != "planned":
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
