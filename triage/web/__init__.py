"""Server-rendered pages: Jinja with GOV.UK Frontend, forms with CSRF."""
from flask import Blueprint, Flask

from triage.web import assets, auth, home

bp = Blueprint("web", __name__, template_folder="templates")
bp.register_blueprint(assets.bp)
bp.register_blueprint(auth.bp)
bp.register_blueprint(home.bp)


def register(app: Flask) -> None:
    from triage.web import filters
    filters.register(app)
    app.register_blueprint(bp)
