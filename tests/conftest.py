"""Shared fixtures: an app per database backend, a clean database per test, people to act as.

Tests that take the `app` (or `backend`) fixture run on SQLite and on a throwaway PostgreSQL
cluster; browser tests run on SQLite only. In CI (CI=true) PostgreSQL must run, never skip.
"""
from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.support.postgres import PostgresUnavailable, create_database, throwaway_cluster

pytest_plugins = ["tests.support.report_council", "tests.support.smtp"]

BACKENDS = ("sqlite", "postgresql")
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # a Friday morning
PASSWORD = "correct horse battery"


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = BACKENDS
        if "/tests/web/" in str(metafunc.definition.path) or metafunc.definition.get_closest_marker("sqlite_only"):
            backends = ("sqlite",)
        elif metafunc.definition.get_closest_marker("postgresql_only"):
            backends = ("postgresql",)
        metafunc.parametrize("backend", backends, scope="session")


@pytest.fixture(scope="session")
def postgres_admin_url():
    try:
        with throwaway_cluster() as url:
            yield url
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL tests must run in CI: {exc}")
        pytest.skip(str(exc))


def _base_config(url: str) -> dict:
    return {
        "TESTING": True,
        "ENV_NAME": "testing",
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "WTF_CSRF_ENABLED": True,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LOG_TRACEBACKS": True,
    }


def _upgrade(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@pytest.fixture(scope="session")
def _sqlite_app(tmp_path_factory):
    from triage.app import create_app

    folder = tmp_path_factory.mktemp("sqlite")
    live = folder / "triage.sqlite"
    app = create_app(_base_config(f"sqlite:///{live}"))
    _upgrade(app)
    with app.app_context():
        from triage.extensions import db
        db.engine.dispose()
    template = folder / "template.sqlite"
    shutil.copy(live, template)
    app.config["_TEMPLATE_DB"] = (template, live)
    return app


@pytest.fixture(scope="session")
def _postgresql_app(request):
    from triage.app import create_app

    admin_url = request.getfixturevalue("postgres_admin_url")
    url = create_database(admin_url, "triage_test")
    app = create_app(_base_config(url))
    _upgrade(app)
    yield app
    # Close pooled connections before the cluster stops; left to the garbage collector they
    # raise ResourceWarnings during pytest's teardown, which filterwarnings=error turns fatal.
    with app.app_context():
        from triage.extensions import db
        db.engine.dispose()


def _reset(app, backend: str) -> None:
    from triage.extensions import db
    from triage.services import calendar, people

    # A fresh database per test: what a process keeps of the last one goes too.
    calendar.forget_cached_calendar()
    people.forget_cached_tokens()
    with app.app_context():
        db.session.remove()
        if backend == "sqlite":
            # Copying a migrated template is faster than deleting, and the audit table's
            # append-only triggers would refuse a DELETE anyway.
            db.engine.dispose()
            template, live = app.config["_TEMPLATE_DB"]
            for suffix in ("-wal", "-shm"):
                if os.path.exists(f"{live}{suffix}"):
                    os.remove(f"{live}{suffix}")
            shutil.copy(template, live)
        else:
            # The calendar table is data the migration writes, like the SQLite template's.
            tables = [t.name for t in db.metadata.sorted_tables if t.name != "working_day"]
            with db.engine.begin() as conn:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                  + " RESTART IDENTITY CASCADE"))


class FreshContextClient(FlaskClient):
    """Runs each request in its own app context, as production does.

    The `app` fixture keeps an app context open so tests can call services; without this,
    requests would share its `g` (Flask-Login's cached user, the CSRF token) and its session.
    """

    def open(self, *args, **kwargs):
        from triage.extensions import db

        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()  # the test's own session must see what the request wrote
        return response


def _reset_rate_limits() -> None:
    """Rate-limit counts live in the process: each test starts with none, and with the limiter
    off unless it asks for `rate_limits`.

    Off, because the in-memory storage expires its counts from a timer thread that calls
    time.time(): under freezegun that thread can meet a freezer stopping in the test and die
    (an unhandled thread exception, which fails whichever test is running). The timer also
    reads the very dicts that reset() empties, without a lock: stop it first.
    """
    from triage.extensions import limiter

    timer = getattr(limiter.storage, "timer", None)
    if timer is not None:
        timer.cancel()
        timer.join()
    limiter.reset()
    limiter.enabled = False


@pytest.fixture
def rate_limits(app):
    """The sign-in rate limits switched on, as in production (tests of the limits themselves)."""
    from triage.extensions import limiter

    limiter.enabled = True
    yield limiter
    _reset_rate_limits()


@pytest.fixture
def app(request, backend):
    app = request.getfixturevalue(f"_{backend}_app")
    app.test_client_class = FreshContextClient
    _reset(app, backend)
    _reset_rate_limits()
    with app.app_context():
        from triage.services.calendar import ensure_working_days
        from triage.services.reference import ensure_agencies
        ensure_agencies()
        if ensure_working_days():  # a closure day an earlier test added left it shifted
            from triage.extensions import db
            db.session.commit()
        yield app
        from triage.extensions import db
        db.session.remove()


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def make_user(app):
    """Create a person in a role; returns the User."""
    from triage.services import people

    counter = {"n": 0}

    def make(role: str, username: str | None = None, agency: str | None = None, team: str | None = None):
        counter["n"] += 1
        if role == "partner" and agency is None:
            agency = "police"
        name = username or f"{role}{counter['n']}"
        return people.create_user(NOW, name, f"{role.title()} Person {counter['n']}", PASSWORD,
                                  role, agency, team)

    return make


@pytest.fixture
def actor_for():
    """An Actor for a User, as the web layer would build it."""
    from triage.domain.roles import Role
    from triage.services.actor import Actor

    def build(user, channel: str = "page"):
        return Actor(role=Role(user.role), label=user.username, user_id=user.id,
                     agency_id=user.agency_id, team_id=user.team_id, channel=channel,
                     remote_addr="127.0.0.1")

    return build


@pytest.fixture
def client(app):
    return app.test_client()


class ApiClient:
    """A test client that sends a bearer token, as a partner system would."""

    def __init__(self, app, secret: str):
        self._client = app.test_client()
        self._headers = {"Authorization": f"Bearer {secret}"}

    def __getattr__(self, verb):
        method = getattr(self._client, verb)

        def call(url, **kwargs):
            headers = {**self._headers, **kwargs.pop("headers", {})}
            return method(url, headers=headers, **kwargs)

        return call


def working_token(role: str, agency: str | None = None, name: str | None = None) -> str:
    """The secret of a fresh, working bearer token for `role` (and agency for partners).

    Created at the real time (tokens expire, and requests check them at the real time unless a
    test freezes it), and approved out of band: the tests that use it are not about approval.
    """
    from triage.clock import utcnow
    from triage.extensions import db
    from triage.services import people

    if role == "partner" and agency is None:
        agency = "police"
    token, secret = people.create_token(utcnow(), name or f"{role} system", role, agency)
    if token.approved_at is None:
        token.approved_at = token.created_at
        db.session.commit()
    return secret


@pytest.fixture
def api_as(app):
    """An API client holding a fresh, working bearer token (see working_token)."""

    def make(role: str, agency: str | None = None):
        return ApiClient(app, working_token(role, agency))

    return make


def csrf_token_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html) or \
        re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def login(client):
    """Sign a test client in through the real login form."""

    def do(user, password: str = PASSWORD, follow: bool = False):
        page = client.get("/login")
        token = csrf_token_from(page.get_data(as_text=True))
        return client.post("/login", data={"username": user.username, "password": password,
                                           "csrf_token": token}, follow_redirects=follow)

    return do
