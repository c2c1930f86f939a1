"""`flask triage seed-demo`: a believable demo council, built through the services, safe to re-run."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from triage.clock import local_date
from triage.demo import DEMO_PASSWORD, HISTORY_WEEKS, DemoRefused, plan_children, seed_demo
from triage.domain.identifiers import nhs_number_is_valid, upn_is_valid
from triage.domain.roles import Role
from triage.extensions import db
from triage.models import Agency, AuditEvent, Child, Locality, Team, User
from triage.services import people


def _seed(now, children=30):
    lines: list[str] = []
    summary = seed_demo(now, children=children, echo=lines.append)
    return summary, "\n".join(lines)


def _demo_children() -> int:
    """The children the Children step made (council ids DEMO...), not those contacts recorded."""
    return db.session.scalar(select(func.count()).select_from(Child).where(Child.council_child_id.like("DEMO%")))


def _counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Agency, Locality, Team, User, Child, AuditEvent)}


def test_seeding_creates_a_user_for_every_role_and_the_children_asked_for(app, now):
    summary, output = _seed(now, children=40)

    users = db.session.scalars(select(User)).all()
    assert {Role(u.role) for u in users} == set(Role)
    assert {"era", "practitioner", "manager", "partner.police", "partner.health",
            "partner.education", "partner.early_help", "performance", "admin",
            "sw.north1"} <= {u.username for u in users}
    assert _demo_children() == 40  # beside the children the week's contacts recorded themselves
    assert summary.step("Children").added == 40
    assert "Sign in at http://127.0.0.1:5000" in output


def test_every_demo_nhs_number_and_upn_is_valid_and_nhs_numbers_are_in_the_999_test_range(app, now):
    _seed(now, children=120)

    kids = db.session.scalars(select(Child)).all()
    nhs_numbers = [c.nhs_number for c in kids if c.nhs_number]
    upns = [c.upn for c in kids if c.upn]
    assert len(nhs_numbers) > 40 and len(upns) > 20, "the demo should show children with identifiers"
    assert all(nhs_number_is_valid(n) and n.startswith("999") for n in nhs_numbers)
    assert all(upn_is_valid(u) for u in upns)
    assert len(set(nhs_numbers)) == len(nhs_numbers)


def test_every_partner_user_belongs_to_their_agency(app, now):
    _seed(now, children=5)

    partners = db.session.scalars(select(User).where(User.role == Role.PARTNER.value)).all()
    assert partners
    assert all(p.agency is not None for p in partners)
    assert {p.username: p.agency.code for p in partners} == {
        "partner.police": "police", "partner.health": "health",
        "partner.education": "education", "partner.early_help": "early_help",
    }


def test_the_demo_password_signs_in_every_demo_login(app, now):
    summary, _ = _seed(now, children=5)

    for username, _label, password in summary.logins:
        assert password == DEMO_PASSWORD
        result = people.authenticate(now, username, password, "127.0.0.1")
        assert result.user is not None, username


def test_teams_sit_in_their_localities_and_children_live_in_all_four(app, now):
    _seed(now, children=80)

    teams = {t.name: (t.locality.name if t.locality else None) for t in db.session.scalars(select(Team))}
    assert teams == {
        "MASH": None, "14+ team": None,
        "Front Door assessment North": "North", "Front Door assessment West": "West",
        "Front Door assessment Central": "Central",
        "Front Door assessment South East": "South East",
    }
    sw = db.session.scalar(select(User).where(User.username == "sw.north1"))
    assert sw.team.name == "Front Door assessment North"
    lived_in = {c.locality.name for c in db.session.scalars(select(Child))}
    assert lived_in == {"North", "West", "Central", "South East"}


def test_children_are_under_18_and_recorded_over_the_last_eight_weeks(app, now):
    _seed(now, children=150)

    today = local_date(now)
    kids = db.session.scalars(select(Child)).all()
    born = [c for c in kids if c.date_of_birth]
    unborn = [c for c in kids if c.is_unborn]
    assert unborn, "a few unborn children belong in a Front Door demo"
    assert all(c.expected_date_of_birth > today for c in unborn)
    assert all(today.replace(year=today.year - 18) < c.date_of_birth <= today for c in born)
    assert max(today - c.date_of_birth for c in born) > timedelta(days=365 * 15)
    created = [c.created_at for c in kids]
    assert all(now - timedelta(weeks=HISTORY_WEEKS) <= t < now for t in created)
    assert max(created) - min(created) > timedelta(weeks=HISTORY_WEEKS - 2), "spread, not bunched"
    assert all(c.date_of_birth <= local_date(c.created_at) for c in born)
    assert len({c.ethnicity for c in kids}) >= 8


def test_running_it_twice_adds_nothing_the_second_time(app, now):
    first, _ = _seed(now, children=25)
    before = _counts()

    second, output = _seed(now + timedelta(days=3), children=25)

    assert first.added > 0
    assert second.added == 0
    assert _counts() == before
    assert "nothing was added" in output


def test_asking_for_more_children_later_adds_only_the_new_ones(app, now):
    _seed(now, children=10)
    demo_ids = select(Child.council_child_id).where(Child.council_child_id.like("DEMO%")).order_by(Child.council_child_id)
    first_ten = db.session.scalars(demo_ids).all()

    summary, _ = _seed(now, children=15)

    assert summary.step("Children").added == 5
    assert summary.step("Children").present == 10
    assert summary.step("Users").added == 0
    ids = db.session.scalars(demo_ids).all()
    assert ids[:10] == first_ten and len(ids) == 15


def test_the_demo_children_are_the_same_every_time(now):
    days = [local_date(now) - timedelta(days=n) for n in range(1, 30)]
    one = plan_children(random.Random(2026), 50, now, days)
    again = plan_children(random.Random(2026), 50, now, days)
    fewer = plan_children(random.Random(2026), 20, now, days)

    assert one == again
    assert one[:20] == fewer
    assert len({(p["first_name"], p["last_name"]) for p in one}) > 30


def test_seeding_refuses_production_unless_forced(app, now, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")

    with pytest.raises(DemoRefused):
        _seed(now, children=5)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0

    summary = seed_demo(now, children=5, echo=lambda _: None, force=True)
    assert summary.step("Children").added == 5


def test_the_command_seeds_and_prints_a_login_for_every_role(app):
    result = app.test_cli_runner().invoke(args=["triage", "seed-demo", "--children", "20"])

    assert result.exit_code == 0, result.output
    for username in ("era", "practitioner", "manager", "partner.police", "partner.health",
                     "partner.education", "partner.early_help", "performance", "admin"):
        assert f"\n  {username} " in result.output
    for role in Role:
        assert role.label in result.output
    assert DEMO_PASSWORD in result.output
    assert "Sign in at http://127.0.0.1:5000" in result.output
    assert _demo_children() == 20


def test_the_command_says_so_when_a_second_run_adds_nothing(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["triage", "seed-demo", "--children", "5"])

    result = runner.invoke(args=["triage", "seed-demo", "--children", "5"])

    assert result.exit_code == 0, result.output
    assert "nothing was added" in result.output


@pytest.mark.parametrize("value", ["0", "abc", "-3", "5001"])
def test_the_command_rejects_a_bad_number_of_children_naming_the_option(app, value):
    result = app.test_cli_runner().invoke(args=["triage", "seed-demo", "--children", value])

    assert result.exit_code != 0
    assert "--children" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_the_command_refuses_production_without_force(app, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    runner = app.test_cli_runner()

    refused = runner.invoke(args=["triage", "seed-demo", "--children", "5"])
    assert refused.exit_code != 0
    assert "production" in refused.output and "--force" in refused.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0

    forced = runner.invoke(args=["triage", "seed-demo", "--children", "5", "--force"])
    assert forced.exit_code == 0, forced.output
    assert _demo_children() == 5
