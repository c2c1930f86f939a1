"""`flask triage ...`: the same services the pages and API call, for people at a terminal."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from triage.clock import utcnow
from triage.domain.roles import Role
from triage.services import people
from triage.services.errors import ServiceError

triage_cli = AppGroup("triage", help="Front Door triage commands.")


def _fail(exc: ServiceError) -> None:
    details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.errors.items())
    raise click.ClickException(f"{exc.message}{' (' + details + ')' if details else ''}")


@triage_cli.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", help="Name shown in the service.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", "agency_code", help="Agency code (required for partner representatives).")
@click.option("--team", "team_name", help="Team name.")
@click.option("--email")
@click.password_option(help="At least 12 characters; prompted for when not given.")
def create_user(username, display_name, role, agency_code, team_name, email, password):
    """Create a person who signs in to the pages."""
    try:
        user = people.create_user(utcnow(), username, display_name or username, password, role,
                                  agency_code, team_name, email)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Created user {user.username} ({Role(user.role).label}), id {user.id}")


@triage_cli.command("create-token")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", "agency_code", help="Agency code (required for partner systems).")
def create_token(name, role, agency_code):
    """Create a bearer token for a partner system; the secret is printed once."""
    try:
        token, secret = people.create_token(utcnow(), name, role, agency_code)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Token {token.id} for {token.name} ({Role(token.role).label}). "
               "Store this secret now; it cannot be shown again:")
    click.echo(secret)


@triage_cli.command("revoke-token")
@click.argument("token_id", type=int)
def revoke_token(token_id):
    """Revoke a bearer token at once."""
    try:
        token = people.revoke_token(utcnow(), token_id)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Token {token.id} ({token.name}) is revoked")


@triage_cli.command("seed-reference")
def seed_reference():
    """Create the standard agencies (police, health, education ...); safe to re-run."""
    from triage.services import reference

    agencies = reference.ensure_agencies()
    click.echo(f"{len(agencies)} agencies present")


def register(app: Flask) -> None:
    from triage import demo  # noqa: F401  (adds seed-demo)
    app.cli.add_command(triage_cli)
