"""Server-rendered pages: Jinja with GOV.UK Frontend, forms with CSRF."""
from flask import Blueprint, Flask

from triage.converters import IsoDateConverter
from triage.web import admin, assets, auth, children, home, reports

bp = Blueprint("web", __name__, template_folder="templates")
bp.register_blueprint(assets.bp)
bp.register_blueprint(auth.bp)
bp.register_blueprint(home.bp)
bp.register_blueprint(children.bp)
bp.register_blueprint(admin.bp)
bp.register_blueprint(reports.bp)


def register(app: Flask) -> None:
    from triage.web import filters
    filters.register(app)
    # Before the blueprint's rules are added: /admin/closure-days/2026-12-24/remove
    app.url_map.converters.setdefault("isodate", IsoDateConverter)
    app.register_blueprint(bp)
