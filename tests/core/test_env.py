from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tandem.env import database_config, email_config, env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]


def test_env_bool_reads_common_spellings() -> None:
    assert env_bool("X", False, environ={"X": "yes"}) is True
    assert env_bool("X", True, environ={"X": "0"}) is False
    assert env_bool("X", True, environ={}) is True


def test_env_bool_refuses_anything_else_naming_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG", False, environ={"DEBUG": "maybe"})


def test_env_int_names_the_variable_and_value() -> None:
    assert env_int("N", 3, environ={"N": "12"}) == 12
    with pytest.raises(ImproperlyConfigured, match=r"N='twelve' is not a whole number"):
        env_int("N", 3, environ={"N": "twelve"})
    with pytest.raises(ImproperlyConfigured, match=r"N=0 must be at least 1"):
        env_int("N", 3, minimum=1, environ={"N": "0"})


def test_env_list_and_str() -> None:
    assert env_list("HOSTS", ["a"], environ={"HOSTS": " x.org, y.org ,"}) == ["x.org", "y.org"]
    assert env_list("HOSTS", ["a"], environ={}) == ["a"]
    assert env_str("S", "default", environ={"S": ""}) == "default"


def test_database_config_sqlite_and_postgres() -> None:
    sqlite = database_config("sqlite:////tmp/t.sqlite3")
    assert sqlite["ENGINE"] == "tandem.core.sqlite3"  # Django's, retrying a locked write
    assert sqlite["NAME"] == "/tmp/t.sqlite3"
    postgres = database_config("postgres://u:p@db.example:5433/tandem")
    assert (postgres["ENGINE"], postgres["HOST"], postgres["PORT"], postgres["NAME"]) == (
        "django.db.backends.postgresql",
        "db.example",
        5433,
        "tandem",
    )


@pytest.mark.parametrize("url", ["mysql://x/y", "nonsense", "postgres://host"])
def test_database_config_refuses_unsupported_urls(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_config(url)


def test_email_config_smtp() -> None:
    config = email_config("smtp://mailer:s%40cret@smtp.example.org:2525")
    assert config["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert config["OPTIONS"] == {
        "host": "smtp.example.org",
        "port": 2525,
        "username": "mailer",
        "password": "s@cret",
        "use_ssl": False,
        "use_tls": True,
        "timeout": 20,
    }


@pytest.mark.parametrize("url", ["carrier-pigeon://x", "smtp://", "smtp://host:port"])
def test_email_config_refuses_bad_urls(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        email_config(url)


def _start_settings(**overrides: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import tandem.settings"],
        env={**environment, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        check=False,
    )


def test_settings_require_a_secret_key_when_debug_is_off() -> None:
    result = _start_settings()
    assert result.returncode == 1
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_settings_name_a_bad_variable_at_start_up() -> None:
    result = _start_settings(SECRET_KEY="x", TIME_ZONE="Mars/Olympus")
    assert "TIME_ZONE='Mars/Olympus' is not an IANA time zone name" in result.stderr
    result = _start_settings(SECRET_KEY="x", DATABASE_URL="oracle://db")
    assert "DATABASE_URL='oracle://db' is not supported" in result.stderr


def test_settings_start_with_debug_and_no_secret_key() -> None:
    assert _start_settings(DEBUG="1").returncode == 0
