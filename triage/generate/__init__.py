"""Synthetic Front Door data at council and regional scale, bulk-loaded.

`generate()` draws a period of contacts and everything that follows them (see simulate.py),
with its own ids, and loads them with COPY on PostgreSQL or executemany on SQLite. Each run is
recorded in the audit trail (entity 'synthetic_data'): that row is how a second run knows the
database already holds generated data, and what period it covers. `--append` adds more history
before the earliest generated period, as of the same present, so the open workload stays the
same while history grows.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import time as wallclock
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import create_engine, inspect, select

from triage.clock import require_aware
from triage.database import configure_engine_events
from triage.extensions import db
from triage.generate import world
from triage.generate.followup_stages import FrontDoorRules
from triage.generate.presets import PRESETS, Preset
from triage.generate.record_stages import duplicate_slots
from triage.generate.simulate import COLUMNS, MEETING_TABLES, ORDER, Simulation, children_per_council
from triage.generate.sink import sink_for
from triage.models import AuditEvent
from triage.services.calendar import working_day_calendar
from triage.services.reference import ensure_agencies
from triage.services.unit_of_work import unit_of_work
from triage.settings import (
    clock_settings,
    contact_settings,
    front_door_settings,
    meeting_settings,
    step_down_settings,
)

MARKER_ENTITY = "synthetic_data"
ORG_TABLES = ("agency", "locality", "team", "user", "api_token", "pathway_rule")


class GenerateRefused(Exception):
    """Generation must not run here, or not like this."""


@dataclass(frozen=True)
class Run:
    preset: str
    contacts_per_year: int
    start: datetime
    end: datetime
    as_of: datetime
    seed: int


@dataclass
class GenerateResult:
    preset: Preset
    start: datetime
    end: datetime
    as_of: datetime
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def generated_runs() -> list[Run]:
    details = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.entity == MARKER_ENTITY,
                                                                 AuditEvent.action == "generate")).all()
    runs = []
    for detail in details:
        data = json.loads(detail)
        runs.append(Run(preset=data["preset"], contacts_per_year=int(data["contacts_per_year"]),
                        start=datetime.fromisoformat(data["start"]), end=datetime.fromisoformat(data["end"]),
                        as_of=datetime.fromisoformat(data["as_of"]), seed=int(data["seed"])))
    return runs


class _Ids:
    """The next free id of each table (read once, before anything is written)."""

    def __init__(self, sink, tables):
        self.next = {}
        for table in tables:
            [(found,)] = sink.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
            self.next[table] = int(found) + 1

    def __call__(self, table: str, n: int = 1) -> int:
        first = self.next[table]
        self.next[table] = first + n
        return first


class _Strided:
    """Ids for one council of `stride`: base + offset, then every stride-th id after it. Each
    council's ids depend only on the council, so the data are the same however many worker
    processes share the councils out."""

    def __init__(self, bases: dict[str, int], offset: int, stride: int):
        self.next = {table: base + offset for table, base in bases.items()}
        self.stride = stride

    def __call__(self, table: str, n: int = 1) -> int:
        if n != 1:
            raise ValueError("strided ids are handed out one at a time")
        found = self.next[table]
        self.next[table] = found + self.stride
        return found


def default_workers(councils: int) -> int:
    wanted = int(os.environ.get("TRIAGE_GENERATE_WORKERS", "0") or 0)
    return max(1, min(councils, wanted or (os.cpu_count() or 1)))


def generate(preset_name: str, years: float, *, now: datetime, seed: int = 1, append: bool = False,
             contacts_per_year: int | None = None, workers: int | None = None, mirrors: tuple[str, ...] = (),
             progress: Callable[[str, int], Callable[[int], None]] | None = None) -> GenerateResult:
    """Generate `years` of contacts ending at `now` (or, with append, before what is there).

    Councils are independent, so a region's councils are shared out between worker processes
    (`workers`, default: one per core), each loading through its own connection. `mirrors` are
    URLs of further databases, in the same state, that get the very same rows (the benchmark
    loads SQLite and PostgreSQL from one generation).
    """
    began = wallclock.perf_counter()
    preset = _preset_to_run(preset_name, years, contacts_per_year)
    now = require_aware(now, "now")
    start, end, as_of = _period(preset, years, now, append)

    with unit_of_work("agency"):
        ensure_agencies()
    settings, calendar = clock_settings(), working_day_calendar()
    rules = _front_door_rules()
    with_meetings = inspect(db.engine).has_table("meeting")
    db.session.close()  # the sinks write through their own connections; hold no locks here

    tables = [t for t in (*ORG_TABLES, *ORDER, "audit_event") if with_meetings or t not in MEETING_TABLES]
    mirror_engines = [create_engine(url) for url in mirrors]
    sink = sink_for(db.engine, db.metadata, mirror_engines)
    result = GenerateResult(preset=preset, start=start, end=end, as_of=as_of)
    try:
        for table in ORDER:
            if table in tables:
                sink.check_columns(table, COLUMNS[table])
        ids = _Ids(sink, tables)
        since = dict(ids.next)
        agencies_here = sorted(sink.execute("SELECT code, id FROM agency"))
        for mirror in getattr(sink, "sinks", [])[1:]:
            if _Ids(mirror, tables).next != ids.next or sorted(mirror.execute(
                    "SELECT code, id FROM agency")) != agencies_here:
                raise GenerateRefused("A mirror database must be in the same state as the main one")
        councils = world.build(sink, preset, ids, start, seed, meeting_settings().agencies)
        rules = replace(rules, routing=world.routing_rules(sink, ids, start, rules.meeting_types))
        agencies = dict(sink.execute("SELECT code, id FROM agency"))
        detail = json.dumps({"preset": preset.name, "contacts_per_year": preset.contacts_per_year,
                             "start": start.isoformat(), "end": end.isoformat(), "as_of": as_of.isoformat(),
                             "seed": seed, "years": years}, separators=(",", ":"))
        sink.write("audit_event", ("id", "at", "actor", "role", "action", "entity", "channel", "detail"),
                   [(ids("audit_event"), min(now, as_of), "cli:generate", "admin", "generate",
                     MARKER_ENTITY, "cli", detail)])
        per_council = children_per_council(preset, years)
        first_child = ids("child", per_council * len(councils))
        slots = duplicate_slots(per_council)
        first_duplicate = ids("child", slots * len(councils))
        bases = {table: ids.next[table] for table in ORDER if table in tables and table != "child"}
        existing_nhs = {row[0] for row in sink.execute(
            "SELECT nhs_number FROM child WHERE nhs_number LIKE '999%' "
            "AND (council_child_id IS NULL OR council_child_id NOT LIKE 'G%')")}
        taken = set()
        if with_meetings:
            taken = {(series, day if isinstance(day, date) else date.fromisoformat(day))
                     for series, day in sink.execute("SELECT series, meeting_date FROM meeting "
                                                     "WHERE series LIKE '%:%'")}
        sink.commit()
        plan = _Plan(preset=preset, councils=councils, start=start, end=end, as_of=as_of, seed=seed,
                     settings=settings, calendar=calendar, agencies=agencies, meetings=with_meetings,
                     existing_nhs=existing_nhs, taken=taken, bases=bases, first_child=first_child,
                     per_council=per_council, first_duplicate=first_duplicate, duplicate_slots=slots, rules=rules)
        days = (end - start).days + 1
        tick = progress("Generating", days * len(councils)) if progress else (lambda n: None)
        count = max(1, min(workers or default_workers(len(councils)), len(councils)))
        if count == 1:
            result.counts = _run_councils(plan, list(range(len(councils))), sink, tick)
        else:
            plan_urls[:] = [db.engine.url.render_as_string(hide_password=False),
                            *(e.url.render_as_string(hide_password=False) for e in mirror_engines)]
            for engine in mirror_engines:
                engine.dispose()
            result.counts = _run_in_processes(plan, count, tick)
        problems = sink.validate_foreign_keys(tables, since)
        if problems:
            raise RuntimeError("generated rows break foreign keys: " + "; ".join(problems))
        sink.finish(tables)
    except BaseException:
        sink.rollback()
        raise
    finally:
        sink.close()
        for engine in mirror_engines:
            engine.dispose()
    result.seconds = wallclock.perf_counter() - began
    return result


def _front_door_rules() -> FrontDoorRules:
    """The settings the follow-up stages need, read here where the app's configuration is."""
    step_down, front_door, meetings = step_down_settings(), front_door_settings(), meeting_settings()
    return FrontDoorRules(step_down_working_days=step_down.working_days,
                          step_down_warn_working_days=step_down.warn_working_days,
                          opens=front_door.opens, closes=front_door.closes,
                          signposting=tuple(contact_settings().signposting),
                          meeting_types=tuple(meetings.types.values()),
                          concern_categories=meetings.concern_categories)


def _preset_to_run(preset_name: str, years: float, contacts_per_year: int | None) -> Preset:
    if current_app.config.get("ENV_NAME") == "production":
        raise GenerateRefused("Refusing to generate synthetic data in production")
    if preset_name not in PRESETS:
        raise GenerateRefused(f"Unknown preset {preset_name!r}; choose one of {', '.join(PRESETS)}")
    if years <= 0:
        raise GenerateRefused("Give a positive number of years")
    return PRESETS[preset_name].scaled(contacts_per_year)


def _period(preset: Preset, years: float, now: datetime, append: bool) -> tuple[datetime, datetime, datetime]:
    """(start, end, as_of) of this run: up to now, or with append just before what is there."""
    runs = generated_runs()
    if runs and not append:
        raise GenerateRefused("This database already holds generated data "
                              f"({len(runs)} run(s), from {min(r.start for r in runs):%Y-%m-%d}); "
                              "use --append to add earlier history")
    if runs:
        if any(r.preset != preset.name or r.contacts_per_year != preset.contacts_per_year for r in runs):
            raise GenerateRefused("--append must use the same preset and size as the data already there")
        earliest = min(r.start for r in runs)
        as_of = max(r.as_of for r in runs)
        end = min(now, earliest)
    else:
        as_of = end = now
    return end - timedelta(days=round(365.25 * years)), end, as_of


@dataclass
class _Plan:
    """Everything a worker needs to generate its councils (inherited by forked processes)."""

    preset: Preset
    councils: list
    start: datetime
    end: datetime
    as_of: datetime
    seed: int
    settings: object
    calendar: object
    agencies: dict
    meetings: bool
    existing_nhs: set
    taken: set
    bases: dict
    first_child: int
    per_council: int
    first_duplicate: int
    duplicate_slots: int
    rules: FrontDoorRules


def _run_councils(plan: _Plan, indexes: list[int], sink, tick: Callable[[int], None]) -> dict[str, int]:
    counts: dict[str, int] = {}

    def emit(table: str, rows: list[tuple]) -> None:
        sink.write(table, COLUMNS[table], rows)

    for c in indexes:
        council = plan.councils[c]
        simulation = Simulation(preset=plan.preset, councils=[council], start=plan.start, end=plan.end,
                                as_of=plan.as_of, seed=plan.seed, settings=plan.settings, calendar=plan.calendar,
                                agencies=plan.agencies, next_id=_Strided(plan.bases, c, len(plan.councils)),
                                meetings=plan.meetings, existing_nhs=plan.existing_nhs,
                                taken_meeting_days=plan.taken, emit=emit, rules=plan.rules)
        simulation.make_children(plan.start, plan.first_child + c * plan.per_council, plan.per_council,
                                 plan.first_duplicate + c * plan.duplicate_slots, plan.duplicate_slots)
        sink.commit()
        original_flush = simulation.flush

        def flush_and_commit(original=original_flush) -> None:
            original()
            sink.commit()

        simulation.flush = flush_and_commit
        simulation.run(tick)
        for statement in simulation.closing_statements():
            sink.execute(statement)
        sink.commit()
        for table, n in simulation.counts.items():
            counts[table] = counts.get(table, 0) + n
    return counts


def _worker(plan: _Plan, indexes: list[int], done, results) -> None:
    """A forked worker: its own engine and connection, its share of the councils."""
    configure_engine_events()
    engines = [create_engine(url) for url in plan_urls]
    sink = sink_for(engines[0], db.metadata, engines[1:])
    try:
        def tick(n: int) -> None:
            with done.get_lock():
                done.value += n

        counts = _run_councils(plan, indexes, sink, tick)
        results.put(("ok", counts))
    except BaseException as exc:  # reported to the parent, which fails the run
        sink.rollback()
        results.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        sink.close()
        for engine in engines:
            engine.dispose()


plan_urls: list[str] = []  # set by the parent before it forks


def _run_in_processes(plan: _Plan, count: int, tick: Callable[[int], None]) -> dict[str, int]:
    db.engine.dispose()  # no pooled connection may cross the fork
    context = multiprocessing.get_context("fork")
    done = context.Value("q", 0)
    results = context.Queue()
    shares = [list(range(len(plan.councils)))[k::count] for k in range(count)]
    processes = [context.Process(target=_worker, args=(plan, share, done, results), daemon=True)
                 for share in shares]
    for process in processes:
        process.start()
    counts: dict[str, int] = {}
    finished, errors, reported = 0, [], 0
    try:
        while finished < len(processes):
            try:
                status, payload = results.get(timeout=0.5)
            except Exception:  # queue.Empty: report progress and keep waiting
                if not any(p.is_alive() for p in processes) and results.empty():
                    errors.append("a worker process died")
                    break
            else:
                finished += 1
                if status == "ok":
                    for table, n in payload.items():
                        counts[table] = counts.get(table, 0) + n
                else:
                    errors.append(payload)
            value = done.value
            tick(value - reported)
            reported = value
            wallclock.sleep(0)
    finally:
        for process in processes:
            process.join(timeout=60)
    if errors:
        raise RuntimeError("generation failed in a worker: " + "; ".join(errors))
    return counts


__all__ = ["GenerateRefused", "GenerateResult", "PRESETS", "generate", "generated_runs"]
