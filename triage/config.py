"""Configuration: safe defaults, overridden by TRIAGE_-prefixed environment variables.

Every number a council might set differently (clock lengths, warning thresholds, the
decision policy) lives here as a default so that it is data, not code.
"""
from __future__ import annotations

import json
import os
from datetime import timedelta

DEV_SECRET = "dev-only-not-secret"


class Defaults:
    SECRET_KEY = DEV_SECRET
    # Production unless told otherwise: a forgotten variable must never mean running on the
    # public development secret. `make run` and the tests say development / testing.
    ENV_NAME = "production"  # development | production | testing
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in by load_config()
    # hide_parameters: SQL errors must never carry a child's details into a log.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "hide_parameters": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    COUNCIL_NAME = "Demo Borough Council"
    SERVICE_NAME = "Front Door triage"

    # Sessions: idle timeout and lockout.
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    SESSION_REFRESH_EACH_REQUEST = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCKOUT_MINUTES = 15

    WTF_CSRF_TIME_LIMIT = None  # the session lifetime already bounds it

    # API (flask-smorest)
    API_TITLE = "Front Door triage API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    OPENAPI_SWAGGER_UI_URL = "/vendor/swagger-ui/"  # swagger-ui-dist from npm, served locally
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
        },
        "security": [{"bearerAuth": []}],
    }

    # Clocks (domain.md section 2); every number is a setting.
    DECISION_POLICY = "24h"  # "24h" elapsed hours, or "1wd" end of next working day
    DECISION_HOURS = 24
    DECISION_WARN_HOURS = 4
    PARTNER_HOURS_BY_RAG = {"red": 4, "amber": 24, "green": 72}
    ASSESSMENT_WORKING_DAYS = 45
    ASSESSMENT_WARN_WORKING_DAYS = 5
    CASE_DISCUSSION_WORKING_DAYS = [10, 35]
    ICPC_WORKING_DAYS = 15
    CHILD_POPULATION = 63000

    # Statutory returns (issue 11). The census header: the council's 3-digit LA code, the
    # software's code and release, and the serial number of this council's return.
    CENSUS_LEA = "001"
    CENSUS_SOFTWARE_CODE = "TRIAGE"
    CENSUS_RELEASE = "1.0"
    CENSUS_SERIAL_NO = "001"
    # Ofsted Annex A: months before the inspection date each list covers.
    ANNEX_A_CONTACT_MONTHS = 6
    ANNEX_A_MONTHS = 12

    # Scheduler
    SWEEP_INTERVAL_SECONDS = 60
    SCHEDULER_HEARTBEAT_SECONDS = 20  # SQLite lock row; stale after three missed beats
    SCHEDULER_STANDBY_RETRY_SECONDS = 15  # how often a standby copy tries to take over
    MORNING_REPORT_HOUR = 7
    MORNING_REPORT_MINUTE = 0

    # The address people use to reach the service, for links in emails (e.g. https://triage.example.gov.uk).
    SERVICE_URL = "http://127.0.0.1:5000"

    # Email is off unless an SMTP host is configured.
    SMTP_HOST: str | None = None
    SMTP_PORT = 25
    MAIL_FROM = "front-door@example.invalid"

    # Meetings: how long partners keep access to a meeting's items after it closes.
    MEETING_PARTNER_ACCESS_HOURS = 2
    # Meeting types (issue 5): code -> name, cadence (daily / weekly), usual start (London),
    # core agencies (codes; absent ones are shown on the record), scope (county / locality),
    # the contact channels whose arrivals go on the agenda by themselves, and whether contacts
    # a practitioner puts forward go to this type of meeting.
    MEETING_TYPES = {
        "mash_daily": {
            "name": "Daily MASH triage", "cadence": "daily", "starts_at": "09:30",
            "core_agencies": ["childrens_social_care", "police", "health", "education", "early_help"],
            "scope": "county", "channels": ["police_notification"], "takes_put_forward": True,
        },
        "emotional_health_weekly": {
            "name": "Weekly emotional-health triage", "cadence": "weekly", "starts_at": "13:30",
            "core_agencies": ["camhs", "primary_mental_health", "school_nursing", "early_help"],
            "scope": "locality", "channels": [], "takes_put_forward": False,
        },
    }
    # Agencies the meeting types need beyond the standard ones: code -> (name, kind).
    MEETING_AGENCIES = {
        "camhs": ["CAMHS / CYPS", "health"],
        "primary_mental_health": ["Primary mental health", "health"],
        "school_nursing": ["School nursing", "health"],
    }

    # Behind a load balancer: how many proxies' X-Forwarded-For to trust (0: none).
    PROXY_FIX_X_FOR = 0

    GOVUK_FRONTEND_DIR: str | None = None  # defaults to node_modules/govuk-frontend/dist/govuk


class ConfigError(RuntimeError):
    """Raised when the service must not start with the configuration it was given."""


def _coerce(raw: str, current):
    """Read an environment string as the type of the default it overrides."""
    if isinstance(current, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int):
        return int(raw)
    if isinstance(current, timedelta):
        return timedelta(seconds=int(raw))
    if isinstance(current, (dict, list)):
        return json.loads(raw)
    return raw


def load_config(instance_path: str, environ=os.environ) -> dict:
    """Defaults, then TRIAGE_* overrides, then DATABASE_URL; refuse unsafe production config."""
    config = {k: v for k, v in vars(Defaults).items() if k.isupper()}
    for key, raw in environ.items():
        if key.startswith("TRIAGE_"):
            name = key[len("TRIAGE_"):]
            try:
                config[name] = _coerce(raw, config.get(name, ""))
            except (ValueError, json.JSONDecodeError) as exc:
                raise ConfigError(f"{key} could not be read: {exc}") from None
    url = environ.get("DATABASE_URL") or config.get("DATABASE_URL")
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        url or f"sqlite:///{os.path.join(instance_path, 'triage.sqlite')}"
    )
    return config


def normalise_database_url(url: str) -> str:
    """Accept the common postgres:// spellings and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def check_production_safety(config: dict) -> None:
    if config.get("ENV_NAME") != "production":
        return
    secret = config.get("SECRET_KEY") or ""
    if secret == DEV_SECRET or len(secret) < 32:
        raise ConfigError(
            "TRIAGE_SECRET_KEY must be set to a random value of at least 32 characters in production "
            "(for local development set TRIAGE_ENV_NAME=development)"
        )
    if not config.get("SESSION_COOKIE_SECURE"):
        raise ConfigError("TRIAGE_SESSION_COOKIE_SECURE must be true in production (HTTPS only)")


def check_clock_settings(config: dict) -> None:
    """Refuse to start with clock settings that would make every contact fail later."""
    problems = []
    if config.get("DECISION_POLICY") not in ("24h", "1wd"):
        problems.append(f"TRIAGE_DECISION_POLICY must be 24h or 1wd, not {config.get('DECISION_POLICY')!r}")
    rag = config.get("PARTNER_HOURS_BY_RAG")
    if not isinstance(rag, dict) or set(rag) != {"red", "amber", "green"} or not all(
            isinstance(v, int) and v > 0 for v in rag.values()):
        problems.append("TRIAGE_PARTNER_HOURS_BY_RAG must give whole positive hours for red, amber and green")
    for key in ("DECISION_HOURS", "ASSESSMENT_WORKING_DAYS", "ICPC_WORKING_DAYS", "CHILD_POPULATION"):
        if not isinstance(config.get(key), int) or config[key] <= 0:
            problems.append(f"TRIAGE_{key} must be a positive whole number")
    if problems:
        raise ConfigError("; ".join(problems))
