"""The cases blueprint, shared by the case page and the lists."""
from flask import Blueprint, current_app, url_for

bp = Blueprint("cases", __name__, url_prefix="/cases")

PER_PAGE = 50
STATUS_COLOURS = {"closed": "grey", "authorised": "green", "overdue": "red", "due_soon": "yellow",
                  "not_allocated": "purple", "not_started": "light-blue", "in_progress": "blue"}
CLOCK_STATES = {"running": ("Running", "blue"), "due_soon": ("Due soon", "yellow"), "met": ("Met", "green"),
                "breached": ("Breached", "red")}


def contact_url(contact_id: int | None) -> str | None:
    """The contact page, when this deployment has it."""
    if contact_id and "web.contacts.show" in current_app.view_functions:
        return url_for("web.contacts.show", contact_id=contact_id)
    return None


def child_url(child_id: int) -> str | None:
    """The child's page (their record and story), when this deployment has it."""
    if "web.children.show" in current_app.view_functions:
        return url_for("web.children.show", child_id=child_id)
    return None
