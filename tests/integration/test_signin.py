"""Sign-in, sessions, account administration and API tokens, through the services, on both databases."""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from triage.extensions import db
from triage.models import AuditEvent, SignInDelay, User
from triage.services import people
from triage.services.errors import Conflict, Forbidden, Invalid

OFFICE = "10.20.0.5"
ELSEWHERE = "203.0.113.9"


def audit_of(entity: str, entity_id: int) -> list[tuple[str, str]]:
    """What was done to an account or token (its sign-ins aside: see the sign-in audit test)."""
    query = (select(AuditEvent.action, AuditEvent.actor).where(AuditEvent.entity == entity,
                                                               AuditEvent.entity_id == entity_id,
                                                               AuditEvent.action.not_like("sign_in%"))
             .order_by(AuditEvent.id))
    return [tuple(row) for row in db.session.execute(query)]


# Signing in -----------------------------------------------------------------------------------

def test_no_number_of_wrong_passwords_from_elsewhere_stops_the_right_one_from_the_usual_place(app, make_user, now):
    user = make_user("manager", username="manager")
    for n in range(50):
        assert people.authenticate(now + timedelta(minutes=n * 20), "manager", "guess", ELSEWHERE).user is None

    result = people.authenticate(now + timedelta(hours=17), "manager", PASSWORD, OFFICE)

    assert result.user is not None and result.user.id == user.id
    assert result.user.failed_logins == 0


def test_a_place_that_must_wait_is_refused_even_the_right_password_until_the_wait_is_over(app, make_user, now):
    make_user("era", username="real.person")
    for _ in range(4):
        last = people.authenticate(now, "real.person", "wrong", ELSEWHERE)

    early = people.authenticate(now + timedelta(seconds=4), "real.person", PASSWORD, ELSEWHERE)
    on_time = people.authenticate(now + timedelta(seconds=5), "real.person", PASSWORD, ELSEWHERE)

    assert last.wait == timedelta(seconds=5)
    assert early.user is None and early.wait == timedelta(seconds=1) and "wait 1 seconds" in early.problem
    assert on_time.user is not None
    assert db.session.scalar(select(SignInDelay)) is None  # a good sign-in clears that place's record


def test_an_unknown_or_deactivated_username_gets_the_same_answers_and_waits_as_a_real_one(
        app, make_user, actor_for, now):
    admin = actor_for(make_user("admin"))
    leaver = make_user("era", username="leaver")
    people.set_active(admin, now, leaver.id, active=False)
    make_user("era", username="real.person")

    def answers(username):
        return [(r.problem, r.wait) for r in (people.authenticate(now, username, "wrong", ELSEWHERE)
                                              for _ in range(6))]

    assert answers("real.person") == answers("nobody.here") == answers("leaver")
    assert people.authenticate(now + timedelta(hours=1), "leaver", PASSWORD, OFFICE).user is None


def test_every_sign_in_and_refusal_is_audited_with_who_when_and_where_but_never_the_password(app, make_user, now):
    user = make_user("manager", username="head.of.service")
    leaver = make_user("era", username="leaver")
    leaver.active = False
    db.session.commit()
    people.authenticate(now, "head.of.service", "hunter2-guess", ELSEWHERE)
    people.authenticate(now + timedelta(seconds=1), "head.of.service", PASSWORD, OFFICE)
    people.authenticate(now + timedelta(seconds=2), "Correct Horse Battery", "x", ELSEWHERE)  # a password typed as a name
    people.authenticate(now + timedelta(seconds=3), "leaver", PASSWORD, OFFICE)
    for _ in range(4):
        people.authenticate(now + timedelta(seconds=4), "head.of.service", "guess", ELSEWHERE)

    rows = db.session.execute(select(AuditEvent.at, AuditEvent.action, AuditEvent.actor, AuditEvent.user_id,
                                     AuditEvent.remote_addr, AuditEvent.detail)
                              .where(AuditEvent.action.like("sign_in%")).order_by(AuditEvent.id)).all()
    assert [tuple(r) for r in rows[:4]] == [
        (now, "sign_in_refused", "head.of.service", user.id, ELSEWHERE, "wrong password"),
        (now + timedelta(seconds=1), "sign_in", "head.of.service", user.id, OFFICE, None),
        (now + timedelta(seconds=2), "sign_in_refused", "(no such account)", None, ELSEWHERE, "no such account"),
        (now + timedelta(seconds=3), "sign_in_refused", "leaver", leaver.id, OFFICE, "account deactivated")]
    assert [r.detail for r in rows[4:]] == ["wrong password"] * 3 + ["asked to wait"]
    everything = " ".join(str(v) for r in db.session.execute(select(AuditEvent)).scalars()
                          for v in vars(r).values())
    assert "hunter2" not in everything and PASSWORD not in everything and "horse" not in everything.lower()


def test_wrong_passwords_are_forgotten_after_a_day(app, make_user, now):
    make_user("era", username="real.person")
    for _ in range(5):
        people.authenticate(now, "real.person", "wrong", ELSEWHERE)

    next_day = people.authenticate(now + timedelta(hours=24), "real.person", "wrong", ELSEWHERE)

    assert next_day.wait == timedelta(0)
    assert db.session.scalar(select(SignInDelay.failures)) == 1


def test_records_of_wrong_passwords_past_forgetting_are_dropped_as_new_ones_arrive(app, now):
    for n in range(3):
        people.authenticate(now, f"sprayed.{n}", "guess", ELSEWHERE)

    people.authenticate(now + timedelta(hours=25), "someone.new", "guess", OFFICE)

    assert list(db.session.scalars(select(SignInDelay.username))) == ["someone.new"]


def test_a_place_is_known_only_after_the_account_signed_in_from_it(app, make_user, now):
    make_user("era", username="real.person")
    assert not people.is_known_address("real.person", OFFICE)
    people.authenticate(now, "real.person", "wrong", OFFICE)
    assert not people.is_known_address("real.person", OFFICE)

    people.authenticate(now, "Real.Person ", PASSWORD, OFFICE)

    assert people.is_known_address("real.person", OFFICE)
    assert not people.is_known_address("real.person", ELSEWHERE)
    assert not people.is_known_address("nobody.here", OFFICE)


# Sessions -------------------------------------------------------------------------------------

def test_ending_sessions_makes_every_earlier_session_id_of_the_account_unusable(app, make_user):
    user = make_user("era")
    other = make_user("era")
    before, bystander = user.get_id(), other.get_id()
    assert people.user_for_session(before).id == user.id

    people.end_sessions(user.id)

    assert people.user_for_session(before) is None
    assert people.user_for_session(user.get_id()).id == user.id
    assert people.user_for_session(bystander).id == other.id
    assert people.user_for_session(f"user:{user.id}") is None  # the old form, without an epoch


def test_changing_a_password_ends_the_accounts_sessions_and_is_audited(app, make_user, now):
    user = make_user("practitioner")
    before = user.get_id()

    people.change_password(now, user.id, PASSWORD, "another long passphrase")

    assert people.user_for_session(before) is None
    assert people.authenticate(now, user.username, "another long passphrase", OFFICE).user is not None
    assert audit_of("user", user.id) == [("change_password", user.username)]


def test_a_password_change_needs_the_current_password_and_a_long_enough_new_one(app, make_user, now):
    user = make_user("practitioner")
    with pytest.raises(Invalid) as refused:
        people.change_password(now, user.id, "not the password", "short")
    assert set(refused.value.errors) == {"current_password", "new_password"}


# Administering accounts -----------------------------------------------------------------------

def test_an_administrator_changes_an_accounts_role_and_team_and_the_change_is_audited(
        app, make_user, actor_for, now):
    admin = actor_for(make_user("admin", username="the.admin"))
    user = make_user("era")

    people.update_user(admin, now, user.id, user.version, "Era Person Renamed", "practitioner",
                       team_name=None, email="era@example.gov.uk")

    changed = db.session.get(User, user.id)
    assert (changed.role, changed.display_name, changed.email) == ("practitioner", "Era Person Renamed",
                                                                   "era@example.gov.uk")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "user", AuditEvent.action == "update"))
    assert event.entity_id == user.id and event.actor == "the.admin"
    assert event.detail == "changed display_name, role era to practitioner, email"


def test_an_account_edit_with_bad_input_names_each_field(app, make_user, actor_for, now):
    admin_user = make_user("admin")
    admin = actor_for(admin_user)
    user = make_user("era")

    with pytest.raises(Invalid) as blank:
        people.update_user(admin, now, user.id, user.version, " ", "wizard")
    with pytest.raises(Invalid) as partner:
        people.update_user(admin, now, user.id, user.version, "Name", "partner", agency_code=None)
    with pytest.raises(Invalid) as own_role:
        people.update_user(admin, now, admin_user.id, admin_user.version, "Me", "era")

    assert set(blank.value.errors) == {"display_name", "role"}
    assert set(partner.value.errors) == {"agency"}
    assert own_role.value.errors["role"] == ["You cannot take the administrator role from your own account"]


def test_an_edit_made_from_a_stale_copy_of_the_account_is_a_conflict(app, make_user, actor_for, now):
    admin = actor_for(make_user("admin"))
    user = make_user("era")
    stale = user.version
    people.update_user(admin, now, user.id, stale, "First Change", "era")

    with pytest.raises(Conflict):
        people.update_user(admin, now, user.id, stale, "Second Change", "era")


def test_only_an_administrator_manages_accounts(app, make_user, actor_for, now):
    manager = actor_for(make_user("manager"))
    user = make_user("era")
    with pytest.raises(Forbidden):
        people.set_active(manager, now, user.id, active=False)
    with pytest.raises(Forbidden):
        people.reset_password(manager, now, user.id, "a long new password")


def test_deactivating_a_leaver_ends_their_sessions_and_reactivating_lets_them_back(app, make_user, actor_for, now):
    admin_user = make_user("admin", username="the.admin")
    admin = actor_for(admin_user)
    leaver = make_user("era")
    session_id = leaver.get_id()

    people.set_active(admin, now, leaver.id, active=False)
    assert people.user_for_session(session_id) is None
    assert people.authenticate(now, leaver.username, PASSWORD, OFFICE).user is None

    people.set_active(admin, now, leaver.id, active=True)
    assert people.authenticate(now, leaver.username, PASSWORD, OFFICE).user is not None
    assert audit_of("user", leaver.id) == [("deactivate", "the.admin"), ("reactivate", "the.admin")]
    with pytest.raises(Invalid):
        people.set_active(admin, now, admin_user.id, active=False)


def test_unlocking_clears_every_wait_on_the_account_and_no_other(app, make_user, actor_for, now):
    admin = actor_for(make_user("admin", username="the.admin"))
    user = make_user("era", username="real.person")
    make_user("era", username="someone.else")
    for address in (OFFICE, ELSEWHERE):
        for _ in range(5):
            people.authenticate(now, "real.person", "wrong", address)
    for _ in range(5):
        people.authenticate(now, "someone.else", "wrong", OFFICE)
    assert people.sign_in_waits(now)[user.id] == 2

    cleared = people.unlock(admin, now, user.id)

    assert cleared == 2
    assert people.authenticate(now, "real.person", PASSWORD, OFFICE).user is not None
    assert people.authenticate(now, "someone.else", PASSWORD, OFFICE).user is None  # still waiting
    assert audit_of("user", user.id) == [("unlock", "the.admin")]


def test_resetting_a_password_ends_sessions_clears_waits_and_is_audited(app, make_user, actor_for, now):
    admin = actor_for(make_user("admin", username="the.admin"))
    user = make_user("era")
    session_id = user.get_id()
    for _ in range(5):
        people.authenticate(now, user.username, "wrong", OFFICE)

    with pytest.raises(Invalid) as short:
        people.reset_password(admin, now, user.id, "short")
    people.reset_password(admin, now, user.id, "a long new password")

    assert short.value.errors == {"password": ["Use at least 12 characters"]}
    assert people.user_for_session(session_id) is None
    assert people.authenticate(now, user.username, "a long new password", OFFICE).user is not None
    assert audit_of("user", user.id) == [("reset_password", "the.admin")]


# Tokens ---------------------------------------------------------------------------------------

def test_a_token_for_a_role_that_reads_children_works_only_once_a_second_person_approves_it(
        app, make_user, actor_for, now):
    creator = actor_for(make_user("admin", username="first.admin"))
    token, secret = people.create_token(now, "Manager dashboard", "manager", None,
                                        created_by_id=creator.user_id, actor=creator)
    assert token.awaiting_approval and people.token_for_secret(secret, now) is None

    with pytest.raises(Forbidden):
        people.approve_token(creator, now, token.id)  # not the one who created it
    with pytest.raises(Forbidden):
        people.approve_token(actor_for(make_user("practitioner")), now, token.id)
    people.approve_token(actor_for(make_user("admin", username="second.admin")), now, token.id)

    assert people.token_for_secret(secret, now).id == token.id
    assert audit_of("api_token", token.id) == [("create", "first.admin"), ("approve", "second.admin")]
    with pytest.raises(Conflict):
        people.approve_token(actor_for(make_user("manager")), now, token.id)


def test_a_manager_may_approve_a_token_an_administrator_created(app, make_user, actor_for, now):
    creator = actor_for(make_user("admin"))
    token, secret = people.create_token(now, "Screening tool", "practitioner", None, created_by_id=creator.user_id)

    people.approve_token(actor_for(make_user("manager")), now, token.id)

    assert people.token_for_secret(secret, now) is not None


def test_a_partner_token_works_at_once_and_a_revoked_one_cannot_be_approved(app, make_user, actor_for, now):
    partner, secret = people.create_token(now, "Police feed", "partner", "police")
    pending, _ = people.create_token(now, "ERA tool", "era", None)
    people.revoke_token(now, pending.id)

    assert people.token_for_secret(secret, now).id == partner.id
    with pytest.raises(Conflict):
        people.approve_token(actor_for(make_user("manager")), now, pending.id)


def test_every_token_expires_after_the_default_or_the_chosen_time(app, now):
    default, default_secret = people.create_token(now, "Police feed", "partner", "police")
    chosen, chosen_secret = people.create_token(now, "Health feed", "partner", "health",
                                                expires_at=people.end_of_london_day(date(2026, 12, 24)))

    assert default.expires_at == now + timedelta(days=90)
    assert chosen.expires_at == datetime(2026, 12, 25, 0, 0, tzinfo=UTC)  # end of the day in London
    assert people.token_for_secret(default_secret, now + timedelta(days=90) - timedelta(seconds=1)) is not None
    assert people.token_for_secret(default_secret, now + timedelta(days=90)) is None
    assert people.token_for_secret(chosen_secret, datetime(2026, 12, 25, 0, 0, tzinfo=UTC)) is None


def test_an_expiry_in_the_past_or_beyond_the_longest_is_refused_on_the_field(app, now):
    with pytest.raises(Invalid) as past:
        people.create_token(now, "Feed", "partner", "police", expires_at=now - timedelta(days=1))
    with pytest.raises(Invalid) as too_long:
        people.create_token(now, "Feed", "partner", "police", expires_at=now + timedelta(days=400))

    assert past.value.errors == {"expires": ["The expiry must be in the future"]}
    assert too_long.value.errors == {"expires": ["A token can last at most 365 days"]}


def test_the_command_line_creates_a_token_with_an_expiry_that_then_waits_for_approval(app, now):
    from triage.models import ApiToken

    runner = app.test_cli_runner()
    result = runner.invoke(args=["triage", "create-token", "Reporting tool", "--role", "performance",
                                 "--expires", "30"])
    bad = runner.invoke(args=["triage", "create-token", "Feed", "--role", "partner", "--agency", "police",
                              "--expires", "next tuesday"])

    assert result.exit_code == 0, result.output
    token = db.session.scalar(select(ApiToken))
    assert token.awaiting_approval
    assert timedelta(days=29, hours=23) < token.expires_at - token.created_at <= timedelta(days=30)
    assert "approves it in the service" in result.output
    assert bad.exit_code != 0 and "--expires" in bad.output


def test_the_command_line_names_the_person_a_token_acts_for(app, now, make_user):
    from triage.models import ApiToken

    sergeant = make_user("partner", username="sergeant", agency="police")
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["triage", "create-token", "Feed", "--role", "partner", "--agency", "police",
                                  "--holder", "ghost"])
    made = runner.invoke(args=["triage", "create-token", "Feed", "--role", "partner", "--agency", "police",
                               "--holder", "sergeant"])

    assert unknown.exit_code != 0 and "No active person with that username" in unknown.output
    assert made.exit_code == 0, made.output
    assert db.session.scalars(select(ApiToken.holder_id)).all() == [sergeant.id]
