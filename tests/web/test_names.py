"""People by name: whoever did something is shown by name and role (a partner by agency), never by
username; the header says who is signed in."""
from flask import render_template_string

from tests.support.statements import recorded_statements
from triage.domain.roles import Role


def _render(app, template: str, **context) -> str:
    with app.test_request_context("/"):
        return render_template_string(template, **context)


def test_a_username_becomes_a_name_and_a_role_or_for_a_partner_an_agency(app, make_user):
    manager = make_user("manager", username="gareth.h")
    partner = make_user("partner", username="partner.health", agency="health")

    shown = _render(app, "{{ 'gareth.h' | person }} / {{ 'partner.health' | person }}")

    assert shown == (f"{manager.display_name} ({Role.MANAGER.label}) / "
                     f"{partner.display_name} ({partner.agency.name})")
    assert "gareth.h" not in shown and "partner.health" not in shown


def test_a_user_id_or_a_user_is_named_the_same_way(app, make_user):
    worker = make_user("practitioner")
    expected = f"{worker.display_name} ({Role.PRACTITIONER.label})"
    assert _render(app, "{{ ident | person }}", ident=worker.id) == expected
    assert _render(app, "{{ user | person }}", user=worker) == expected


def test_a_partner_system_is_named_by_its_token_and_anything_else_is_shown_as_it_is(app):
    assert _render(app, "{{ 'token:Police notification feed' | person }}") == \
        "Police notification feed (partner system)"
    assert _render(app, "{{ 'cli' | person }}|{{ none | person }}|{{ 'nobody.here' | person }}") == \
        "cli||nobody.here"


def test_each_person_is_looked_up_once_per_page(app, make_user):
    make_user("era", username="ellen.m")
    with recorded_statements() as statements:
        shown = _render(app, "{% for _ in range(5) %}{{ 'ellen.m' | person }};{% endfor %}")
    assert shown.count(f"({Role.ERA.label})") == 5
    assert len([s for s in statements if '"user"' in s or " user" in s.lower()]) == 1


def test_the_header_says_who_is_signed_in_by_name_and_role(client, login, make_user):
    manager = make_user("manager", username="gareth.h")
    login(manager)
    page = client.get("/").get_data(as_text=True)
    assert f"{manager.display_name} ({Role.MANAGER.label})" in page
    assert "Sign out gareth.h" not in page and ">Sign out</button>" in page


def test_a_partner_is_named_by_their_agency_in_the_header(client, login, make_user):
    partner = make_user("partner", username="hana.health", agency="health")
    login(partner)
    assert f"{partner.display_name} ({partner.agency.name})" in client.get("/").get_data(as_text=True)
