"""GOV.UK Frontend and Swagger UI are installed by npm and served from node_modules.

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
