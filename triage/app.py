"""The application factory: configuration, extensions, request guards, pages, API and commands.

Kept apart from the package's `__init__` so that importing the domain (or any service from a
script) never loads Flask and everything the web process needs.
"""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from triage import auth, errors, logs, security
from triage.api import register as register_api
from triage.cli import register as register_cli
from triage.config import check_clock_settings, check_production_safety, load_config
from triage.converters import BoundedIntConverter
from triage.database import configure_engine_events
from triage.extensions import api, csrf, db, limiter, login_manager, migrate
from triage.web import register as register_web

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask("triage", instance_relative_config=True)
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
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"],
                                x_proto=app.config["PROXY_FIX_X_FOR"])
    logs.configure()

    security.register(app)  # first, so sign-in is checked before anything else (CSRF included)
    _init_extensions(app)
    register_api(app)
    register_web(app)
    errors.register(app)
    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    configure_engine_events()
    migrate.init_app(app, db, directory=MIGRATIONS)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    auth.register_loaders()
    csrf.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
