"""The generator's record stages: a child's record beyond the casework on it.

- dates of birth the referrer did not know: approximate ones (estimated, flagged to confirm) on
  about 1% of children; "not known" on a few children whose contacts led nowhere (a child with a
  referral is in the CIN census, which needs a date of birth);
- duplicate records: a contact that named a child without the NHS number made a second record,
  later merged into the one kept; the duplicate stays as a tombstone, as services.child_merge
  leaves it;
- legal holds on a few children whose s47 enquiry led to proceedings or a police investigation.

These draw from their own random generators, apart from the casework's.
"""
from __future__ import annotations

import json
import random
from datetime import date, timedelta

from triage.generate.lives import ContactLife, ReferralLife
from triage.generate.shapes import pick_one
from triage.services.child_merge import MOVED
from triage.services.children import EDITABLE

APPROXIMATE_SHARE = 0.01  # children whose date of birth is an estimate from an age
NOT_KNOWN_SHARE = 0.005  # of children in contacts that led nowhere: date of birth not known
DUPLICATE_CANDIDATES = 0.01  # children a contact may name without the NHS number
MERGE_CHANCE = 0.25  # such a contact made a second record (later merged)
MIN_MERGES = 2  # per council and run, so that even a tiny council shows a merge
HOLD_CHANCE = 0.004  # s47 enquiries whose child's records a legal hold protects
MIN_HOLDS = 2  # per council and run, so that even a tiny council shows one
HOLD_REASONS = ("Care proceedings: the court may need the full record",
                "Police investigation: records preserved at the police's request",
                "Subject access request and complaint under way")
LIFT_REASON = "Proceedings concluded; normal retention applies again"


def duplicate_slots(per_council: int) -> int:
    """Child ids reserved per council for duplicate records (a small number)."""
    return per_council // 2000 + 2


class RecordStages:
    """Mixed into the Simulation, which holds the generators and the rows."""

    def start_records(self, first_duplicate: int, slots: int) -> None:
        self.duplicate_next = [first_duplicate + c * slots for c in range(len(self.councils))]
        self.duplicate_end = [first_duplicate + (c + 1) * slots for c in range(len(self.councils))]
        self.duplicate_slots = slots
        self.duplicate_candidates: dict[int, tuple] = {}  # child index -> its child row
        self.kept_children: set[int] = set()
        self.held_children: set[int] = set()
        self.holds_made = [0 for _ in self.councils]
        self.contacted = bytearray(self.per_council * len(self.councils))
        self.child_status = bytearray(self.per_council * len(self.councils))  # 1: approximate

    def birth_status(self, rng: random.Random, index: int, unborn: bool) -> str:
        if not unborn and rng.random() < APPROXIMATE_SHARE:
            self.child_status[index] = 1
            return "approximate"
        return "known"

    def note_candidate(self, rng: random.Random, index: int, row: tuple, unborn: bool) -> None:
        if not unborn and row[12] is not None and rng.random() < DUPLICATE_CANDIDATES:
            self.duplicate_candidates[index] = row

    # -------------------------------------------------------------- duplicates and merges

    def draw_duplicate(self, life: ContactLife) -> None:
        """Whether this contact made a second record of its one child (given without the NHS
        number), merged into the first some days after the decision."""
        child = life.children[0]
        c = life.council_index
        if (not life.is_decided or life.referral or len(life.children) != 1
                or child not in self.duplicate_candidates or self.duplicate_next[c] >= self.duplicate_end[c]):
            return
        made = self.duplicate_next[c] - (self.duplicate_end[c] - self.duplicate_slots)
        if made >= MIN_MERGES and self.xrng.random() >= MERGE_CHANCE:
            return
        merged = life.decided + timedelta(days=1 + 20 * self.xrng.random())
        if merged > self.as_of:
            return
        life.merged_at = merged
        life.duplicate_id = self.duplicate_next[c]
        self.duplicate_next[c] += 1

    def write_merge(self, life: ContactLife, child: int, link: int) -> None:
        """The duplicate as a tombstone and the merge that moved its contact to the kept record."""
        kept = self.duplicate_candidates.pop(child)
        self.kept_children.add(child)
        ident, merged = life.duplicate_id, life.merged_at
        # The second record: what intake had (names, date of birth, address), no identifiers.
        duplicate = (ident, f"G{ident:09d}", kept[2], kept[3], kept[4], None, kept[6], None, kept[8], kept[9],
                     kept[10], kept[11], None, None, None, None, life.received, merged, 2, kept[19], kept[0],
                     merged)
        self.rows["child"].append(duplicate)
        moved = {name: [] for name in MOVED}
        moved["contact_child"] = [link]
        self.rows["child_merge"].append((
            self.next_id("child_merge"), kept[0], ident, merged, pick_one(self.xrng, life.council.managers),
            self._snapshot(kept), self._snapshot(duplicate), "", json.dumps(moved), None, None))

    def _snapshot(self, row: tuple) -> str:
        """A record's editable fields as services.child_merge keeps them to undo a merge."""
        values = dict(zip(self.child_columns, row, strict=True))
        return json.dumps({f: (v.isoformat() if isinstance(v, date) else v)
                           for f in EDITABLE for v in [values.get(f)]})

    # -------------------------------------------------------------- legal holds

    def draw_hold(self, case: ReferralLife, held_on: date) -> None:
        """A legal hold placed after an s47 enquiry began; some lifted since."""
        c = case.child // self.per_council
        if case.child in self.held_children:
            return
        if self.holds_made[c] >= MIN_HOLDS and self.xrng.random() >= HOLD_CHANCE:
            return
        placed = self.at_local(held_on, 10 + 6 * self.xrng.random()) + timedelta(days=1 + 30 * self.xrng.random())
        if placed > self.as_of:
            return
        self.held_children.add(case.child)
        self.holds_made[c] += 1
        council = case.council
        k = int(self.xrng.random() * len(council.managers))
        lifted = placed + timedelta(days=90 + 300 * self.xrng.random()) if self.xrng.random() < 0.25 else None
        if lifted is not None and lifted > self.as_of:
            lifted = None
        j = int(self.xrng.random() * len(council.managers))
        self.rows["retention_hold"].append((
            self.next_id("retention_hold"), case.child_id, pick_one(self.xrng, HOLD_REASONS), placed,
            council.managers[k], council.manager_names[k], lifted, council.managers[j] if lifted else None,
            council.manager_names[j] if lifted else None, LIFT_REASON if lifted else None, 2 if lifted else 1))

    # -------------------------------------------------------------- at the end

    def closing_statements(self) -> list[str]:
        """Dates of birth not known: a few children named only in contacts that led nowhere (no
        referral, so never in the census), chosen once the whole period is drawn."""
        rng = random.Random(f"{self.seed_text}:not-known")
        chosen = []
        latest = self.latest_dob_ordinal
        for index, seen in enumerate(self.contacted):
            if (seen and not self.last_referral[index] and not self.child_status[index]
                    and self.child_dob[index] <= latest and index not in self.kept_children
                    and rng.random() < NOT_KNOWN_SHARE):
                chosen.append(self.first_child + index)
        statements = []
        for start in range(0, len(chosen), 500):
            ids = ",".join(str(i) for i in chosen[start:start + 500])
            statements.append("UPDATE child SET date_of_birth = NULL, birth_date_status = 'not_known' "
                              f"WHERE id IN ({ids})")
        return statements
