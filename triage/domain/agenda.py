"""The triage meeting's agenda: which contacts go on it, and in what order.

The rule:

* every contact that came in on one of the meeting type's own channels (the daily MASH
  meeting: police notifications) after the cut-off (the start of the previous meeting of the
  same series) and by the time the agenda freezes (this meeting's start);
* every contact a pathway's routing rule sends to this meeting type, in the same window;
* every contact a practitioner put forward that no meeting has discussed yet;
* every item an earlier meeting did not reach (carried over);
* never a contact already decided, already discussed, or removed from an earlier agenda by its
  chair; the chair may still add any undecided contact by hand, with a reason, and remove any
  item, with a reason.

Order: RAG red, amber, green, then not yet rated; within a rating, least time left on the
decision clock first (breached first); then the earliest received; the contact id last, so the
order is total and stable.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from triage.domain.codes import LabelledEnum

RAG_ORDER = {"red": 0, "amber": 1, "green": 2}
UNRATED = 3


class ItemSource(LabelledEnum):
    """Why a contact is on the agenda."""

    CHANNEL = "channel", "New since the last meeting"
    PUT_FORWARD = "put_forward", "Put forward by a practitioner"
    CARRIED_OVER = "carried_over", "Not reached at the last meeting"
    ADDED = "added", "Added by the chair"
    ROUTED = "routed", "Routed here by a pathway rule"


# What an item at an earlier meeting says about the contact now.
EARLIER_DISCUSSED = frozenset({"agreed", "confirmed"})
EARLIER_REMOVED = "removed"
EARLIER_NOT_REACHED = "not_reached"
EARLIER_PENDING = "pending"


@dataclass(frozen=True)
class Candidate:
    """What the rule needs to know about one contact."""

    contact_id: int
    channel: str
    received_at: datetime
    rag: str | None
    decision_due_at: datetime
    decided: bool = False
    put_forward: bool = False
    earlier_item_state: str | None = None  # its latest item at another meeting, if any
    routed: bool = False  # a pathway's routing rule sends it to this meeting type


@dataclass(frozen=True)
class AgendaRule:
    channels: frozenset[str]
    takes_put_forward: bool
    cut_off: datetime | None  # None: no earlier meeting in the series, so no lower bound
    until: datetime  # the start (frozen) or now (a preview of a planned meeting)


@dataclass(frozen=True)
class AgendaEntry:
    candidate: Candidate
    source: ItemSource


@dataclass(frozen=True)
class Agenda:
    entries: list[AgendaEntry]
    left_off: list[tuple[Candidate, str]] = field(default_factory=list)  # (candidate, why not)


def source_for(candidate: Candidate, rule: AgendaRule) -> ItemSource | None:
    """Why the rule puts this contact on the agenda, or None when it does not."""
    return _judge(candidate, rule)[0]


def _judge(c: Candidate, rule: AgendaRule) -> tuple[ItemSource | None, str]:
    if c.decided:
        return None, "already decided"
    if c.received_at > rule.until:
        return None, "arrived after the agenda froze: it goes to the next meeting"
    earlier = c.earlier_item_state
    if earlier in EARLIER_DISCUSSED:
        return None, "already discussed at an earlier meeting"
    if earlier == EARLIER_REMOVED:
        return None, "removed from an earlier agenda by its chair"
    if earlier == EARLIER_PENDING:
        return None, "on another meeting's agenda"
    if earlier == EARLIER_NOT_REACHED:
        return ItemSource.CARRIED_OVER, ""
    in_window = rule.cut_off is None or c.received_at > rule.cut_off
    if c.channel in rule.channels and in_window:
        return ItemSource.CHANNEL, ""
    if c.routed and in_window:
        return ItemSource.ROUTED, ""
    if rule.takes_put_forward and c.put_forward:
        return ItemSource.PUT_FORWARD, ""
    if c.channel in rule.channels or c.routed:
        return None, "arrived before the cut-off"
    return None, "not a contact this meeting takes"


def order_key(rag: str | None, decision_due_at: datetime, received_at: datetime,
              contact_id: int) -> tuple:
    """Red, amber, green, unrated; then least time left on the decision clock; then oldest."""
    return (RAG_ORDER.get(rag or "", UNRATED), decision_due_at, received_at, contact_id)


def candidate_key(c: Candidate) -> tuple:
    return order_key(c.rag, c.decision_due_at, c.received_at, c.contact_id)


def build_agenda(candidates: Iterable[Candidate], rule: AgendaRule,
                 added: Iterable[int] = (), removed: Iterable[int] = ()) -> Agenda:
    """The agenda the rule builds, with the chair's additions and removals applied, in order.

    `added` are contact ids the chair added by hand (they stay unless decided); `removed`
    are contact ids the chair took off (they stay off, whatever the rule says).
    """
    added, removed = set(added), set(removed)
    entries: list[AgendaEntry] = []
    left_off: list[tuple[Candidate, str]] = []
    seen: set[int] = set()
    for c in candidates:
        if c.contact_id in seen:
            continue
        seen.add(c.contact_id)
        if c.contact_id in removed:
            left_off.append((c, "removed by the chair"))
            continue
        if c.contact_id in added:
            if c.decided:
                left_off.append((c, "already decided"))
            else:
                entries.append(AgendaEntry(c, ItemSource.ADDED))
            continue
        source, why_not = _judge(c, rule)
        if source is None:
            left_off.append((c, why_not))
        else:
            entries.append(AgendaEntry(c, source))
    entries.sort(key=lambda e: candidate_key(e.candidate))
    return Agenda(entries=entries, left_off=left_off)

