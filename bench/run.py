"""The benchmark suite: figures and ratios, on SQLite and PostgreSQL, side by side.

    make bench                          # everything (about 20 minutes on two cores)
    .venv/bin/python bench/run.py --quick         # a smaller run in a few minutes
    .venv/bin/python bench/run.py --only sweep    # report | sweep | intake | reads | audit | returns (comma separated)

PostgreSQL is a throwaway cluster started as tests/support/postgres.py starts it; SQLite is a
file in a temporary folder. Figures are printed and written to bench/results/latest.json
(gitignored); nothing else is changed. Knobs are environment variables (see KNOBS below and
bench/README.md).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.postgres import create_database, throwaway_cluster  # noqa: E402

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # a Friday morning, after the report time
RESULTS = ROOT / "bench" / "results" / "latest.json"
BACKENDS = ("sqlite", "postgresql")

# name: (full run, --quick run, what it is)
KNOBS = {
    "BENCH_COUNCIL_YEARS": ("2", "1", "years of council history, doubled for the growth figure"),
    "BENCH_REGION_YEARS": ("0.5", "0.25", "years of region history, doubled for the growth figure"),
    "BENCH_REPEATS": ("5", "3", "report builds timed (the median is reported)"),
    "BENCH_SWEEP_CLOCKS": ("1000000", "200000", "running clocks for the sweep"),
    "BENCH_SWEEP_SQLITE_CLOCKS": ("1000000", "200000", "running clocks for the sweep on SQLite"),
    "BENCH_SWEEP_DUE_FRACTION": ("0.02", "0.02", "share of running clocks newly due soon or breached"),
    "BENCH_BASELINE_SAMPLE": ("10000", "2000", "clocks the row-by-row baseline handles (extrapolated)"),
    "BENCH_INTAKE_WORKERS": ("4", "4", "gunicorn worker processes"),
    "BENCH_INTAKE_CLIENTS": ("16", "8", "concurrent client threads"),
    "BENCH_INTAKE_SECONDS": ("20", "6", "seconds of load per endpoint (after a warm-up)"),
    "BENCH_INTAKE_MAX": ("20000", "3000", "most requests sent per endpoint"),
    "BENCH_PRESETS": ("council,region", "council,region", "presets for the report figures"),
    "BENCH_READS_MORNINGS": ("250", "250", "stored mornings for the report history figure"),
    "BENCH_READS_MORNING_KB": ("1000", "300", "size of each stored past morning's content (kB of JSON)"),
    "BENCH_READS_REPEATS": ("41", "15", "requests timed per read figure (the median is reported)"),
    "BENCH_AUDIT_ROWS": ("2000000", "200000", "audit rows around a child's trail"),
    "BENCH_SHEET_PRESETS": ("council", "council", "presets also recalculated by LibreOffice (WORKDAY/NETWORKDAYS)"),
    "BENCH_DOUBLING": ("1", "1", "1: generate the history again and build again (the growth figure); 0: skip it"),
}


def knob(name: str, quick: bool) -> str:
    full, fast, _ = KNOBS[name]
    return os.environ.get(name, fast if quick else full)


def say(message: str) -> None:
    print(message, flush=True)


# ------------------------------------------------------------------ databases and apps

def make_app(url: str, **config):
    from triage.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "development",
                      "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789", **config})
    with app.app_context():
        from flask_migrate import upgrade

        from triage.services.reference import ensure_agencies
        upgrade()
        ensure_agencies()
    return app


class Databases:
    """One SQLite file and one PostgreSQL database per name, on the run's cluster."""

    def __init__(self, admin_url: str, folder: str):
        self.admin_url, self.folder = admin_url, folder

    def urls(self, name: str) -> dict[str, str]:
        return {"sqlite": f"sqlite:///{os.path.join(self.folder, name + '.sqlite')}",
                "postgresql": create_database(self.admin_url, name)}


def machine() -> dict:
    import sqlite3

    memory = None
    try:
        with open("/proc/meminfo") as f:
            memory = f.readline().split()[1] + " kB"
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "memory": memory, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
            "loadavg_at_start": os.getloadavg()}


def pg_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


# ------------------------------------------------------------------ the morning report

@contextmanager
def captured_statements(engine):
    """Every statement (and its parameters) sent through the engine meanwhile."""
    from sqlalchemy import event

    seen: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def time_report(app, repeats: int) -> dict:
    """build_text(NOW), the report as it is stored and served, timed; and the same SQL replayed
    raw through the same connection."""
    from triage.extensions import db
    from triage.services.report.build import build_text

    with app.app_context():
        text = build_text(NOW)  # warm: caches, the holiday calendar, the calendar table, the buffer pool
        db.session.commit()  # keep the calendar table if the warm-up had to fill it
        content = json.loads(text)
        with captured_statements(db.engine) as statements:
            build_text(NOW)
        db.session.rollback()
        builds = []
        for _ in range(repeats):
            began = time.perf_counter()
            build_text(NOW)
            builds.append(time.perf_counter() - began)
            db.session.rollback()
        # The floor: the very statements the report sent, with their parameters, through the
        # DBAPI cursor of the same connection, every row fetched, nothing shaped in Python.
        raw = []
        connection = db.session.connection().connection.dbapi_connection
        slowest = {}
        for _ in range(repeats):
            began = time.perf_counter()
            rows = 0
            cursor = connection.cursor()
            for statement, parameters in statements:
                one = time.perf_counter()
                cursor.execute(statement, parameters)
                rows += len(cursor.fetchall()) if cursor.description else 0
                key = " ".join(statement.split())[:90]
                slowest[key] = min(slowest.get(key, 1e9), time.perf_counter() - one)
            cursor.close()
            raw.append(time.perf_counter() - began)
        db.session.rollback()
        top = sorted(slowest.items(), key=lambda kv: -kv[1])[:5]
    sizes = {key: len(content[key]) for key in ("needs_action", "awaiting_decision", "allocated_cases", "strategy")}
    return {"build_s": statistics.median(builds), "build_min_s": min(builds),
            "raw_sql_s": statistics.median(raw), "ratio_to_raw": statistics.median(builds) / statistics.median(raw),
            "queries": len(statements), "rows_read": rows, "sections": sizes,
            "slowest_statements_ms": [[round(t * 1000, 1), sql] for sql, t in top],
            "bytes": len(text), "loadavg": os.getloadavg()}


def time_spreadsheet(app, repeats: int) -> dict:
    """LibreOffice recalculating the same open cases (bench/spreadsheet.py), start-up excluded."""
    from sqlalchemy import select

    from bench.spreadsheet import time_spreadsheet as recalculate
    from triage.extensions import db
    from triage.models import Assessment, Referral
    from triage.services.calendar import working_day_calendar

    with app.app_context():
        cases = db.session.execute(select(Referral.referral_date, Assessment.authorised_on)
                                   .join(Assessment, Assessment.referral_id == Referral.id)
                                   .where(Referral.closed_at.is_(None))
                                   .order_by(Assessment.due_date, Referral.id)).all()
        closed = list(working_day_calendar().non_working_weekdays)
        due = [d.isoformat() for d in db.session.scalars(
            select(Assessment.due_date).join(Referral, Assessment.referral_id == Referral.id)
            .where(Referral.closed_at.is_(None)).order_by(Assessment.due_date, Referral.id))]
        db.session.rollback()
    figures = recalculate([tuple(c) for c in cases], closed, NOW.date(), repeats)
    if "due_dates" in figures:
        # The spreadsheet writes dates as serial numbers (days since 30 Dec 1899).
        from datetime import date as _date
        serial = [(_date(1899, 12, 30) + timedelta(days=int(float(v)))).isoformat() if v else None
                  for v in figures.pop("due_dates")]
        figures["due_dates_agree"] = sum(a == b for a, b in zip(serial, due, strict=False))
    figures["loadavg"] = os.getloadavg()
    return figures


def table_counts(app) -> dict:
    from sqlalchemy import text

    from triage.extensions import db

    with app.app_context():
        return {t: db.session.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()
                for t in ("contact", "referral", "assessment", "clock", "clock_event")}


def bench_report(dbs: Databases, quick: bool) -> dict:
    from triage.generate import PRESETS, generate

    results = {}
    repeats = int(knob("BENCH_REPEATS", quick))
    for preset in knob("BENCH_PRESETS", quick).split(","):
        years = float(knob(f"BENCH_{preset.upper()}_YEARS", quick))
        urls = dbs.urls(f"report_{preset}")
        config = {"CHILD_POPULATION": PRESETS[preset].population}
        apps = {backend: make_app(url, **config) for backend, url in urls.items()}
        entry = {"years": years, "doubled_years": 2 * years}
        phases = (("history", False), ("doubled", True)) if knob("BENCH_DOUBLING", quick) != "0" else (("history", False),)
        for phase, append in phases:
            say(f"report/{preset}: generating {years:g} year(s){' more' if append else ''} into both databases ...")
            with apps["postgresql"].app_context():
                made = generate(preset, years, now=NOW, seed=7, append=append, mirrors=(urls["sqlite"],))
            entry[f"generate_{phase}"] = {"rows": made.rows, "seconds": made.seconds,
                                          "rows_per_s": made.rows / made.seconds, "contacts": made.counts["contact"]}
            say(f"  {made.rows:,} rows ({made.counts['contact']:,} contacts) in {made.seconds:.0f} s "
                f"= {made.rows / made.seconds:,.0f} rows/s into both")
            for backend, app in apps.items():
                figures = time_report(app, repeats)
                figures["rows"] = table_counts(app)
                entry.setdefault(backend, {})[phase] = figures
                say(f"  {backend:10} {phase:8} report {figures['build_s'] * 1000:8.0f} ms  raw SQL "
                    f"{figures['raw_sql_s'] * 1000:7.0f} ms  ratio {figures['ratio_to_raw']:.2f}  "
                    f"({figures['queries']} queries, {figures['sections']['allocated_cases']:,} open cases, "
                    f"{figures['sections']['awaiting_decision']:,} awaiting decision)")
            if phase == "history" and preset in knob("BENCH_SHEET_PRESETS", quick).split(","):
                sheet = time_spreadsheet(apps["postgresql"], repeats)
                entry["spreadsheet"] = sheet
                if "recalculation_s" in sheet:
                    build = entry["postgresql"]["history"]["build_s"]
                    say(f"  LibreOffice recalculating {sheet['cases']:,} cases: {sheet['recalculation_s'] * 1000:.0f} ms "
                        f"above start-up ({sheet['empty_s'] * 1000:.0f} ms); PostgreSQL build {build * 1000:.0f} ms "
                        f"= x{build / sheet['recalculation_s']:.2f} of the spreadsheet; "
                        f"{sheet['due_dates_agree']:,} due dates agree")
                else:
                    say(f"  spreadsheet: {sheet['skipped']}")
        for backend in BACKENDS if len(phases) == 2 else ():
            first, second = entry[backend]["history"]["build_s"], entry[backend]["doubled"]["build_s"]
            entry[backend]["growth_ratio"] = second / first
            say(f"  {backend:10} doubling the history: x{second / first:.2f}")
        results[preset] = entry
        for app in apps.values():
            with app.app_context():
                from triage.extensions import db
                db.engine.dispose()
    return results


# ------------------------------------------------------------------ the clock sweep

SWEEP_SETUP_PG = """
INSERT INTO "user" (id, username, display_name, password_hash, role, active, failed_logins, created_at, version,
                    manager_id)
SELECT g, 'bench.worker.' || g, 'Worker ' || g, '!', 'practitioner', true, 0, :now, 1,
       CASE WHEN g > 10 THEN 1 + g % 10 END
FROM generate_series(1, 110) g;
INSERT INTO clock (id, kind, subject, subject_id, started_at, due_at, warn_at, state, owner_id, breached_at)
SELECT g, 'assessment', 'assessment', g, :now - interval '10 days',
       CASE WHEN g % 1000 < :breach THEN :now - (g % 997) * interval '1 minute'
            WHEN g % 1000 < :breach + :warn THEN :now + (1 + g % 97) * interval '1 minute'
            WHEN g % 1000 < :breach + :warn + 30 THEN :now - interval '3 days'
            ELSE :now + (1 + g % 30) * interval '1 day' END,
       CASE WHEN g % 1000 < :breach THEN :now - interval '1 day'
            WHEN g % 1000 < :breach + :warn THEN :now - (g % 59) * interval '1 minute'
            WHEN g % 1000 < :breach + :warn + 30 THEN :now - interval '4 days'
            ELSE :now + (g % 30) * interval '1 day' + interval '1 hour' END,
       CASE WHEN g % 1000 >= :breach + :warn AND g % 1000 < :breach + :warn + 30 THEN 'breached' ELSE 'running' END,
       CASE WHEN g % 2 = 0 THEN 11 + g % 100 END,
       CASE WHEN g % 1000 >= :breach + :warn AND g % 1000 < :breach + :warn + 30 THEN :now - interval '3 days' END
FROM generate_series(1, :n) g;
INSERT INTO clock_event (clock_id, kind, at, recorded_at)
SELECT id, 'breached', due_at, due_at FROM clock WHERE state = 'breached';
SELECT setval(pg_get_serial_sequence('clock', 'id'), :n + 1, false);
SELECT setval(pg_get_serial_sequence('user', 'id'), 111, false);
"""


def sweep_setup(app, n: int, fraction: float) -> dict:
    """n running clocks: `fraction` newly due (half breached, half due soon), 3% breached earlier
    (events recorded, still running), the rest due in the coming weeks; half have owners."""
    from sqlalchemy import text

    from triage.extensions import db

    per_mille = max(2, round(fraction * 1000))
    params = {"n": n, "breach": per_mille // 2, "warn": per_mille - per_mille // 2}
    with app.app_context():
        dialect = db.engine.dialect.name
        began = time.perf_counter()
        if dialect == "postgresql":
            for statement in SWEEP_SETUP_PG.split(";\n"):
                if statement.strip():
                    db.session.execute(text(statement), {**params, "now": NOW})
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE clock")
                conn.exec_driver_sql("VACUUM ANALYZE clock_event")
        else:
            _sqlite_sweep_setup(db, params)
        seconds = time.perf_counter() - began
        running = db.session.execute(text("SELECT count(*) FROM clock WHERE stopped_at IS NULL")).scalar_one()
    return {"running_clocks": running, "setup_s": seconds}


def _sqlite_sweep_setup(db, params) -> None:
    """The same clocks on SQLite, built in Python (SQLite has no generate_series here)."""
    from triage.generate.sink import _sqlite_instant

    raw = db.engine.raw_connection()
    cursor = raw.cursor()
    stamp = _sqlite_instant(NOW)
    cursor.executemany('INSERT INTO "user" (id, username, display_name, password_hash, role, active, failed_logins, '
                       'created_at, version, manager_id) VALUES (?, ?, ?, ?, ?, 1, 0, ?, 1, ?)',
                       [(g, f"bench.worker.{g}", f"Worker {g}", "!", "practitioner", stamp,
                         (1 + g % 10) if g > 10 else None) for g in range(1, 111)])
    b, w = params["breach"], params["warn"]
    minute, day = timedelta(minutes=1), timedelta(days=1)

    def rows():
        for g in range(1, params["n"] + 1):
            m = g % 1000
            if m < b:
                due, warn, state = NOW - (g % 997) * minute, NOW - day, "running"
            elif m < b + w:
                due, warn, state = NOW + (1 + g % 97) * minute, NOW - (g % 59) * minute, "running"
            elif m < b + w + 30:
                due, warn, state = NOW - 3 * day, NOW - 4 * day, "breached"
            else:
                due = NOW + (1 + g % 30) * day
                warn, state = NOW + (g % 30) * day + timedelta(hours=1), "running"
            yield (g, "assessment", "assessment", g, _sqlite_instant(NOW - 10 * day), _sqlite_instant(due),
                   _sqlite_instant(warn), state, 11 + g % 100 if g % 2 == 0 else None,
                   _sqlite_instant(due) if state == "breached" else None)

    cursor.executemany("INSERT INTO clock (id, kind, subject, subject_id, started_at, due_at, warn_at, state, "
                       "owner_id, breached_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())
    cursor.execute("INSERT INTO clock_event (clock_id, kind, at, recorded_at) "
                   "SELECT id, 'breached', due_at, due_at FROM clock WHERE state = 'breached'")
    raw.commit()
    cursor.execute("ANALYZE")
    raw.commit()
    raw.close()


def row_by_row_baseline(app, sample: int, total: int) -> dict:
    """The naive sweep: a Python loop over running clocks, one SELECT per clock and an INSERT /
    UPDATE for each that is due, with the owner and manager told. Timed on `sample` clocks
    spread through the table, extrapolated to all of them, then rolled back."""
    from sqlalchemy import text

    from triage.extensions import db

    with app.app_context():
        step = max(1, total // sample)
        ids = list(range(1, total + 1, step))[:sample]
        session = db.session
        began = time.perf_counter()
        events = 0
        for ident in ids:
            row = session.execute(text("SELECT id, due_at, warn_at, state, owner_id FROM clock "
                                       "WHERE id = :id AND stopped_at IS NULL"), {"id": ident}).first()
            if row is None:
                continue
            due_at, warn_at = _aware(row.due_at), _aware(row.warn_at)
            kind = "breached" if due_at < NOW else "due_soon" if warn_at <= NOW else None
            if kind is None:
                continue
            if session.execute(text("SELECT 1 FROM clock_event WHERE clock_id = :id AND kind = :kind"),
                               {"id": ident, "kind": kind}).first():
                continue
            event_id = session.execute(text("INSERT INTO clock_event (clock_id, kind, at, recorded_at) "
                                            "VALUES (:id, :kind, :at, :now) RETURNING id"),
                                       {"id": ident, "kind": kind, "at": due_at if kind == "breached" else warn_at,
                                        "now": NOW}).scalar_one()
            events += 1
            session.execute(text("UPDATE clock SET state = :state WHERE id = :id"),
                            {"state": "breached" if kind == "breached" else "due_soon", "id": ident})
            if row.owner_id:
                manager = session.execute(text('SELECT manager_id FROM "user" WHERE id = :id'),
                                          {"id": row.owner_id}).scalar()
                for user_id in (row.owner_id, manager):
                    if user_id:
                        session.execute(text("INSERT INTO notification (user_id, clock_event_id, created_at, "
                                             "message) VALUES (:u, :e, :now, 'bench')"),
                                        {"u": user_id, "e": event_id, "now": NOW})
        seconds = time.perf_counter() - began
        session.rollback()
    return {"sample": len(ids), "sample_s": seconds, "events_in_sample": events,
            "extrapolated_s": seconds * total / max(1, len(ids))}


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def bench_sweep(dbs: Databases, quick: bool) -> dict:
    from triage.services.sweep import sweep_clocks

    results = {}
    fraction = float(knob("BENCH_SWEEP_DUE_FRACTION", quick))
    urls = dbs.urls("sweep")
    for backend in BACKENDS:
        n = int(knob("BENCH_SWEEP_CLOCKS" if backend == "postgresql" else "BENCH_SWEEP_SQLITE_CLOCKS", quick))
        app = make_app(urls[backend])
        say(f"sweep/{backend}: {n:,} running clocks ...")
        entry = sweep_setup(app, n, fraction)
        entry["baseline"] = row_by_row_baseline(app, int(knob("BENCH_BASELINE_SAMPLE", quick)), n)
        with app.app_context():
            from triage.extensions import db
            began = time.perf_counter()
            first = sweep_clocks(NOW)
            entry["sweep_s"] = time.perf_counter() - began
            entry["recorded"] = {"breaches": first.breaches, "warnings": first.warnings,
                                 "notifications": first.notifications}
            began = time.perf_counter()
            again = sweep_clocks(NOW + timedelta(seconds=30))
            entry["steady_sweep_s"] = time.perf_counter() - began
            entry["steady_recorded"] = again.breaches + again.warnings
            db.engine.dispose()
        entry["ratio_baseline_to_sweep"] = entry["baseline"]["extrapolated_s"] / entry["sweep_s"]
        say(f"  one sweep {entry['sweep_s']:.2f} s ({first.breaches:,} breaches, {first.warnings:,} warnings, "
            f"{first.notifications:,} notifications); steady-state sweep {entry['steady_sweep_s'] * 1000:.0f} ms")
        say(f"  row-by-row baseline: {entry['baseline']['sample']:,} clocks in {entry['baseline']['sample_s']:.2f} s,"
            f" extrapolated to {n:,}: {entry['baseline']['extrapolated_s']:.0f} s "
            f"(x{entry['ratio_baseline_to_sweep']:.0f} the set-based sweep)")
        results[backend] = entry
    return results


# ------------------------------------------------------------------ intake over HTTP

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(target: str, url: str, workers: int, extra_path: str | None = None):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "TRIAGE_SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
           "TRIAGE_ENV_NAME": "development", "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), extra_path]))}
    command = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--bind",
               f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60", target]
    process = subprocess.Popen(command, cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError("gunicorn stopped: " + process.stderr.read().decode()[-2000:]) from None
                time.sleep(0.2)
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


_BODY_NUMBERS = itertools.count(1)  # every body new across loads: the warm-up's are not replayed as retries


def load(port: str, path: str, body_for, headers: dict, clients: int, seconds: float, limit: int) -> dict:
    """`clients` threads posting as fast as answers come back, until `limit` requests or `seconds`."""
    import http.client

    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    counter = {"sent": 0}
    stop_at = time.monotonic() + seconds

    def client(k: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            with lock:
                if counter["sent"] >= limit:
                    return
                counter["sent"] += 1
                n = next(_BODY_NUMBERS)
            payload = json.dumps(body_for(n)).encode()
            began = time.perf_counter()
            try:
                connection.request("POST", path, body=payload, headers={**headers, "Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()  # http.client opens a fresh connection for the next request
                status = 0
            elapsed = time.perf_counter() - began
            with lock:
                if status in (200, 201):
                    latencies.append(elapsed)
                else:
                    failures.append(status)

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    wall = time.perf_counter() - began
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")

    return {"requests": len(latencies), "failures": len(failures), "failure_statuses": sorted(set(failures))[:5],
            "seconds": wall, "per_s": len(latencies) / wall, "p50_ms": pct(0.50) * 1000, "p99_ms": pct(0.99) * 1000}


def contact_body(n: int) -> dict:
    names = ("Ava", "Noah", "Mia", "Leo", "Isla", "Theo", "Ruby", "Kai")
    return {"channel": "police_notification", "source_code": "6", "concern": "Domestic abuse incident; children present",
            "police_incident_reference": f"BENCH/{n:08d}", "partner_reference": f"BENCH-{n}-{os.getpid()}",
            "consent": "not_sought", "consent_not_sought_reason": "prejudice_investigation", "dash_risk": "medium",
            "children": [{"child": {"first_name": names[n % len(names)], "last_name": f"Bench{n}", "sex": "female",
                                    "date_of_birth": f"201{n % 10}-0{1 + n % 9}-1{n % 10}"}}]}


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes (Linux /proc), so that a figure can be told apart
    from what other processes on a shared machine took."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


def _postgres_pids(url: str) -> list[int]:
    port = url.rsplit(":", 1)[1].split("/")[0]
    masters = [int(p) for p in subprocess.run(["pgrep", "-f", "--", f"-p {port} "], capture_output=True,
                                              text=True).stdout.split()]
    return masters + [c for m in masters for c in _children(m)]


def in_process_intake(app, secret: str, n: int) -> dict:
    """One process, no contention: CPU per contact (Flask test client) and statements sent."""
    from sqlalchemy import event

    from triage.extensions import db

    client, headers = app.test_client(), {"Authorization": f"Bearer {secret}"}
    for _ in range(20):  # warm: imports, the token and the calendar in hand, statements compiled
        client.post("/api/v1/contacts", json=contact_body(next(_BODY_NUMBERS)), headers=headers)
    with app.app_context():
        engine = db.engine
    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    cpu, wall = time.process_time(), time.perf_counter()
    ok = sum(client.post("/api/v1/contacts", json=contact_body(next(_BODY_NUMBERS)), headers=headers).status_code == 201
             for _ in range(n))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    event.remove(engine, "before_cursor_execute", listener)
    return {"contacts": ok, "cpu_ms_per_contact": cpu / n * 1000, "wall_ms_per_contact": wall / n * 1000,
            "statements_per_contact": len(statements) / n}


def bench_intake(dbs: Databases, quick: bool) -> dict:
    from sqlalchemy import text

    from triage.services import people

    workers = int(knob("BENCH_INTAKE_WORKERS", quick))
    clients = int(knob("BENCH_INTAKE_CLIENTS", quick))
    seconds = float(knob("BENCH_INTAKE_SECONDS", quick))
    limit = int(knob("BENCH_INTAKE_MAX", quick))
    urls = dbs.urls("intake")
    results = {"gunicorn_workers": workers, "clients": clients}
    for backend in BACKENDS:
        app = make_app(urls[backend])
        with app.app_context():
            from triage.extensions import db
            _, secret = people.create_token(datetime.now(UTC), "bench police feed", "partner", "police")
            serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if backend == "sqlite" else "BIGSERIAL PRIMARY KEY"
            db.session.execute(text(f"CREATE TABLE bench_insert (id {serial}, body TEXT, "
                                    "created_at TIMESTAMP WITH TIME ZONE)"))
            db.session.commit()
        entry = {"in_process": in_process_intake(app, secret, 200 if quick else 500)}
        say(f"intake/{backend}/in one process: {entry['in_process']['cpu_ms_per_contact']:.2f} ms CPU and "
            f"{entry['in_process']['statements_per_contact']:.1f} statements per contact")
        with app.app_context():
            db.engine.dispose()
        for name, target, path, headers, extra in (
                ("api", "wsgi:app", "/api/v1/contacts", {"Authorization": f"Bearer {secret}"}, None),
                ("bare", "bare_app:app", "/", {}, str(ROOT / "bench"))):
            say(f"intake/{backend}/{name}: {clients} clients, {workers} gunicorn workers, {seconds:g} s ...")
            with gunicorn(target, urls[backend], workers, extra) as (port, server):
                load(port, path, contact_body, headers, clients, 2.0, 200)  # warm-up: imports, pools
                parties = {"server": _children(server.pid),
                           "postgresql": _postgres_pids(urls[backend]) if backend == "postgresql" else []}
                before = {k: _cpu_seconds(v) for k, v in parties.items()}
                client_cpu, load_before = time.process_time(), os.getloadavg()[0]
                entry[name] = load(port, path, contact_body, headers, clients, seconds, limit)
                served = max(entry[name]["requests"], 1)
                entry[name]["cpu_ms_per_request"] = {
                    **{k: (_cpu_seconds(v) - before[k]) / served * 1000 for k, v in parties.items()},
                    "client": (time.process_time() - client_cpu) / served * 1000}
                entry[name]["loadavg"] = [load_before, os.getloadavg()[0]]
            f = entry[name]
            cpu = f["cpu_ms_per_request"]
            say(f"  {f['per_s']:7.0f} requests/s  p50 {f['p50_ms']:6.1f} ms  p99 {f['p99_ms']:6.1f} ms  "
                f"({f['requests']:,} ok, {f['failures']} failed); CPU per request: server {cpu['server']:.2f} ms, "
                f"PostgreSQL {cpu['postgresql']:.2f} ms, client {cpu['client']:.2f} ms; load average "
                f"{f['loadavg'][0]:.1f}-{f['loadavg'][1]:.1f}")
        entry["throughput_ratio_bare_to_api"] = entry["bare"]["per_s"] / max(entry["api"]["per_s"], 1e-9)
        entry["p99_ratio_api_to_bare"] = entry["api"]["p99_ms"] / max(entry["bare"]["p99_ms"], 1e-9)
        with make_app(urls[backend]).app_context():
            from triage.extensions import db
            entry["contacts_stored"] = db.session.execute(text("SELECT count(*) FROM contact")).scalar_one()
            db.engine.dispose()
        results[backend] = entry
    return results


# ------------------------------------------------------------------ the run

def bench_reads(dbs: Databases, quick: bool) -> dict:
    from bench.reads import bench_reads as reads

    return reads(dbs, quick)


def bench_audit(dbs: Databases, quick: bool) -> dict:
    from bench.reads import bench_audit as audit

    return audit(dbs, quick)


def bench_returns(dbs: Databases, quick: bool) -> dict:
    from bench.returns import bench_returns as run_returns  # the census and Annex A

    return run_returns(dbs, quick)


BENCHES = {"report": bench_report, "sweep": bench_sweep, "intake": bench_intake, "reads": bench_reads,
           "audit": bench_audit, "returns": bench_returns}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smaller run in a few minutes")
    parser.add_argument("--only", help=f"comma-separated: {', '.join(BENCHES)}")
    args = parser.parse_args(argv)
    chosen = args.only.split(",") if args.only else list(BENCHES)
    unknown = [name for name in chosen if name not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    # Ctrl-C or a kill still stops the cluster and removes the temporary files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    import logging
    logging.getLogger().setLevel(logging.WARNING)

    started = time.perf_counter()
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "quick": args.quick,
              "knobs": {name: knob(name, args.quick) for name in KNOBS}, "machine": machine(),
              "commit": _git_commit(), "results": {}}
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as folder, throwaway_cluster() as admin_url:
        report["machine"]["postgresql"] = pg_version(admin_url)
        say(f"Machine: {report['machine']['nproc']} cores, {report['machine']['memory']}, Python "
            f"{report['machine']['python']}, PostgreSQL {report['machine']['postgresql']}, SQLite "
            f"{report['machine']['sqlite']}; load average {report['machine']['loadavg_at_start'][0]:.1f}")
        dbs = Databases(admin_url, folder)
        for name in chosen:
            began = time.perf_counter()
            report["results"][name] = BENCHES[name](dbs, args.quick)
            report["results"][name]["bench_seconds"] = time.perf_counter() - began
    report["total_seconds"] = time.perf_counter() - started
    report["machine"]["loadavg_at_end"] = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, default=str))
    say(f"Done in {report['total_seconds'] / 60:.1f} minutes; figures in {RESULTS.relative_to(ROOT)}")
    return 0


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


if __name__ == "__main__":
    sys.exit(main())
