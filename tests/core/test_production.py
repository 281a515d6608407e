"""The documented production configuration: check --deploy clean, HTTPS enforced, no banner,
and a loud warning when DEBUG runs without a SECRET_KEY."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]

#: The production configuration docs/security.md documents (with a real key and host).
PRODUCTION_ENV = {
    "SECRET_KEY": "a-production-secret-that-is-long-and-random-" + "x" * 30,
    "DEBUG": "false",
    "SECURE_COOKIES": "true",
    "BEHIND_HTTPS_PROXY": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "EMAIL_URL": "smtp://tandem:secret@mail.example.org:587",
    "ALLOWED_HOSTS": "tandem.example.org",
}


def run_manage(extra_env: dict[str, str], tmp_path: Path, *args: str) -> Any:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "TANDEM_DATA_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "tandem.settings",
        "PYTHONPATH": str(ROOT / "src"),
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_check_deploy_is_clean_in_the_documented_production_configuration(
    tmp_path: Path,
) -> None:
    result = run_manage(PRODUCTION_ENV, tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_debug_without_a_secret_key_warns_loudly(tmp_path: Path) -> None:
    result = run_manage({"DEBUG": "true"}, tmp_path, "check")
    assert "WARNING: DEBUG is on and SECRET_KEY is unset" in result.stderr


@pytest.mark.django_db
def test_https_settings_redirect_plain_http_and_send_hsts(client: Client) -> None:
    with override_settings(
        SECURE_SSL_REDIRECT=True,
        SECURE_HSTS_SECONDS=31_536_000,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    ):
        plain = client.get("/accounts/login/")
        assert (plain.status_code, plain["Location"]) == (
            301,
            "https://testserver/accounts/login/",
        )
        secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
        assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert client.get("/healthz").status_code == 200


def test_tandem_serve_sends_no_server_banner(monkeypatch: pytest.MonkeyPatch) -> None:
    from gunicorn.http import wsgi as gunicorn_wsgi

    from tandem.cli import hide_server_banner

    # gunicorn as it comes, even when a test before this one in the process started `serve`
    response_class = gunicorn_wsgi.Response
    original = getattr(
        response_class, "_tandem_original_default_headers", response_class.default_headers
    )
    monkeypatch.setattr(response_class, "default_headers", original)
    monkeypatch.setattr(response_class, "_tandem_no_banner", False, raising=False)

    class Request:
        version = (1, 1)

        def should_close(self) -> bool:
            return False

    response = gunicorn_wsgi.Response.__new__(gunicorn_wsgi.Response)
    response.__dict__.update(
        req=Request(), version="gunicorn", status="200 OK", chunked=False, upgrade=False
    )
    response.should_close = lambda: False
    assert any(line.startswith("Server:") for line in response.default_headers())
    hide_server_banner()
    headers = response.default_headers()
    assert not any(line.startswith("Server:") for line in headers)
    assert headers[0] == "HTTP/1.1 200 OK\r\n"
