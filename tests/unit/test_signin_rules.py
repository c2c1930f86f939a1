"""Sign-in waits and token lifetimes: pure rules, no app, no database."""
from datetime import UTC, datetime, timedelta

from triage.domain.signin import DelayPolicy, TokenLifetime

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def test_the_first_few_wrong_passwords_cost_nothing_then_the_wait_doubles_up_to_a_ceiling():
    policy = DelayPolicy(free_failures=3, first_wait=timedelta(seconds=5), longest_wait=timedelta(minutes=15))

    waits = [policy.wait_after(n).total_seconds() for n in range(1, 13)]

    assert waits == [0, 0, 0, 5, 10, 20, 40, 80, 160, 320, 640, 900]


def test_a_huge_number_of_failures_still_waits_only_the_longest_wait():
    assert DelayPolicy().wait_after(10**6) == timedelta(minutes=15)


def test_failures_older_than_the_forgetting_period_no_longer_count():
    policy = DelayPolicy(forget_after=timedelta(hours=24))

    assert policy.still_counts(NOW - timedelta(hours=23, minutes=59), NOW)
    assert not policy.still_counts(NOW - timedelta(hours=24), NOW)


def test_a_token_without_a_chosen_expiry_lasts_the_default_and_none_may_outlast_the_longest():
    lifetime = TokenLifetime(default=timedelta(days=90), longest=timedelta(days=365))

    assert lifetime.expiry(NOW, None) == (NOW + timedelta(days=90), None)
    assert lifetime.expiry(NOW, NOW + timedelta(days=365)) == (NOW + timedelta(days=365), None)
    assert lifetime.expiry(NOW, NOW + timedelta(days=366)) == (None, "A token can last at most 365 days")
    assert lifetime.expiry(NOW, NOW) == (None, "The expiry must be in the future")
