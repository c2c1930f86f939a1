"""Statutory returns: the CIN census and Ofsted's Annex A for a generated council.

Targets on PostgreSQL: census < 10 s, Annex A < 5 s for a council with two years of history,
each beside the raw SQL that reads the same rows, and memory flat as history grows (the peak
Python allocation, traced in a separate untimed pass, for the history and for twice it).

    .venv/bin/python bench/run.py --only returns [--quick]
"""
from __future__ import annotations

import tempfile
import time
import tracemalloc
from datetime import date

from sqlalchemy import text

CENSUS_RAW = """
SELECT r.id, r.child_id, r.referral_date, r.source_code, r.primary_need, r.nfa, r.closed_on, r.closure_reason,
       a.started_on, a.authorised_on, a.factors, c.council_child_id, c.upn, c.date_of_birth, c.sex, c.ethnicity,
       c.disabilities
FROM referral r JOIN child c ON c.id = r.child_id LEFT JOIN assessment a ON a.referral_id = r.id
WHERE r.child_id IN (SELECT DISTINCT child_id FROM referral
                     WHERE referral_date <= :end AND (referral_date >= :start OR closed_on IS NULL
                                                      OR closed_on >= :start))
  AND r.referral_date <= :end;
SELECT s.referral_id, s.s47_started_on, s.icpc_due_date, s.icpc_held_on, s.plan_start_date
FROM strategy_discussion s
WHERE s.s47_started_on IS NOT NULL AND s.child_id IN (
    SELECT DISTINCT child_id FROM referral WHERE referral_date <= :end
      AND (referral_date >= :start OR closed_on IS NULL OR closed_on >= :start))
"""

ANNEX_RAW = """
SELECT c.council_child_id, c.sex, c.ethnicity, c.date_of_birth, k.received_at, k.source_code
FROM contact k JOIN contact_child cc ON cc.contact_id = k.id JOIN child c ON c.id = cc.child_id
WHERE k.received_at >= :contacts_from AND k.received_at < :end_at;
SELECT c.council_child_id, r.referral_date, r.source_code, r.nfa,
       (SELECT count(*) FROM referral e WHERE e.child_id = r.child_id AND e.referral_date <= r.referral_date
          AND e.referral_date > r.referral_date - interval '12 months')
FROM referral r JOIN child c ON c.id = r.child_id WHERE r.referral_date >= :others_from AND r.referral_date <= :as_of;
SELECT c.council_child_id, a.started_on, a.child_seen_on, a.authorised_on, a.needs_support
FROM assessment a JOIN child c ON c.id = a.child_id
WHERE a.started_on IS NOT NULL AND a.started_on <= :as_of
  AND (a.started_on >= :others_from OR a.authorised_on IS NULL OR a.authorised_on >= :others_from);
SELECT c.council_child_id, s.s47_started_on, s.icpc_held_on,
       (SELECT count(*) FROM strategy_discussion o WHERE o.child_id = s.child_id AND o.s47_started_on IS NOT NULL
          AND o.s47_started_on <= s.s47_started_on AND o.s47_started_on > s.s47_started_on - interval '12 months'),
       (SELECT count(*) FROM strategy_discussion o WHERE o.child_id = s.child_id AND o.icpc_held_on IS NOT NULL
          AND o.icpc_held_on <= s.s47_started_on AND o.icpc_held_on > s.s47_started_on - interval '12 months')
FROM strategy_discussion s JOIN child c ON c.id = s.child_id
WHERE s.s47_started_on >= :others_from AND s.s47_started_on <= :as_of
"""


def _raw(app, sql: str, params: dict) -> tuple[float, int]:
    from triage.extensions import db

    with app.app_context():
        began = time.perf_counter()
        rows = 0
        with db.engine.connect() as conn:
            for statement in sql.split(";"):
                if statement.strip():
                    rows += len(conn.execute(text(statement), params).all())
        return time.perf_counter() - began, rows


def _timed(app, fn) -> tuple[float, float, object]:
    """Wall time and this process's CPU time (the machine may be shared: CPU shows the work)."""
    with app.app_context():
        began, cpu = time.perf_counter(), time.process_time()
        result = fn()
        return time.perf_counter() - began, time.process_time() - cpu, result


def _peak_mb(app, fn) -> float:
    with app.app_context():
        tracemalloc.start()
        try:
            fn()
            return tracemalloc.get_traced_memory()[1] / 1e6
        finally:
            tracemalloc.stop()


def measure(app, now, year: int, as_of: date) -> dict:
    from triage.domain.annex_a import months_before
    from triage.domain.roles import Role
    from triage.services import annex_a, cin_census
    from triage.services.actor import Actor
    from triage.services.annex_a import _start_of

    actor = Actor(role=Role.PERFORMANCE, label="bench", channel="cli")

    def census():
        with tempfile.TemporaryFile() as out:
            index = cin_census.write_census(actor, now, year, out)
            return index, out.tell()

    def annex():
        with tempfile.TemporaryFile() as out:
            summary = annex_a.write_annex_a(actor, now, out, as_of)
            return summary, out.tell()

    census_s, census_cpu, (index, census_bytes) = _timed(app, census)
    annex_s, annex_cpu, (summary, annex_bytes) = _timed(app, annex)
    start, end = date(year - 1, 4, 1), date(year, 3, 31)
    raw_census_s, raw_census_rows = _raw(app, CENSUS_RAW, {"start": start, "end": end})
    raw_annex_s, raw_annex_rows = _raw(app, ANNEX_RAW, {
        "contacts_from": _start_of(months_before(as_of, 6)), "end_at": _start_of(date.fromordinal(as_of.toordinal() + 1)),
        "others_from": months_before(as_of, 12), "as_of": as_of})
    return {
        "census_s": census_s, "census_cpu_s": census_cpu, "census_children": index.children, "census_episodes": index.episodes,
        "census_mb_file": census_bytes / 1e6, "census_raw_sql_s": raw_census_s, "census_raw_rows": raw_census_rows,
        "census_ratio_to_raw": census_s / raw_census_s if raw_census_s else None,
        "census_peak_mb": _peak_mb(app, census),
        "annex_s": annex_s, "annex_cpu_s": annex_cpu, "annex_rows": sum(summary.rows.values()), "annex_mb_file": annex_bytes / 1e6,
        "annex_raw_sql_s": raw_annex_s, "annex_raw_rows": raw_annex_rows,
        "annex_ratio_to_raw": annex_s / raw_annex_s if raw_annex_s else None,
        "annex_peak_mb": _peak_mb(app, annex),
    }


def bench_returns(dbs, quick: bool) -> dict:
    from bench.run import NOW, knob, make_app, say
    from triage.domain.census import census_year_for
    from triage.generate import PRESETS, generate

    years = float(knob("BENCH_COUNCIL_YEARS", quick))
    url = dbs.urls("returns_council")["postgresql"]
    app = make_app(url, CHILD_POPULATION=PRESETS["council"].population)
    as_of = NOW.date()
    # The last complete collection year: every referral and closure in it is history.
    year = census_year_for(as_of) - 1
    entry: dict = {"years": years, "census_year": year, "annex_as_of": as_of.isoformat()}
    for phase, append in (("history", False), ("doubled", True)):
        say(f"returns/council: generating {years:g} year(s){' more' if append else ''} into PostgreSQL ...")
        with app.app_context():
            made = generate("council", years, now=NOW, seed=7, append=append)
        figures = measure(app, NOW, year, as_of)
        entry[phase] = {"rows_generated": made.rows, **figures}
        say(f"  {phase:8} census {figures['census_s']:6.2f} s, CPU {figures['census_cpu_s']:5.2f} s ({figures['census_children']:,} children, "
            f"{figures['census_episodes']:,} episodes, {figures['census_mb_file']:.1f} MB) raw SQL "
            f"{figures['census_raw_sql_s']:5.2f} s ratio {figures['census_ratio_to_raw']:.1f}; peak "
            f"{figures['census_peak_mb']:.1f} MB")
        say(f"  {phase:8} Annex A {figures['annex_s']:5.2f} s, CPU {figures['annex_cpu_s']:5.2f} s ({figures['annex_rows']:,} rows, "
            f"{figures['annex_mb_file']:.1f} MB) raw SQL {figures['annex_raw_sql_s']:5.2f} s ratio "
            f"{figures['annex_ratio_to_raw']:.1f}; peak {figures['annex_peak_mb']:.1f} MB")
    with app.app_context():
        from triage.extensions import db
        db.engine.dispose()
    return entry
