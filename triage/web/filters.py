"""Template helpers: times shown in London, dates the way a social worker writes them, people by
name and role; and what every page's layout needs (the menu, the unread count, the search box)."""
from datetime import date, datetime

from flask import Flask, g, request
from flask_login import current_user

from triage.auth import current_actor, signed_in_via_token
from triage.clock import to_london
from triage.domain.roles import Role
from triage.services import inbox, names
from triage.services.children import CHILD_RECORD_ROLES
from triage.web.navigation import items_for, menu_for


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


def person(value) -> str:
    """Whoever did something, by name and role: `{{ req.answered_by | person }}`.

    Takes an account as the records keep it (a username, a user id, a User) and gives "Helen
    Firth (Health)" for a partner, "Gareth Howell (Front Door manager)" for staff, "Police feed
    (partner system)" for a token; anything else (a name typed in, "cli") is shown as it is.
    Each account is looked up once per request.
    """
    if value is None or value == "":
        return ""
    if hasattr(value, "display_name") and hasattr(value, "role"):
        agency = value.agency.name if getattr(value, "agency", None) else None
        return str(names.describe(value.display_name, value.role, agency))
    if isinstance(value, str):
        token = names.label_for_principal(value)
        if token is not None:
            return str(token)
    known = g.setdefault("_people_named", {})
    if value not in known:
        if isinstance(value, int):
            found = names.people_by(user_ids={value})[1].get(value)
        else:
            found = names.people_by(usernames={str(value)})[0].get(str(value))
        known[value] = str(found) if found else str(value)
    return known[value]


def remember_unread_count(count: int | None) -> None:
    """A page that has already counted the reader's unread notifications (the home page's "my
    work") hands the number to the header badge, so the page asks once."""
    if count is not None:
        g._unread_count = count


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
    app.jinja_env.filters["person"] = person

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
                "menu_and_more": lambda: menu_for(role, request.path),
                "signed_in_as": (lambda: person(current_user._get_current_object())) if staff else None,
                "unread_notifications": _unread_count if staff else None,
                "header_search": staff and role in CHILD_RECORD_ROLES}
