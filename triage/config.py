"""Configuration: safe defaults, overridden by TRIAGE_-prefixed environment variables.

Every number a council might set differently (clock lengths, warning thresholds, the
decision policy) lives here as a default so that it is data, not code.
"""
from __future__ import annotations

import json
import os
from datetime import time, timedelta

from triage.domain import clocks

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

    # Sessions: idle timeout.
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    SESSION_REFRESH_EACH_REQUEST = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    # Sign-in never locks an account. Wrong passwords for one username from one address make
    # that address wait before its next try: nothing after LOGIN_FREE_FAILURES, then
    # LOGIN_FIRST_WAIT_SECONDS doubling up to LOGIN_LONGEST_WAIT_SECONDS; forgotten after a day.
    LOGIN_FREE_FAILURES = 3
    LOGIN_FIRST_WAIT_SECONDS = 5
    LOGIN_LONGEST_WAIT_SECONDS = 900
    LOGIN_FAILURES_FORGOTTEN_HOURS = 24
    # Rate limits (Flask-Limiter): sign-in attempts from one address, and failed sign-ins to one
    # username from addresses that account has never signed in from (its usual places are exempt).
    LOGIN_LIMIT_PER_ADDRESS = "30 per 10 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "20 per hour"
    # In each process by default; with several web workers point it at shared storage
    # (e.g. redis://...) so the limits hold across them.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True

    # API tokens expire (a default, and a longest a person may choose). Tokens for these roles,
    # which read children's records, work only once a manager or a second administrator approves.
    TOKEN_DEFAULT_DAYS = 90
    TOKEN_LONGEST_DAYS = 365
    TOKEN_APPROVAL_ROLES = ["era", "practitioner", "manager", "performance"]

    WTF_CSRF_TIME_LIMIT = None  # the session lifetime already bounds it

    # Request edges: the largest body read (the tracker upload is at most 5 MB), and how deeply
    # a JSON body may nest (ours nest 4 levels; Python's parser recurses once per level).
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    MAX_JSON_DEPTH = 32
    # Strict-Transport-Security in production (HTTPS answers only): a year.
    HSTS_MAX_AGE_SECONDS = 31536000
    # While the database is unreachable: 503 with Retry-After in seconds.
    OUTAGE_RETRY_AFTER_SECONDS = 30

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

    # Clocks: every number is a setting; the defaults are the domain's (triage/domain/clocks.py).
    DECISION_POLICY = clocks.DecisionPolicy.ELAPSED_24H.value  # "24h" elapsed hours, or "1wd" end of next working day
    DECISION_HOURS = clocks.DECISION_HOURS
    DECISION_WARN_HOURS = int(clocks.DECISION_WARN_BEFORE.total_seconds() // 3600)
    PARTNER_HOURS_BY_RAG = dict(clocks.PARTNER_HOURS_BY_RAG)
    PARTNER_WARN_PERCENT = clocks.PARTNER_WARN_PERCENT  # due soon in the last 25% of a partner's time
    ASSESSMENT_WORKING_DAYS = clocks.ASSESSMENT_WORKING_DAYS
    ASSESSMENT_WARN_WORKING_DAYS = clocks.ASSESSMENT_WARN_WORKING_DAYS
    CASE_DISCUSSION_WORKING_DAYS = list(clocks.CASE_DISCUSSION_WORKING_DAYS)
    CASE_DISCUSSION_WARN_WORKING_DAYS = clocks.CASE_DISCUSSION_WARN_WORKING_DAYS
    ICPC_WORKING_DAYS = clocks.ICPC_WORKING_DAYS
    ICPC_WARN_WORKING_DAYS = clocks.ICPC_WARN_WORKING_DAYS
    END_OF_WORKING_DAY = clocks.END_OF_DAY.isoformat()  # London time, HH:MM:SS
    CHILD_POPULATION = 63000

    # Statutory returns. The census header: the council's 3-digit LA code, the
    # software's code and release, and the serial number of this council's return.
    CENSUS_LEA = "001"
    CENSUS_SOFTWARE_CODE = "TRIAGE"
    CENSUS_RELEASE = "1.0"
    CENSUS_SERIAL_NO = "001"
    # Ofsted Annex A: months before the inspection date each list covers.
    ANNEX_A_CONTACT_MONTHS = 6
    ANNEX_A_MONTHS = 12
    # Retention (years): contacts after the child's last contact; case records until this
    # birthday or these years after the last closure, whichever is later.
    RETENTION_CONTACT_YEARS = 6
    RETENTION_CASE_UNTIL_AGE = 25
    RETENTION_CASE_YEARS_AFTER_CLOSURE = 6

    # Scheduler
    SWEEP_INTERVAL_SECONDS = 60
    # The active scheduler renews its lease every heartbeat; a lease three beats old is taken
    # over by a standby at its next try: within 3 x 5 + 5 = 20 s of a kill or a hang.
    SCHEDULER_HEARTBEAT_SECONDS = 5
    SCHEDULER_STANDBY_RETRY_SECONDS = 5  # how often a standby copy tries to take over
    # PostgreSQL ends a scheduler's session left idle in a transaction this long (a stopped
    # process), so a sweep it was in the middle of is abandoned and cannot block the next one.
    SCHEDULER_IDLE_TRANSACTION_SECONDS = 30
    MORNING_REPORT_HOUR = 7
    MORNING_REPORT_MINUTE = 0

    # The address people use to reach the service, for links in emails (e.g. https://triage.example.gov.uk).
    SERVICE_URL = "http://127.0.0.1:5000"

    # Email is off unless an SMTP host is configured.
    SMTP_HOST: str | None = None
    SMTP_PORT = 25
    MAIL_FROM = "front-door@example.invalid"
    SMTP_TIMEOUT_SECONDS = 10  # each exchange with the mail server
    EMAIL_BATCH_SIZE = 50  # notifications a sender claims at a time
    # A claim lapses this long after its sender last renewed it (a sender that died without a
    # scheduler taking over from it); a scheduler's claims are released when it is replaced.
    EMAIL_CLAIM_SECONDS = 120
    EMAIL_RETRY_SECONDS = 60  # after a failed attempt; doubled after each further failure...
    EMAIL_RETRY_MAX_SECONDS = 3600  # ...up to this

    # Meetings: how long partners keep access to a meeting's items after it closes.
    MEETING_PARTNER_ACCESS_HOURS = 2
    # Partners: how long an agency may still read a contact after its request was answered or withdrawn.
    PARTNER_READ_DAYS = 7
    # Front Door opening hours (London) on working days; outside them the Emergency Duty Team
    # covers, and what it logs waits on the morning's handover list.
    FRONT_DOOR_OPENS = "08:30"
    FRONT_DOOR_CLOSES = "17:00"
    # Meeting types: code -> name, cadence (daily / weekly), usual start (London),
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
        "team_14_plus": {
            "name": "14+ team triage", "cadence": "daily", "starts_at": "11:00",
            "core_agencies": ["childrens_social_care", "police", "youth_justice", "education"],
            "scope": "county", "channels": [], "takes_put_forward": False,
        },
    }
    # Pathways: the words in a contact's concern that put it in a category, for the routing
    # rules administrators write (each word matches at the start of a word, in any case).
    CONCERN_CATEGORIES = {
        "exploitation": {"name": "Exploitation", "keywords": [
            "exploit", "county lines", "CSE", "CCE", "grooming", "groomed", "trafficking", "trafficked"]},
        "missing": {"name": "Missing from home or care", "keywords": [
            "missing", "ran away", "run away", "runaway", "absconded"]},
        "emotional_health": {"name": "Emotional health", "keywords": [
            "self-harm", "self harm", "suicid", "anxiety", "anxious", "depress", "eating disorder",
            "mental health", "emotional", "low mood", "panic attack"]},
    }
    # Agencies the meeting types need beyond the standard ones: code -> (name, kind).
    MEETING_AGENCIES = {
        "camhs": ["CAMHS / CYPS", "health"],
        "primary_mental_health": ["Primary mental health", "health"],
        "school_nursing": ["School nursing", "health"],
        "youth_justice": ["Youth justice service", "other"],
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
    for key in ("DECISION_HOURS", "ASSESSMENT_WORKING_DAYS", "ICPC_WORKING_DAYS", "CHILD_POPULATION",
                "LOGIN_FIRST_WAIT_SECONDS", "LOGIN_LONGEST_WAIT_SECONDS", "LOGIN_FAILURES_FORGOTTEN_HOURS",
                "TOKEN_DEFAULT_DAYS", "TOKEN_LONGEST_DAYS"):
        if not isinstance(config.get(key), int) or config[key] <= 0:
            problems.append(f"TRIAGE_{key} must be a positive whole number")
    problems += _clock_warning_problems(config)
    if isinstance(config.get("TOKEN_DEFAULT_DAYS"), int) and isinstance(config.get("TOKEN_LONGEST_DAYS"), int) \
            and config["TOKEN_DEFAULT_DAYS"] > config["TOKEN_LONGEST_DAYS"]:
        problems.append("TRIAGE_TOKEN_DEFAULT_DAYS cannot be longer than TRIAGE_TOKEN_LONGEST_DAYS")
    if problems:
        raise ConfigError("; ".join(problems))


def _clock_warning_problems(config: dict) -> list[str]:
    """Warnings may be zero (no warning) but never negative; the working day must end at a time."""
    problems = []
    for key in ("DECISION_WARN_HOURS", "ASSESSMENT_WARN_WORKING_DAYS", "CASE_DISCUSSION_WARN_WORKING_DAYS",
                "ICPC_WARN_WORKING_DAYS"):
        if key in config and (not isinstance(config[key], int) or config[key] < 0):
            problems.append(f"TRIAGE_{key} must be a whole number, 0 or more")
    percent = config.get("PARTNER_WARN_PERCENT", clocks.PARTNER_WARN_PERCENT)
    if not isinstance(percent, int) or not 0 <= percent <= 100:
        problems.append("TRIAGE_PARTNER_WARN_PERCENT must be a whole number from 0 to 100")
    try:
        time.fromisoformat(str(config.get("END_OF_WORKING_DAY", clocks.END_OF_DAY.isoformat())))
    except ValueError:
        problems.append("TRIAGE_END_OF_WORKING_DAY must be a time of day, HH:MM:SS")
    return problems
