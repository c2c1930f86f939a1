"""The menu: what each role can reach. Entries appear once their page exists.

The top menu holds a role's daily work and fits one line on a desktop; the rest of what the role
can reach (occasional tasks, the account, the API documentation) is listed in the footer, and
the home page lists everything. Home is the service's name, notifications and search are in the
header.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for

from triage.domain.roles import Role

R = Role
EVERYONE = tuple(Role)


@dataclass(frozen=True)
class Entry:
    text: str
    endpoint: str
    roles: tuple[Role, ...]
    in_menu_for: tuple[Role, ...] = ()  # in the top menu for these roles; in the footer for the others


MENU = [
    Entry("Home", "web.home.index", EVERYONE),
    Entry("Log a contact", "web.contacts.new", (R.ERA, R.PRACTITIONER, R.MANAGER), (R.ERA, R.PRACTITIONER, R.MANAGER)),
    Entry("Queue", "web.contacts.queue", (R.ERA, R.PRACTITIONER, R.MANAGER), (R.ERA, R.PRACTITIONER, R.MANAGER)),
    Entry("Upload police notifications", "web.contacts.upload", (R.ERA, R.PRACTITIONER, R.MANAGER)),
    Entry("Out of hours", "web.out_of_hours.index", (R.ERA, R.PRACTITIONER, R.MANAGER), (R.ERA,)),
    Entry("Information requests", "web.requests.inbox", (R.PARTNER, R.PRACTITIONER, R.MANAGER),
          (R.PARTNER, R.PRACTITIONER, R.MANAGER)),
    Entry("Triage meetings", "web.meetings.index", (R.PRACTITIONER, R.MANAGER, R.PARTNER),
          (R.PRACTITIONER, R.MANAGER, R.PARTNER)),
    Entry("Cases", "web.cases.index", (R.PRACTITIONER, R.MANAGER), (R.PRACTITIONER, R.MANAGER)),
    Entry("Due and breached", "web.cases.oversight", (R.MANAGER,), (R.MANAGER,)),
    Entry("Morning report", "web.reports.morning", (R.MANAGER, R.PERFORMANCE), (R.MANAGER, R.PERFORMANCE)),
    Entry("Statutory returns", "web.returns.index", (R.PERFORMANCE, R.MANAGER, R.ADMIN), (R.PERFORMANCE, R.ADMIN)),
    Entry("Import the tracker", "web.imports.tracker", (R.MANAGER, R.ADMIN), (R.ADMIN,)),
    Entry("Retention review", "web.retention.index", (R.MANAGER,)),
    Entry("Notifications", "web.notifications.index", (R.PRACTITIONER, R.MANAGER)),
    Entry("Find a child", "web.children.search", (R.ERA, R.PRACTITIONER, R.MANAGER), (R.ERA,)),
    Entry("Closure days", "web.admin.closure_days", (R.ADMIN,), (R.ADMIN,)),
    Entry("Pathways", "web.meetings.pathways", (R.ADMIN,), (R.ADMIN,)),
    Entry("Users", "web.admin.users", (R.ADMIN,), (R.ADMIN,)),
    Entry("Token approvals", "web.admin.token_approvals", (R.MANAGER,)),
    Entry("Referrer wording", "web.feedback.wording", (R.ADMIN,)),  # managers: from a contact's feedback page
    Entry("Your password", "web.auth.change_password", EVERYONE),
    Entry("API documentation", "api-docs.openapi_swagger_ui", EVERYONE),
]


def items_for(role: Role | None, path: str = "") -> list[dict]:
    """Everything the role can reach (the home page lists it); the entry whose address is the
    longest prefix of `path` is active (so /cases/due highlights "Due and breached", not "Cases"
    as well)."""
    if role is None:
        return []
    views = current_app.view_functions
    items = [{"text": e.text, "href": url_for(e.endpoint), "active": False, "in_menu": role in e.in_menu_for}
             for e in MENU if role in e.roles and e.endpoint in views]
    matches = [i for i in items if path == i["href"] or (i["href"] != "/" and path.startswith(i["href"]))]
    if matches:
        max(matches, key=lambda i: len(i["href"]))["active"] = True
    return items


def menu_for(role: Role | None, path: str = "") -> tuple[list[dict], list[dict]]:
    """(the top menu, the footer's links) for the role."""
    items = items_for(role, path)
    return [i for i in items if i["in_menu"]], [i for i in items if not i["in_menu"] and i["href"] != "/"]
