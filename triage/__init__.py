"""Front Door triage: the queue, the meetings, the decisions and the clocks of a council's MASH."""
from __future__ import annotations

import os

from flask import Flask

from triage.config import check_clock_settings, check_production_safety, load_config


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    from triage.converters import BoundedIntConverter
    app.url_map.converters["int"] = BoundedIntConverter
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    check_production_safety(app.config)
    check_clock_settings(app.config)
    if app.config.get("PROXY_FIX_X_FOR"):
        # Behind a load balancer: take the client address from X-Forwarded-For, trusting only
        # that many proxies, so the audit trail records who really asked.
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"],
                                x_proto=app.config["PROXY_FIX_X_FOR"])
    from triage import logs
    logs.configure()

    from triage import errors, security
    security.register(app)  # first, so sign-in is checked before anything else (CSRF included)
    _init_extensions(app)
    _register_blueprints(app)
    errors.register(app)

    from triage.cli import register as register_cli
    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from triage import auth  # noqa: F401  (registers the login loaders)
    from triage.database import configure_engine_events
    from triage.extensions import api, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    configure_engine_events()
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    limiter.init_app(app)
    api.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from triage.api import register as register_api
    from triage.web import register as register_web

    register_api(app)
    register_web(app)
