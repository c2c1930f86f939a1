"""Security headers on every answer: a strict CSP whose nonce covers each inline script, HSTS in
production over HTTPS, Permissions-Policy and Cross-Origin-Opener-Policy; no inline handlers."""
import re
from pathlib import Path

import pytest

from tests.conftest import _base_config

TEMPLATES = [p for root in ("triage/web/templates", "triage/templates") for p in Path(root).rglob("*.html")]
EVERY_ANSWER = ["/login", "/healthz", "/api/v1/me", "/api/v1/openapi.json", "/no/such/page",
                "/static/triage.css", "/assets/govuk-frontend.min.css"]


@pytest.mark.parametrize("path", EVERY_ANSWER)
def test_every_answer_carries_the_security_headers_signed_in_or_not(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # not production, not HTTPS
    response.close()  # static files are streamed from an open file


def test_each_inline_script_carries_this_answers_nonce_and_the_nonce_changes(client, login, make_user):
    login(make_user("manager"))
    nonces = []
    for _ in range(2):
        response = client.get("/")
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        scripts = re.findall(r"<script\b([^>]*)>", response.get_data(as_text=True))
        inline = [attrs for attrs in scripts if "src=" not in attrs]
        assert len(inline) == 2 and all(f'nonce="{nonce}"' in attrs for attrs in inline)
        nonces.append(nonce)
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 32


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p).split("templates/")[1])
def test_no_template_has_an_inline_handler_a_style_attribute_or_a_script_without_a_nonce(template):
    text = template.read_text()
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert not re.search(r"\sstyle\s*=|<style\b", text), "inline style"
    assert "javascript:" not in text
    for attrs in re.findall(r"<script\b([^>]*)>", text):
        assert "src=" in attrs or "nonce=" in attrs, attrs


def test_the_api_docs_page_runs_swagger_ui_under_the_nonce(client, login, make_user):
    login(make_user("era"))
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.get_data(as_text=True)
    assert f'<script nonce="{nonce}">' in html and "SwaggerUIBundle(config)" in html


@pytest.fixture
def production_app(tmp_path):
    from triage.app import create_app

    config = {**_base_config(f"sqlite:///{tmp_path / 'p.sqlite'}"), "ENV_NAME": "production",
              "SESSION_COOKIE_SECURE": True}
    return create_app(config)


@pytest.mark.parametrize("base_url, headers, hsts", [
    ("https://triage.example.gov.uk", {}, True),
    ("http://10.0.0.5", {"X-Forwarded-Proto": "https"}, True),  # TLS ended at the load balancer
    ("http://triage.example.gov.uk", {}, False),  # RFC 6797: never over plain HTTP
])
def test_production_sends_hsts_on_every_https_answer(production_app, base_url, headers, hsts):
    client = production_app.test_client()
    for path in ("/login", "/healthz", "/api/v1/me", "/nowhere"):
        response = client.get(path, base_url=base_url, headers=headers)
        assert (response.headers.get("Strict-Transport-Security") == "max-age=31536000") is hsts, path
    assert production_app.config["SESSION_COOKIE_SECURE"] is True


def test_development_never_sends_hsts(app):
    response = app.test_client().get("/login", base_url="https://localhost")
    assert "Strict-Transport-Security" not in response.headers
