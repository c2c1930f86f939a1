"""Loaded only by `make test-ahead` (it puts this folder on PYTHONPATH, so child processes get it too).

The suite runs there under libfaketime with the wall clock moved ahead and the monotonic clock
left real (FAKETIME_DONT_FAKE_MONOTONIC=1). Faking the monotonic clock as well makes every
timed wait on a lock or event wait for the whole offset (Python waits with sem_clockwait, which
libfaketime does not adjust), so threads such as Flask-Limiter's expiry timer never finish.
Leaving it real keeps those waits right but breaks `time.sleep`: Python sleeps with
clock_nanosleep on an absolute monotonic deadline, which libfaketime shifts, and the call fails
with EINVAL. So here, and only here, `time.sleep` waits on an event instead: the same real
duration, through the path that works.
"""
import os
import threading
import time

if "faketime" in os.environ.get("LD_PRELOAD", "") and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":
    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        threading.Event().wait(seconds)

    time.sleep = _sleep
