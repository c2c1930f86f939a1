"""The job table: stable ids, triggers, time zones, grace and coalescing; the report's civil time."""
from __future__ import annotations

import ast
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from triage.config import ConfigError, Defaults
from triage.scheduler import SchedulerConfigError, build_scheduler, job_table
from triage.scheduler.jobs import build_trigger

UTC = UTC
LONDON = ZoneInfo("Europe/London")
ROOT = Path(__file__).resolve().parents[2]


def _config(**overrides):
    return {**{k: v for k, v in vars(Defaults).items() if k.isupper()}, **overrides}


def _jobs(app):
    return {job.id: job for job in build_scheduler(app).get_jobs()}


def test_the_scheduler_is_built_unstarted_as_a_blocking_scheduler_with_an_in_memory_store(bare_app):
    scheduler = build_scheduler(bare_app)
    assert isinstance(scheduler, BlockingScheduler)
    assert scheduler.state == STATE_STOPPED
    assert isinstance(scheduler._jobstores["default"], MemoryJobStore)
    assert scheduler.timezone == UTC


def test_the_jobs_have_stable_ids(bare_app):
    assert set(_jobs(bare_app)) == {"sweep-clocks", "morning-report", "scheduler-heartbeat"}
    assert [spec.id for spec in job_table(bare_app.config)] == ["sweep-clocks", "morning-report"]


def test_the_sweep_runs_on_an_interval_of_the_configured_seconds_in_utc(bare_app):
    bare_app.config["SWEEP_INTERVAL_SECONDS"] = 45
    sweep = _jobs(bare_app)["sweep-clocks"]
    assert isinstance(sweep.trigger, IntervalTrigger)
    assert sweep.trigger.interval == timedelta(seconds=45)
    assert sweep.trigger.timezone == UTC
    assert (sweep.coalesce, sweep.max_instances, sweep.misfire_grace_time) == (True, 1, 45)


def test_the_morning_report_is_a_weekday_cron_at_the_configured_london_time(bare_app):
    bare_app.config.update(MORNING_REPORT_HOUR=8, MORNING_REPORT_MINUTE=15)
    report = _jobs(bare_app)["morning-report"]
    assert isinstance(report.trigger, CronTrigger)
    fields = {field.name: str(field) for field in report.trigger.fields}
    assert (fields["day_of_week"], fields["hour"], fields["minute"], fields["second"]) == ("mon-fri", "8", "15", "0")
    assert report.trigger.timezone == LONDON
    assert report.coalesce is True
    assert report.max_instances == 1
    assert report.misfire_grace_time == 3 * 60 * 60


def test_the_lock_heartbeat_is_registered_beside_the_jobs(bare_app):
    heartbeat = _jobs(bare_app)["scheduler-heartbeat"]
    assert isinstance(heartbeat.trigger, IntervalTrigger)
    # Three missed beats (15 s) make the lease stale; a standby retrying every 5 s then takes
    # over within 20 s of a kill or a hang, inside the 30 s the service promises.
    assert heartbeat.trigger.interval == timedelta(seconds=5)
    assert bare_app.config["SCHEDULER_STANDBY_RETRY_SECONDS"] == 5
    assert (heartbeat.coalesce, heartbeat.max_instances) == (True, 1)


@pytest.mark.parametrize("start, first, second", [
    # Thursday evening before the spring change (Sun 29 Mar 2026): Friday in GMT, Monday in BST.
    (datetime(2026, 3, 26, 19, 0, tzinfo=UTC), datetime(2026, 3, 27, 7, 0, tzinfo=UTC),
     datetime(2026, 3, 30, 6, 0, tzinfo=UTC)),
    # Thursday evening before the autumn change (Sun 25 Oct 2026): Friday in BST, Monday in GMT.
    (datetime(2026, 10, 22, 19, 0, tzinfo=UTC), datetime(2026, 10, 23, 6, 0, tzinfo=UTC),
     datetime(2026, 10, 26, 7, 0, tzinfo=UTC)),
])
def test_the_report_fires_at_seven_london_time_on_the_working_days_either_side_of_each_clock_change(
        start, first, second):
    [report] = [spec for spec in job_table(_config()) if spec.id == "morning-report"]
    trigger = build_trigger(report)
    fire_1 = trigger.get_next_fire_time(None, start)
    fire_2 = trigger.get_next_fire_time(fire_1, fire_1)
    assert (fire_1, fire_2) == (first, second)
    assert [f.astimezone(LONDON).strftime("%a %H:%M") for f in (fire_1, fire_2)] == ["Fri 07:00", "Mon 07:00"]


@pytest.mark.parametrize("hour", [0, 1, 2])
def test_a_report_hour_between_midnight_and_three_is_refused(hour):
    with pytest.raises(SchedulerConfigError, match=f"MORNING_REPORT_HOUR is {hour}: .*03:00"):
        job_table(_config(MORNING_REPORT_HOUR=hour))


def test_a_config_hour_of_1_stops_the_scheduler_being_built(bare_app):
    bare_app.config["MORNING_REPORT_HOUR"] = 1
    with pytest.raises(ConfigError, match="MORNING_REPORT_HOUR"):
        build_scheduler(bare_app)


@pytest.mark.parametrize("setting, value", [("MORNING_REPORT_MINUTE", 60), ("SWEEP_INTERVAL_SECONDS", 0),
                                            ("MORNING_REPORT_HOUR", "seven")])
def test_other_unsafe_schedule_settings_are_refused(setting, value):
    with pytest.raises(SchedulerConfigError, match=setting):
        job_table(_config(**{setting: value}))


@pytest.mark.parametrize("hour", [3, 23])
def test_report_hours_from_three_to_twenty_three_are_accepted(hour):
    assert job_table(_config(MORNING_REPORT_HOUR=hour))[1].trigger_args["hour"] == hour


def test_only_the_scheduler_package_imports_apscheduler():
    offenders = []
    for path in (ROOT / "triage").rglob("*.py"):
        if "scheduler" in path.relative_to(ROOT / "triage").parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "apscheduler"]
    assert offenders == []


def test_the_web_app_does_not_load_apscheduler():
    code = ("import sys; from triage.app import create_app; "
            "create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'ENV_NAME': 'testing'}); "
            "print('apscheduler' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
