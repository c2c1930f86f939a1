"""Signing in: slowing guessing down without locking anyone out, and remembering the places
an account signs in from."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from triage.domain.signin import DelayPolicy
from triage.extensions import db
from triage.models import AuditEvent, KnownAddress, SignInDelay, User
from triage.services.unit_of_work import unit_of_work
from triage.settings import people_settings

SIGN_IN_REFUSED = "Enter a correct username and password"
UNKNOWN_ADDRESS = "unknown"
# Compared against when the username is unknown, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-at-all")


@dataclass(frozen=True)
class SignIn:
    user: User | None
    problem: str | None  # said to the person; deliberately vague about which part was wrong
    wait: timedelta = timedelta(0)  # how long this place must wait before the next try


def _wait_message(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 120:
        return f"Too many wrong passwords from here: wait {seconds} seconds before trying again"
    return f"Too many wrong passwords from here: wait {math.ceil(seconds / 60)} minutes before trying again"


def normalise_username(username: str | None) -> str:
    return (username or "").strip().lower()[:80]


def authenticate(now: datetime, username: str, password: str, remote_addr: str | None = None) -> SignIn:
    """Check a password, slowing down wrong guesses from the place they come from.

    Every refusal reads the same whether the account exists, is deactivated or has never been
    heard of, and the waits are kept for any username typed, so neither the words nor the
    waits tell anyone which accounts exist. No account is ever locked: a wait applies to one
    username from one address, so a stranger guessing elsewhere slows only themselves.
    """
    policy = people_settings().sign_in_delay
    name = normalise_username(username)
    address = (remote_addr or UNKNOWN_ADDRESS)[:45]
    delay = db.session.scalar(select(SignInDelay).where(SignInDelay.username == name,
                                                        SignInDelay.remote_addr == address))
    if delay is not None and not policy.still_counts(delay.last_failure_at, now):
        delay.failures, delay.wait_until = 0, None
    user = db.session.scalar(select(User).where(User.username == name))
    if delay is not None and delay.wait_until and delay.wait_until > now:
        # Too soon: refused without looking at the password, so waiting is the only way on.
        wait = delay.wait_until - now
        with unit_of_work("sign-in"):
            _audit_sign_in(now, user, address, "sign_in_refused", "asked to wait")
        return SignIn(None, _wait_message(wait), wait)
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")  # the same time as a real check
        ok = False
    else:
        ok = check_password_hash(user.password_hash, password or "")
    if not ok:
        why = "no such account" if user is None else "account deactivated" if not user.active else "wrong password"
        wait = _record_failure(now, name, address, policy, user, why)
        if wait:
            return SignIn(None, f"{SIGN_IN_REFUSED}. {_wait_message(wait)}", wait)
        return SignIn(None, SIGN_IN_REFUSED)
    with unit_of_work("account"):
        if delay is not None:
            db.session.delete(delay)
        user.failed_logins = 0
        user.last_login_at = now
        _remember_address(user, address, now)
        _audit_sign_in(now, user, address, "sign_in", None)
    return SignIn(user, None)


def _audit_sign_in(now: datetime, user: User | None, address: str, action: str, detail: str | None) -> None:
    """Who signed in or was refused, when and from where; never the password. A username that
    names no account is not written down (people type their password there by mistake)."""
    db.session.add(AuditEvent(
        at=now, user_id=user.id if user else None, token_id=None,
        actor=user.username if user else "(no such account)", role=str(user.role) if user else "none",
        agency_id=user.agency_id if user else None, action=action, entity="user",
        entity_id=user.id if user else None, child_id=None, channel="page", remote_addr=address,
        detail=detail))


def _record_failure(now: datetime, name: str, address: str, policy: DelayPolicy, user: User | None,
                    why: str) -> timedelta:
    for attempt in (1, 2):  # a second try if a parallel first failure inserted the same row
        try:
            with unit_of_work("sign-in wait"):
                return _count_failure(now, name, address, policy, user, why)
        except IntegrityError:
            if attempt == 2:
                raise
    return timedelta(0)  # pragma: no cover (the loop returns or raises)


def _count_failure(now: datetime, name: str, address: str, policy: DelayPolicy, user: User | None,
                   why: str) -> timedelta:
    # Records past forgetting are dropped as new failures arrive, so usernames sprayed from many
    # addresses cannot grow the table beyond a day's worth.
    db.session.execute(delete(SignInDelay).where(SignInDelay.last_failure_at < now - policy.forget_after))
    delay = db.session.scalar(select(SignInDelay).where(SignInDelay.username == name,
                                                        SignInDelay.remote_addr == address))
    if delay is None:
        delay = SignInDelay(username=name, remote_addr=address, failures=0, last_failure_at=now)
        db.session.add(delay)
    elif not policy.still_counts(delay.last_failure_at, now):
        delay.failures = 0
    delay.failures += 1
    delay.last_failure_at = now
    wait = policy.wait_after(delay.failures)
    delay.wait_until = now + wait if wait else None
    if user is not None:
        user.failed_logins += 1
    _audit_sign_in(now, user, address, "sign_in_refused", why)
    return wait


def _remember_address(user: User, address: str, now: datetime) -> None:
    known = db.session.scalar(select(KnownAddress).where(KnownAddress.user_id == user.id,
                                                         KnownAddress.remote_addr == address))
    if known is None:
        db.session.add(KnownAddress(user_id=user.id, remote_addr=address, last_seen_at=now))
    else:
        known.last_seen_at = now


def is_known_address(username: str | None, remote_addr: str | None) -> bool:
    """Whether the account has signed in from this address before (the real person's desk)."""
    query = (select(KnownAddress.id).join(User, User.id == KnownAddress.user_id)
             .where(User.username == normalise_username(username),
                    KnownAddress.remote_addr == (remote_addr or UNKNOWN_ADDRESS)[:45]).limit(1))
    return db.session.scalar(query) is not None


