"""Reads that must not decay: the report page and history API with 1 vs 250 stored
mornings, and the queue API listing 10 vs 100 contacts (time and statements).

Run through bench/run.py (`--only reads`). Requests go through Flask's test client in-process, so
the figures are the server's work (routing, services, SQL, rendering) without a network hop.
Each comparison is timed interleaved (A, B, A, B ...) on two databases that differ only in what
is compared, so a shared machine's load falls on both sides alike.
"""
from __future__ import annotations

import os
import statistics
import time
from datetime import date, timedelta

PASSWORD = "bench password 1"


def _interleaved(pairs: dict, repeats: int) -> dict:
    """{name: (client, url, engine)} timed in turn, `repeats` rounds; medians and statements."""
    from bench.run import captured_statements

    times = {name: [] for name in pairs}
    for name, (client, url, _) in pairs.items():
        assert client.get(url).status_code == 200, (name, url)  # warm: templates, token's first use
    for _ in range(repeats):
        for name, (client, url, _) in pairs.items():
            began = time.perf_counter()
            response = client.get(url)
            times[name].append(time.perf_counter() - began)
            assert response.status_code == 200, (name, url, response.status_code)
    figures = {}
    for name, (client, url, engine) in pairs.items():
        with captured_statements(engine) as seen:
            size = len(client.get(url).get_data())
        figures[name] = {"median_ms": statistics.median(times[name]) * 1000, "statements": len(seen), "bytes": size}
    return figures


def _setup(url: str, contacts_wanted: int, past_mornings: int, kilobytes: int):
    """A database with contacts about children, a manager (password and token), this morning's
    report and `past_mornings` earlier ones. Returns (page client, API client, engine)."""
    from bench.run import NOW, make_app
    from triage.domain.roles import Role
    from triage.extensions import db
    from triage.models import MorningReport
    from triage.services import contacts, people
    from triage.services.actor import Actor
    from triage.services.report import build as morning_report

    app = make_app(url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        era_user = people.create_user(NOW, "bench.era", "Bench ERA", PASSWORD, "era", None, None)
        manager = people.create_user(NOW, "bench.manager", "Bench Manager", PASSWORD, "manager", None, None)
        era = Actor(role=Role.ERA, label=era_user.username, user_id=era_user.id)
        for i in range(contacts_wanted):
            received = NOW - timedelta(minutes=5 * i + 1)
            contacts.record_contact(era, received, {
                "channel": "phone", "source_code": "3A", "concern": "Worried", "consent": "given",
                "consent_by": "Mother", "received_at": received, "children": [
                    {"child": {"first_name": f"Kit{i}", "last_name": f"Bench{i}", "sex": "female",
                               "date_of_birth": date(2012 + i % 10, 1 + i % 12, 1 + i % 28)}, "confirmed_new": True}
                    for _ in range(1 + i % 2)]})
        _, secret = people.create_token(NOW, "bench manager system", "manager", None)
        morning_report.build_on_demand(Actor(role=Role.MANAGER, label=manager.username, user_id=manager.id), NOW)
        # Past mornings as big as a council's (a case list of ~kilobytes of JSON, not all alike).
        for i in range(1, past_mornings + 1):
            cases = [{"child": f"Child {i}-{n} " + "abcdefghij"[n % 10] * 300, "child_id": n, "team_id": None,
                      "locality_id": None, "n": n * i} for n in range(max(1, kilobytes * 1024 // 380))]
            built = NOW - timedelta(days=i)
            db.session.add(MorningReport(report_date=built.date(), version=1, built_at=built, trigger="scheduled",
                                         built_by="bench", content={"allocated_cases": cases, "trend": []}))
            if i % 10 == 0:
                db.session.commit()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            from sqlalchemy import text
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        engine = db.engine
        db.session.remove()
    page = app.test_client()
    assert page.post("/login", data={"username": "bench.manager", "password": PASSWORD}).status_code == 302

    class Api:
        def get(self, url):
            return page.get(url, headers={"Authorization": f"Bearer {secret}"})

    return app, page, Api(), engine


def bench_reads(dbs, quick: bool) -> dict:
    from bench.run import BACKENDS, knob, say

    mornings = int(knob("BENCH_READS_MORNINGS", quick))
    kilobytes = int(knob("BENCH_READS_MORNING_KB", quick))
    repeats = int(knob("BENCH_READS_REPEATS", quick))
    results = {"stored_mornings": mornings, "morning_kb": kilobytes, "repeats": repeats}
    for backend in BACKENDS:
        say(f"reads/{backend}: two databases, 100 contacts each, 1 and {mornings} stored mornings of "
            f"~{kilobytes} kB ...")
        one_app, one_page, one_api, one_engine = _setup(dbs.urls("reads_one")[backend], 100, 0, kilobytes)
        many_app, many_page, many_api, many_engine = _setup(dbs.urls("reads_many")[backend], 100, mornings - 1,
                                                            kilobytes)
        report = "/reports/morning?date=2026-11-27"
        history = "/api/v1/reports/morning/history"
        load_before = os.getloadavg()[0]
        entry = _interleaved({
            "queue_10": (one_api, "/api/v1/queue?page_size=10", one_engine),
            "queue_100": (one_api, "/api/v1/queue?page_size=100", one_engine),
            "report_page_1": (one_page, report, one_engine),
            f"report_page_{mornings}": (many_page, report, many_engine),
            "history_api_1": (one_api, history, one_engine),
            f"history_api_{mornings}": (many_api, history, many_engine),
        }, repeats)
        entry["loadavg"] = [load_before, os.getloadavg()[0]]  # the 1-minute load, before and after
        entry["queue_ratio_100_to_10"] = entry["queue_100"]["median_ms"] / entry["queue_10"]["median_ms"]
        for name in ("report_page", "history_api"):
            entry[f"{name}_ratio"] = entry[f"{name}_{mornings}"]["median_ms"] / entry[f"{name}_1"]["median_ms"]
        say(f"  queue API: 10 contacts {entry['queue_10']['median_ms']:.1f} ms ({entry['queue_10']['statements']} "
            f"statements), 100 contacts {entry['queue_100']['median_ms']:.1f} ms "
            f"({entry['queue_100']['statements']} statements); load average "
            f"{entry['loadavg'][0]:.1f}-{entry['loadavg'][1]:.1f}")
        for name in ("report_page", "history_api"):
            one, many = entry[f"{name}_1"], entry[f"{name}_{mornings}"]
            say(f"  {name.replace('_', ' ')}: 1 stored morning {one['median_ms']:.1f} ms, {mornings} stored "
                f"{many['median_ms']:.1f} ms, ratio {entry[name + '_ratio']:.2f} "
                f"({one['statements']} vs {many['statements']} statements)")
        for app in (one_app, many_app):
            with app.app_context():
                from triage.extensions import db
                db.engine.dispose()
        results[backend] = entry
    return results


FILL_PG = """
INSERT INTO audit_event (at, user_id, actor, role, action, entity, entity_id, child_id, channel)
SELECT CAST(:now AS timestamptz) - (g % 525600) * interval '1 minute', 1 + g % 200, 'bench', 'manager', 'read',
       'morning_report', 1, 1 + g % :children, 'page'
FROM generate_series(1, :n) g
"""
FILL_SQLITE = """
INSERT INTO audit_event (at, user_id, actor, role, action, entity, entity_id, child_id, channel)
WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < :n)
SELECT strftime('%Y-%m-%d %H:%M:%f', :now, '-' || (g % 525600) || ' minutes'), 1 + g % 200, 'bench', 'manager',
       'read', 'morning_report', 1, 1 + g % :children, 'page'
FROM seq
"""


def bench_audit(dbs, quick: bool) -> dict:
    """Architecture rule 14: the audit of what people see is the fastest-growing table. How long
    one report view's rows take to write (5,000 children, one statement), what a row costs on
    disk, and whether a child's trail stays as quick with millions of rows around it."""
    from sqlalchemy import text

    from bench.run import BACKENDS, NOW, knob, make_app, say
    from triage.domain.roles import Role
    from triage.services import audit, people
    from triage.services.actor import Actor
    from triage.services.unit_of_work import unit_of_work

    rows = int(knob("BENCH_AUDIT_ROWS", quick))
    children = 50_000
    results = {"rows": rows, "children": children}
    for backend in BACKENDS:
        app = make_app(dbs.urls("audit")[backend])
        entry = {}
        with app.app_context():
            from triage.extensions import db
            user = people.create_user(NOW, "bench.manager", "Bench Manager", PASSWORD, "manager", None, None)
            _, secret = people.create_token(NOW, "bench manager system", "manager", None)
            actor = Actor(role=Role.MANAGER, label=user.username, user_id=user.id, channel="page")
            shown = [(1, child_id) for child_id in range(1, 5001)]
            times = []
            for _ in range(7):
                began = time.perf_counter()
                with unit_of_work("morning report", keep_loaded=True):
                    audit.record_shown(actor, NOW, "read", "morning_report", shown, detail="bench")
                times.append(time.perf_counter() - began)
            entry["report_view_5000_children_ms"] = statistics.median(times) * 1000
            client = app.test_client()
            headers = {"Authorization": f"Bearer {secret}"}

            def trail_ms(client=client, headers=headers) -> float:
                client.get("/api/v1/audit/children/4321", headers=headers)
                samples = []
                for _ in range(21):
                    began = time.perf_counter()
                    assert client.get("/api/v1/audit/children/4321", headers=headers).status_code == 200
                    samples.append(time.perf_counter() - began)
                return statistics.median(samples) * 1000

            entry["child_trail_small_ms"] = trail_ms()
            say(f"audit/{backend}: filling {rows:,} rows over {children:,} children ...")
            began = time.perf_counter()
            fill = FILL_PG if backend == "postgresql" else FILL_SQLITE
            stamp = NOW.isoformat() if backend == "postgresql" else NOW.strftime("%Y-%m-%d %H:%M:%S")
            db.session.execute(text(fill), {"now": stamp, "n": rows, "children": children})
            db.session.commit()
            entry["fill_rows_per_s"] = rows / (time.perf_counter() - began)
            if backend == "postgresql":
                db.session.execute(text("ANALYZE audit_event"))
                db.session.commit()
                size = db.session.scalar(text("SELECT pg_total_relation_size('audit_event')"))
            else:
                size = (db.session.scalar(text("PRAGMA page_count")) * db.session.scalar(text("PRAGMA page_size")))
            total = db.session.scalar(text("SELECT count(*) FROM audit_event"))
            entry["bytes_per_row_with_indexes"] = size / total
            entry["child_trail_large_ms"] = trail_ms()
            entry["child_trail_ratio"] = entry["child_trail_large_ms"] / entry["child_trail_small_ms"]
            db.session.remove()
            db.engine.dispose()
        say(f"  one report view of 5,000 children: {entry['report_view_5000_children_ms']:.0f} ms (one statement); "
            f"{entry['bytes_per_row_with_indexes']:.0f} bytes a row with its indexes; a child's trail "
            f"{entry['child_trail_small_ms']:.1f} ms at 35,000 rows, {entry['child_trail_large_ms']:.1f} ms at "
            f"{total:,} (x{entry['child_trail_ratio']:.2f})")
        results[backend] = entry
    return results
