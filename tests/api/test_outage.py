"""A database outage is a 503 with Retry-After and an incident id, never a bare 500.

Real outages, no mocks: on PostgreSQL the test's own database stops accepting connections and
its sessions are cut (what a failover or a restart does), or the service points at a port where
nothing listens; on SQLite the database file is gone and cannot be opened.
"""
import os
import re
import shutil
import socket
from contextlib import contextmanager

import psycopg
import pytest

from tests.conftest import NOW, PASSWORD, _base_config, csrf_token_from
from triage.clock import utcnow

INCIDENT = re.compile(r"incident(?: |\":\")([0-9a-f]{12})")


def _serve(url: str):
    from flask_migrate import upgrade

    from triage.app import create_app

    app = create_app(_base_config(url))
    with app.app_context():
        upgrade()
    return app


class Outage:
    """A service on its own database, with a signed-in person and a partner token, that can go down."""

    def __init__(self, app, down, up):
        self.app, self._down, self._up = app, down, up
        with app.app_context():
            from triage.services import people
            from triage.services.reference import ensure_agencies
            ensure_agencies()
            people.create_user(NOW, "manager1", "Manager One", PASSWORD, "manager", None, None)
            # Tokens expire, and the requests below check them at the real time.
            _, self.token = people.create_token(utcnow(), "police system", "partner", "police")
        self.browser = app.test_client()
        token = csrf_token_from(self.browser.get("/login").get_data(as_text=True))
        signed_in = self.browser.post("/login", data={"username": "manager1", "password": PASSWORD,
                                                      "csrf_token": token})
        assert signed_in.status_code == 302
        self.system = app.test_client()

    def bearer(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    @contextmanager
    def database_down(self):
        self._down()
        try:
            yield
        finally:
            self._up()


def _postgres_outage(admin_url: str) -> Outage:
    from tests.support.postgres import create_database

    url = create_database(admin_url, "triage_outage")
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")

    def down():
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute('ALTER DATABASE "triage_outage" ALLOW_CONNECTIONS false')
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'triage_outage'")

    def up():
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute('ALTER DATABASE "triage_outage" ALLOW_CONNECTIONS true')

    return Outage(_serve(url), down, up)


def _sqlite_outage(folder) -> Outage:
    path = folder / "triage.sqlite"
    app = _serve(f"sqlite:///{path}")
    moved = folder / "away.sqlite"

    def down():
        with app.app_context():
            from triage.extensions import db
            db.engine.dispose()
        shutil.move(path, moved)
        os.mkdir(path)  # where the database was, something that is not one

    def up():
        os.rmdir(path)
        shutil.move(moved, path)

    return Outage(app, down, up)


@pytest.fixture
def outage(backend, request, tmp_path):
    made = _postgres_outage(request.getfixturevalue("postgres_admin_url")) if backend == "postgresql" \
        else _sqlite_outage(tmp_path)
    yield made
    with made.app.app_context():
        from triage.extensions import db
        db.session.remove()
        db.engine.dispose()


def _assert_unavailable(response, retry_after: str = "30") -> str:
    assert response.status_code == 503, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.headers["Retry-After"] == retry_after
    found = INCIDENT.search(response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)[:300]
    return found.group(1)


def test_every_kind_of_caller_gets_a_503_with_retry_after_and_an_incident_during_an_outage(outage):
    with outage.database_down():
        page = outage.browser.get("/")
        _assert_unavailable(page)
        assert "cannot reach its database" in page.get_data(as_text=True)
        api = outage.system.get("/api/v1/me", headers=outage.bearer())
        incident = _assert_unavailable(api)
        assert api.json["code"] == 503 and api.json["incident"] == incident
        _assert_unavailable(outage.browser.get("/api/v1/me"))
        signing_in = outage.app.test_client()
        token = csrf_token_from(signing_in.get("/login").get_data(as_text=True))
        _assert_unavailable(signing_in.post("/login", data={"username": "manager1", "password": PASSWORD,
                                                            "csrf_token": token}))
    assert outage.browser.get("/").status_code == 200  # back by itself when the database is
    assert outage.system.get("/api/v1/me", headers=outage.bearer()).status_code == 200


def test_healthz_says_the_same_with_or_without_a_token_and_recovers(outage):
    assert outage.system.get("/healthz", headers=outage.bearer()).json == {"status": "ok", "database": "ok"}
    with outage.database_down():
        plain = outage.app.test_client().get("/healthz")
        with_token = outage.app.test_client().get("/healthz", headers=outage.bearer())
        signed_in = outage.browser.get("/healthz")
        for response in (plain, with_token, signed_in):
            _assert_unavailable(response)
            assert {k: v for k, v in response.json.items() if k != "incident"} == {
                "status": "degraded", "database": "unavailable"}
    assert outage.app.test_client().get("/healthz", headers=outage.bearer()).status_code == 200


@pytest.mark.postgresql_only
def test_a_database_at_a_closed_port_is_a_503_for_healthz_and_the_api(backend, monkeypatch):
    from triage.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when this block ends: nothing listens there
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "2")
    app = create_app({**_base_config(f"postgresql+psycopg://postgres@127.0.0.1:{port}/triage"),
                      "OUTAGE_RETRY_AFTER_SECONDS": 5})
    client = app.test_client()
    for response in (client.get("/healthz"), client.get("/healthz", headers={"Authorization": "Bearer abc"}),
                     client.get("/api/v1/children?name=ab", headers={"Authorization": "Bearer abc"})):
        _assert_unavailable(response, retry_after="5")
    with app.app_context():
        from triage.extensions import db
        db.engine.dispose()
