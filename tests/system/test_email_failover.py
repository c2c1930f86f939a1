"""Faults with real processes: concurrent sweeps, a scheduler killed mid-send, a scheduler hung
mid-send (SIGSTOP). Each notification reaches the (slow, in-process) mail server exactly once,
and a standby replaces a hung scheduler within 30 s with the default lease settings.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from tests.support.postgres import create_database
from tests.support.smtp import notification_rows, sent_by_id

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _until(condition, seconds: float, what: str, step: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"{what}: not within {seconds} s")


@pytest.fixture
def site(request, backend, tmp_path, mail_server):
    """A migrated database (PostgreSQL or a SQLite file) holding n unsent notifications for
    people with email, the mail server's address, and a way to start processes against both."""
    from triage.app import create_app
    from triage.extensions import db

    if backend == "postgresql":
        url = create_database(request.getfixturevalue("postgres_admin_url"), "triage_failover")
    else:
        url = f"sqlite:///{tmp_path / 'site.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "testing"})
    env = {**os.environ, "DATABASE_URL": url, "TRIAGE_ENV_NAME": "testing", "TRIAGE_SECRET_KEY": "s" * 40,
           "TRIAGE_SMTP_HOST": "127.0.0.1", "TRIAGE_SMTP_PORT": str(mail_server.port),
           "TRIAGE_SWEEP_INTERVAL_SECONDS": "1", "TRIAGE_MORNING_REPORT_HOUR": "23", "PYTHONPATH": ROOT}
    processes: list[subprocess.Popen] = []
    context = app.app_context()
    context.push()

    def seed(n: int) -> list[int]:
        from flask_migrate import upgrade

        from triage.models import Notification
        from triage.services import people

        upgrade()
        now = datetime.now(UTC)
        users = [people.create_user(now, f"worker{i}", f"Worker {i}", "correct horse battery", "practitioner",
                                    email=f"worker{i}@council.example") for i in range(3)]
        made = [Notification(user_id=users[i % 3].id, created_at=now, message=f"clock breached on contact {i}")
                for i in range(n)]
        db.session.add_all(made)
        db.session.commit()
        return [m.id for m in made]

    def start(*args, **overrides):
        log = open(tmp_path / f"process-{len(processes)}.log", "wb")  # noqa: SIM115 (the child process holds it)
        process = subprocess.Popen(args, cwd=ROOT, env={**env, **overrides}, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        process.log_path = log.name
        processes.append(process)
        return process

    def unsent() -> int:
        return sum(1 for row in notification_rows() if row.emailed_at is None)

    try:
        yield {"seed": seed, "start": start, "unsent": unsent}
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        db.session.remove()
        context.pop()
        with app.app_context():
            db.engine.dispose()


def _lease():
    from triage.extensions import db
    from triage.models import SchedulerLock

    db.session.rollback()
    return db.session.get(SchedulerLock, "scheduler")


def _pid(holder: str) -> int:
    return int(re.search(r":(\d+)#", holder).group(1))


def _log(process) -> str:
    with open(process.log_path, encoding="utf-8", errors="replace") as f:
        return f.read()


@pytest.mark.postgresql_only
def test_four_sweeps_at_once_with_a_slow_mail_server_send_each_notification_exactly_once(site, mail_server):
    ids = site["seed"](60)
    mail_server.rcpt_delay = 0.02
    mail_server.gate = 4  # the server answers nobody until all four are talking to it
    sweeps = [site["start"](sys.executable, "-m", "flask", "--app", "wsgi", "triage", "sweep",
                            TRIAGE_EMAIL_BATCH_SIZE="4") for _ in range(4)]
    for process in sweeps:
        assert process.wait(timeout=90) == 0, _log(process)

    assert sent_by_id(mail_server) == {i: 1 for i in ids}
    emailed = [int(re.search(r"(\d+) emailed", _log(p)).group(1)) for p in sweeps]
    assert sum(emailed) == 60
    assert min(emailed) >= 4  # each had claimed a batch of its own before any was sent
    assert all(row.emailed_at and row.email_attempts == 1 for row in notification_rows())


@pytest.mark.postgresql_only
def test_a_scheduler_killed_mid_send_leaves_nothing_unsent_after_the_next_sweep_and_nothing_sent_twice(
        site, mail_server):
    ids = site["seed"](30)
    mail_server.rcpt_delay = 0.2
    fast = {"TRIAGE_SCHEDULER_HEARTBEAT_SECONDS": "1", "TRIAGE_SCHEDULER_STANDBY_RETRY_SECONDS": "1"}
    first = site["start"](sys.executable, "-m", "triage.scheduler", **fast)
    _until(lambda: mail_server.count >= 5 and mail_server.waiting, 60, "the first scheduler sending")
    first.kill()  # SIGKILL, while the server holds one of its messages before the body
    first.wait()
    delivered = mail_server.count
    assert delivered < 30 and site["unsent"]() == 30 - delivered

    second = site["start"](sys.executable, "-m", "triage.scheduler", **fast)
    _until(lambda: site["unsent"]() == 0, 60, "the replacement sending the rest")

    assert sent_by_id(mail_server) == {i: 1 for i in ids}
    lease = _lease()
    assert (_pid(lease.holder), _pid(lease.previous_holder)) == (second.pid, first.pid)
    assert "unsent email claims released" in _log(second)


def test_a_hung_active_scheduler_is_replaced_within_30_seconds_and_stops_acting_when_it_wakes(
        site, mail_server, backend):
    ids = site["seed"](24)
    mail_server.rcpt_delay = 0.2
    schedulers = [site["start"](sys.executable, "-m", "triage.scheduler") for _ in range(2)]  # default lease
    _until(lambda: mail_server.count >= 3 and mail_server.waiting, 60, "a scheduler sending")
    [hung] = [p for p in schedulers if p.pid == _pid(_lease().holder)]
    [standby] = [p for p in schedulers if p is not hung]
    hung.send_signal(signal.SIGSTOP)  # mid-send: the server holds one of its messages
    stopped = time.monotonic()

    _until(lambda: _pid(_lease().holder) == standby.pid, 30, "the standby taking over")
    took = time.monotonic() - stopped
    _until(lambda: site["unsent"]() == 0, 60, "the standby sending the rest")

    hung.send_signal(signal.SIGCONT)
    _until(lambda: "scheduler lock lost" in _log(hung), 20, "the woken scheduler noticing")
    time.sleep(1)  # anything it still meant to send would have gone by now

    assert took < 30, took
    assert sent_by_id(mail_server) == {i: 1 for i in ids}
    assert _pid(_lease().holder) == standby.pid
    print(f"{backend}: the standby took over {took:.1f} s after the active scheduler hung")
