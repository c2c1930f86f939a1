"""The scheduler process: the only package that imports APScheduler (architecture rule 7).

`python -m triage.scheduler` or `flask triage scheduler` runs it: one active copy per deployment
(a lease row its holder renews every heartbeat, on both databases), the rest standing by. Jobs are a
table of data in `jobs.py`; `build_scheduler(app)` returns an unstarted scheduler holding them.
"""
from triage.scheduler.jobs import JobSpec, SchedulerConfigError, job_table
from triage.scheduler.runner import SchedulerRunner, build_scheduler, run

__all__ = ["JobSpec", "SchedulerConfigError", "SchedulerRunner", "build_scheduler", "job_table", "run"]
