"""Fixtures for the pages: seeded children, and a live server with Debian's Chromium for the
browser tests. (Each test request gets its own app context: see tests/conftest.py.)"""
from __future__ import annotations

import os
from datetime import date

import pytest

from tests.support.served import served

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VALID_NHS = "9434765919"
OTHER_VALID_NHS = "9434765870"


@pytest.fixture
def make_child(app, make_user, actor_for, now):
    """Record a child through the service, as a practitioner would."""
    from triage.services import children

    recorder = {}

    def make(first_name="Amira", last_name="Hussain", date_of_birth=date(2015, 6, 1), **fields):
        if "user" not in recorder:
            recorder["user"] = make_user("practitioner", username="recorder")
        fields = {"first_name": first_name, "last_name": last_name, "sex": "female",
                  "date_of_birth": date_of_birth, **fields}
        return children.create_child(actor_for(recorder["user"]), now, fields, confirmed_new=True)

    return make


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free port, in a thread; yields its base URL."""
    with served(app) as url:
        yield url


@pytest.fixture
def browser():
    """Debian's Chromium through Playwright; never `playwright install`."""
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"Browser tests must run in CI: {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
