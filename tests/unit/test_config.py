"""Configuration: TRIAGE_ overrides, DATABASE_URL, and production refusing unsafe settings."""
import pytest

from triage.config import DEV_SECRET, ConfigError, check_production_safety, load_config


def test_triage_prefixed_variables_override_defaults_with_the_right_types():
    config = load_config("/tmp/x", environ={
        "TRIAGE_DECISION_POLICY": "1wd", "TRIAGE_DECISION_HOURS": "12", "TRIAGE_SESSION_COOKIE_SECURE": "true",
        "TRIAGE_PARTNER_HOURS_BY_RAG": '{"red": 2, "amber": 6, "green": 24}'})
    assert config["DECISION_POLICY"] == "1wd" and config["DECISION_HOURS"] == 12
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["PARTNER_HOURS_BY_RAG"] == {"red": 2, "amber": 6, "green": 24}


def test_a_malformed_override_stops_start_up_naming_the_variable():
    with pytest.raises(ConfigError, match="TRIAGE_DECISION_HOURS"):
        load_config("/tmp/x", environ={"TRIAGE_DECISION_HOURS": "a day"})


def test_sqlite_in_the_instance_folder_by_default_and_postgres_urls_use_psycopg():
    assert load_config("/srv/i", environ={})["SQLALCHEMY_DATABASE_URI"] == "sqlite:////srv/i/triage.sqlite"
    url = load_config("/srv/i", environ={"DATABASE_URL": "postgres://u:p@db/triage"})["SQLALCHEMY_DATABASE_URI"]
    assert url == "postgresql+psycopg://u:p@db/triage"


@pytest.mark.parametrize("secret", [DEV_SECRET, "short", ""])
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        check_production_safety({"ENV_NAME": "production", "SECRET_KEY": secret, "SESSION_COOKIE_SECURE": True})


def test_production_refuses_cookies_over_plain_http():
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE"):
        check_production_safety({"ENV_NAME": "production", "SECRET_KEY": "x" * 40, "SESSION_COOKIE_SECURE": False})


def test_create_app_refuses_production_with_the_development_secret(monkeypatch, tmp_path):
    from triage.app import create_app

    monkeypatch.setenv("TRIAGE_ENV_NAME", "production")
    monkeypatch.delenv("TRIAGE_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})


@pytest.mark.parametrize("override, name", [({"DECISION_POLICY": "1WD"}, "DECISION_POLICY"),
                                            ({"PARTNER_HOURS_BY_RAG": {"red": 4}}, "PARTNER_HOURS_BY_RAG"),
                                            ({"ASSESSMENT_WORKING_DAYS": 0}, "ASSESSMENT_WORKING_DAYS"),
                                            ({"TOKEN_LONGEST_DAYS": 0}, "TOKEN_LONGEST_DAYS"),
                                            ({"TOKEN_DEFAULT_DAYS": 400}, "TOKEN_DEFAULT_DAYS cannot be longer")])
def test_clock_settings_that_would_break_intake_stop_start_up(override, name):
    from triage.config import check_clock_settings

    config = {**load_config("/tmp/x", environ={}), **override}
    with pytest.raises(ConfigError, match=name):
        check_clock_settings(config)


def test_without_being_told_otherwise_the_service_assumes_production():
    assert load_config("/tmp/x", environ={})["ENV_NAME"] == "production"
