"""Reads that must not decay (issue 13): the report page and history API with 1 vs 250 stored
mornings, and the queue API listing 10 vs 100 contacts (time and statements).

Run through bench/run.py (`--only reads`). Requests go through Flask's test client in-process, so
the figures are the server's work (routing, services, SQL, rendering) without a network hop.
"""
from __future__ import annotations

import statistics
import time
from datetime import date, timedelta


def _timed(client, url: str, repeats: int, engine) -> dict:
    from bench.run import captured_statements

    client.get(url)  # warm: templates compiled, token's first use recorded
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, (url, response.status_code)
    with captured_statements(engine) as seen:
        client.get(url)
    return {"median_ms": statistics.median(times) * 1000, "statements": len(seen),
            "bytes": len(response.get_data())}


def _setup(app, contacts_wanted: int):
    """Contacts about children, a manager with a password and a token, this morning's report."""
    from bench.run import NOW
    from triage.domain.roles import Role
    from triage.services import contacts, morning_report, people
    from triage.services.actor import Actor

    era_user = people.create_user(NOW, "bench.era", "Bench ERA", "bench password 1", "era", None, None)
    manager = people.create_user(NOW, "bench.manager", "Bench Manager", "bench password 1", "manager", None, None)
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
    return secret


def _store_past_mornings(app, count: int, kilobytes: int) -> None:
    from bench.run import NOW
    from triage.extensions import db
    from triage.models import MorningReport

    row = {"child": "x" * 400, "child_id": 1, "team_id": None, "locality_id": None}
    bulky = {"allocated_cases": [row] * max(1, kilobytes * 1024 // 460), "trend": [], "padding": True}
    for i in range(1, count + 1):
        built = NOW - timedelta(days=i)
        db.session.add(MorningReport(report_date=built.date(), version=1, built_at=built, trigger="scheduled",
                                     built_by="bench", content=bulky))
        if i % 25 == 0:
            db.session.commit()
    db.session.commit()


def bench_reads(dbs, quick: bool) -> dict:
    from bench.run import BACKENDS, knob, make_app, say

    mornings = int(knob("BENCH_READS_MORNINGS", quick))
    kilobytes = int(knob("BENCH_READS_MORNING_KB", quick))
    repeats = int(knob("BENCH_READS_REPEATS", quick))
    urls = dbs.urls("reads")
    results = {"stored_mornings": mornings, "morning_kb": kilobytes, "repeats": repeats}
    for backend in BACKENDS:
        app = make_app(urls[backend], WTF_CSRF_ENABLED=False)
        entry = {}
        with app.app_context():
            from triage.extensions import db
            secret = _setup(app, 100)
            db.session.remove()
            engine = db.engine
        api = {"Authorization": f"Bearer {secret}"}
        page = app.test_client()
        assert page.post("/login", data={"username": "bench.manager", "password": "bench password 1"}).status_code == 302

        class Api:
            def get(self, url):
                return page.get(url, headers=api)

        for size in (10, 100):
            entry[f"queue_{size}"] = _timed(Api(), f"/api/v1/queue?page_size={size}", repeats, engine)
        for stored in (1, mornings):
            if stored > 1:
                with app.app_context():
                    _store_past_mornings(app, stored - 1, kilobytes)
                    db.session.remove()
            entry[f"report_page_{stored}"] = _timed(page, "/reports/morning?date=2026-11-27", repeats, engine)
            entry[f"history_api_{stored}"] = _timed(Api(), "/api/v1/reports/morning/history", repeats, engine)
        entry["queue_ratio_100_to_10"] = entry["queue_100"]["median_ms"] / entry["queue_10"]["median_ms"]
        entry["report_page_ratio"] = entry[f"report_page_{mornings}"]["median_ms"] / entry["report_page_1"]["median_ms"]
        entry["history_api_ratio"] = entry[f"history_api_{mornings}"]["median_ms"] / entry["history_api_1"]["median_ms"]
        say(f"reads/{backend}: queue API 10 contacts {entry['queue_10']['median_ms']:.1f} ms "
            f"({entry['queue_10']['statements']} statements), 100 contacts {entry['queue_100']['median_ms']:.1f} ms "
            f"({entry['queue_100']['statements']} statements)")
        for name in ("report_page", "history_api"):
            one, many = entry[f"{name}_1"], entry[f"{name}_{mornings}"]
            say(f"  {name.replace('_', ' ')}: 1 stored morning {one['median_ms']:.1f} ms, {mornings} stored "
                f"{many['median_ms']:.1f} ms, ratio {entry[name + '_ratio']:.2f} "
                f"({one['statements']} vs {many['statements']} statements)")
        with app.app_context():
            db.engine.dispose()
        results[backend] = entry
    return results
