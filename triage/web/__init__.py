"""Server-rendered pages: Jinja with GOV.UK Frontend, forms with CSRF."""
from flask import Blueprint, Flask

from triage.converters import IsoDateConverter
from triage.web import (
    admin,
    assets,
    auth,
    cases,
    children,
    contacts,
    feedback,
    filters,
    home,
    imports,
    meetings,
    notifications,
    out_of_hours,
    reports,
    requests,
    retention,
    returns,
    search,
)

bp = Blueprint("web", __name__, template_folder="templates")
# One area per module; add a new one to this tuple.
for area in (assets, auth, home, children, admin, contacts, requests, meetings, cases, notifications,
             reports, imports, returns, retention, search,
             feedback, out_of_hours):  # the Front Door's own features
    bp.register_blueprint(area.bp)


def register(app: Flask) -> None:
    filters.register(app)
    # Before the blueprint's rules are added: /admin/closure-days/2026-12-24/remove
    app.url_map.converters.setdefault("isodate", IsoDateConverter)
    app.register_blueprint(bp)
