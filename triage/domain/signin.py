"""Sign-in rules that cannot be turned against staff, and bearer-token lifetimes.

A wrong password slows the next attempt from the same place down rather than locking the
account: whoever types a colleague's username from elsewhere can only slow themselves. The
waits grow by doubling after a few free attempts and stop growing at a ceiling.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class DelayPolicy:
    free_failures: int = 3  # wrong passwords from one place before any wait
    first_wait: timedelta = timedelta(seconds=5)
    longest_wait: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=24)  # failures this old no longer count

    def wait_after(self, failures: int) -> timedelta:
        """How long to wait after `failures` consecutive wrong passwords from one place."""
        extra = failures - self.free_failures
        if extra <= 0:
            return timedelta(0)
        # Doubling, capped; the exponent is bounded so a huge count cannot overflow.
        return min(self.first_wait * (2 ** min(extra - 1, 30)), self.longest_wait)

    def still_counts(self, last_failure_at: datetime | None, now: datetime) -> bool:
        return last_failure_at is not None and now - last_failure_at < self.forget_after


@dataclass(frozen=True)
class TokenLifetime:
    default: timedelta = timedelta(days=90)
    longest: timedelta = timedelta(days=365)

    def expiry(self, now: datetime, requested: datetime | None) -> tuple[datetime | None, str | None]:
        """The expiry for a token created at `now`, or None and the reason it cannot be had."""
        if requested is None:
            return now + self.default, None
        if requested <= now:
            return None, "The expiry must be in the future"
        if requested - now > self.longest:
            return None, f"A token can last at most {self.longest.days} days"
        return requested, None
