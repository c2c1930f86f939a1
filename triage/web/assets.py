"""GOV.UK Frontend, Swagger UI and axe-core are installed by npm and served from node_modules.

The CSS asks for fonts and images under /assets/, so that is where they are served.
"""
from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("assets", __name__)
ROOT = Path(__file__).resolve().parents[2] / "node_modules"


def govuk_dir() -> Path:
    configured = current_app.config.get("GOVUK_FRONTEND_DIR")
    return Path(configured) if configured else ROOT / "govuk-frontend" / "dist" / "govuk"


@bp.get("/assets/<path:filename>")
def govuk(filename: str):
    directory = govuk_dir()
    if filename in ("govuk-frontend.min.css", "govuk-frontend.min.js"):
        return send_from_directory(directory, filename, max_age=3600)
    if not (directory / "assets").is_dir():
        abort(404, description="GOV.UK Frontend is not installed: run `make install`")
    return send_from_directory(directory / "assets", filename, max_age=86400)


@bp.get("/vendor/swagger-ui/<path:filename>")
def swagger_ui(filename: str):
    """Swagger UI for the interactive API docs, from npm rather than a CDN."""
    return send_from_directory(ROOT / "swagger-ui-dist", filename, max_age=3600)


@bp.get("/vendor/axe-core/axe.min.js")
def axe_core():
    """The accessibility checker the browser tests run in each page: from this origin, so the
    Content-Security-Policy lets it load. Not part of the service, so never served in production."""
    if current_app.config.get("ENV_NAME") == "production":
        abort(404)
    return send_from_directory(ROOT / "axe-core", "axe.min.js", max_age=3600)
