"""Template helpers: times shown in London, dates the way a social worker writes them."""
from datetime import date, datetime

from flask import Flask, g, request
from flask_login import current_user

from triage.auth import current_actor, signed_in_via_token
from triage.clock import to_london
from triage.domain.roles import Role
from triage.services import inbox
from triage.web.navigation import items_for


def london_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = to_london(value)
    return local.strftime("%-d %b %Y, %H:%M")


def long_date(value: date | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def nhs_number(value: str | None) -> str:
    """'9434765919' -> '943 476 5919', the way it is printed on NHS letters."""
    if not value:
        return ""
    return f"{value[:3]} {value[3:6]} {value[6:]}" if len(value) == 10 else value


def role_label(value: str | None) -> str:
    try:
        return Role(value).label
    except ValueError:
        return value or ""


def iso_london(value: str | None) -> str:
    """An ISO instant stored in a report, shown in London time."""
    return london_datetime(datetime.fromisoformat(value)) if value else ""


def iso_date(value: str | None) -> str:
    return date.fromisoformat(value).strftime("%-d %b %Y") if value else ""


def _unread_count() -> int:
    """The header badge: one COUNT, asked once per page."""
    if "_unread_count" not in g:
        g._unread_count = inbox.unread_count(current_actor())
    return g._unread_count


def register(app: Flask) -> None:
    app.jinja_env.filters["london"] = london_datetime
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["isolondon"] = iso_london
    app.jinja_env.filters["isodate"] = iso_date
    app.jinja_env.filters["nhs_number"] = nhs_number
    app.jinja_env.filters["role_label"] = role_label

    @app.context_processor
    def layout_context():
        role = None
        staff = False
        if getattr(current_user, "is_authenticated", False):
            role = Role(current_user.role)
            # People at a desk: signed in to the pages, not a partner system's token.
            staff = not signed_in_via_token()
        return {"council_name": app.config["COUNCIL_NAME"],
                "service_name": app.config["SERVICE_NAME"], "current_role": role, "Role": Role,
                "navigation_items": lambda: items_for(role, request.path),
                "unread_notifications": _unread_count if staff else None}
