"""Template helpers: times shown in London, dates the way a social worker writes them."""
from datetime import date, datetime

from flask import Flask
from flask_login import current_user

from triage.clock import to_london
from triage.domain.roles import Role
from triage.web.navigation import items_for


def london_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = to_london(value)
    return local.strftime("%-d %b %Y, %H:%M")


def long_date(value: date | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def register(app: Flask) -> None:
    app.jinja_env.filters["london"] = london_datetime
    app.jinja_env.filters["long_date"] = long_date

    @app.context_processor
    def layout_context():
        role = None
        if getattr(current_user, "is_authenticated", False):
            role = Role(current_user.role)
        return {"council_name": app.config["COUNCIL_NAME"],
                "service_name": app.config["SERVICE_NAME"], "current_role": role, "Role": Role,
                "navigation_items": lambda: items_for(role)}
