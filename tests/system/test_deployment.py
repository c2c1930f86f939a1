"""Beyond one machine: two web processes and two schedulers on one PostgreSQL.

Real processes (gunicorn and `python -m triage.scheduler`) on loopback, under concurrent intake
with load-balancer retries: no contact lost or duplicated, no clock event doubled, and at most
one scheduled morning report (exactly one when one is due today).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.postgres import create_database

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, deadline: float) -> None:
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


def _post(url: str, token: str, body: dict, key: str) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["id"]


@pytest.fixture
def deployment(postgres_admin_url):
    """A migrated database with a police feed token, and a way to start processes against it."""
    from triage.app import create_app
    from triage.extensions import db

    url = create_database(postgres_admin_url, "triage_deployment")
    env = {**os.environ, "DATABASE_URL": url, "TRIAGE_ENV_NAME": "testing", "TRIAGE_SECRET_KEY": "s" * 40, "TRIAGE_SWEEP_INTERVAL_SECONDS": "1",
           "TRIAGE_MORNING_REPORT_HOUR": "3", "PYTHONPATH": ROOT}
    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://"),
                      "ENV_NAME": "testing"})
    with app.app_context():
        from flask_migrate import upgrade

        from triage.services import people, reference
        upgrade()
        reference.ensure_agencies()
        _, token = people.create_token(datetime.now(UTC), "police feed", "partner", "police")
    processes: list[subprocess.Popen] = []

    def start(*args):
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        return process

    try:
        yield {"app": app, "token": token, "start": start}
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        with app.app_context():
            db.engine.dispose()


@pytest.mark.postgresql_only
def test_two_web_processes_and_two_schedulers_lose_nothing_double_nothing_and_report_once(deployment, backend):
    from triage.clock import utcnow
    from triage.extensions import db
    from triage.models import Clock, ClockEvent, Contact, MorningReport
    from triage.services.report.build import report_due_today

    ports = [_port(), _port()]
    for port in ports:
        deployment["start"](sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                            "wsgi:app")
    deadline = time.time() + 60
    for port in ports:
        _wait_for(f"http://127.0.0.1:{port}/healthz", deadline)

    # Half the contacts arrived two days ago, so their decision clocks are already breached.
    received_long_ago = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    bodies = []
    for i in range(60):
        body = {"channel": "police_notification", "source_code": "6", "concern": "Incident",
                "police_incident_reference": f"INC-{i}", "consent": "not_required",
                "children": [{"child": {"first_name": f"Child{i}", "last_name": "Deploy", "sex": "unknown",
                                        "date_of_birth": "2015-05-05"}}]}
        if i % 2 == 0:
            body["received_at"] = received_long_ago
        bodies.append(body)
    # Every contact is sent twice, to different web processes: a load balancer retrying.
    attempts = [(ports[(i + n) % 2], i) for i in range(60) for n in range(2)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        ids = list(pool.map(lambda a: (a[1], _post(f"http://127.0.0.1:{a[0]}/api/v1/contacts",
                                                   deployment["token"], bodies[a[1]], f"key-{a[1]}")), attempts))
    by_contact: dict[int, set[int]] = {}
    for index, contact_id in ids:
        by_contact.setdefault(index, set()).add(contact_id)
    assert all(len(found) == 1 for found in by_contact.values())  # each retry returned the same contact

    for _ in range(2):
        deployment["start"](sys.executable, "-m", "triage.scheduler")
    app = deployment["app"]
    with app.app_context():
        assert db.session.query(Contact).count() == 60
        breached_clocks = db.session.query(Clock).filter(Clock.due_at < utcnow(), Clock.stopped_at.is_(None)).count()
        assert breached_clocks >= 30  # 30 decision clocks, plus acknowledgements
        deadline = time.time() + 45
        while time.time() < deadline:
            db.session.expire_all()
            if db.session.query(ClockEvent).filter_by(kind="breached").count() >= breached_clocks:
                break
            time.sleep(0.5)
        time.sleep(3)  # a few more sweeps by both schedulers: still nothing twice
        db.session.expire_all()
        events = db.session.query(ClockEvent).filter_by(kind="breached").all()
        assert len(events) == breached_clocks
        assert len({e.clock_id for e in events}) == len(events)
        scheduled = db.session.query(MorningReport).filter(MorningReport.trigger.in_(["scheduled", "catch_up"])).count()
        assert scheduled == (1 if report_due_today(utcnow()) else 0)
