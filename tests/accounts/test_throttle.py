"""Log-in throttling: shared by every process, the same for the admin, slows an account down
without ever locking out its right password, and limits one address guessing many accounts."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings

from tandem.accounts import throttle
from tandem.accounts.models import User
from tandem.core.clients import client_ip
from tandem.env import cache_config
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(throttle, "_now", fake)
    return fake


def log_in(client: Client, email: str, password: str, **extra: Any) -> Any:
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def admin_log_in(client: Client, email: str, password: str, **extra: Any) -> Any:
    return client.post(
        "/admin/login/?next=/admin/", {"username": email, "password": password}, **extra
    )


def test_the_default_cache_is_the_database_cache_every_process_shares() -> None:
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert cache_config("redis://cache:6379/1") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache:6379/1",
    }


def test_two_processes_count_failures_together(user: User, clock: Clock) -> None:
    """Two clients stand for two server processes: the count is in the shared cache."""
    first, second = Client(), Client()
    for attempt in range(5):
        worker = first if attempt % 2 else second
        assert log_in(worker, user.email, "guess").status_code == 200
    refused = log_in(first, user.email, "another guess")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "2"
    assert "try again in 2 seconds" in refused.text
    assert log_in(second, user.email, "guess").status_code == 429


def test_the_right_password_gets_in_once_the_wait_is_over(user: User, clock: Clock) -> None:
    attacker = Client()
    for _ in range(6):
        clock.now += 5  # longer than the waits so far: every guess is checked, and fails
        assert log_in(attacker, user.email, "guess").status_code == 200
    me = Client()
    waiting = log_in(me, user.email, PASSWORD)
    assert waiting.status_code == 429
    assert "Your right password will work then." in waiting.text
    clock.now += throttle.account_wait(6)
    assert log_in(me, user.email, PASSWORD).status_code == 302


def test_a_known_browser_is_never_slowed_by_someone_elses_guesses(user: User, clock: Clock) -> None:
    me = Client()
    assert log_in(me, user.email, PASSWORD).status_code == 302
    me.post("/accounts/logout/")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(10):
        log_in(attacker, user.email, "guess")
    assert log_in(attacker, user.email, PASSWORD).status_code == 429
    assert log_in(me, user.email, PASSWORD).status_code == 302


def test_the_waits_grow_but_stay_bounded() -> None:
    assert [throttle.account_wait(n) for n in (0, 4, 5, 6, 7, 20)] == [0, 0, 2, 4, 8, 300]


def test_admin_login_shares_the_throttle(clock: Clock) -> None:
    admin = User.objects.create_superuser("root@example.org", PASSWORD)
    client = Client()
    for _ in range(3):
        log_in(client, admin.email, "guess")
    for _ in range(2):
        assert admin_log_in(client, admin.email, "guess").status_code == 200
    refused = admin_log_in(client, admin.email, PASSWORD)
    assert refused.status_code == 429
    clock.now += 10
    assert admin_log_in(client, admin.email, PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_stopped(clock: Clock) -> None:
    client = Client(REMOTE_ADDR="198.51.100.7")
    for number in range(20):
        log_in(client, f"person{number}@example.org", "guess")
    someone = UserFactory()
    refused = log_in(client, someone.email, PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed log-ins from your network" in refused.text
    assert log_in(Client(REMOTE_ADDR="198.51.100.8"), someone.email, PASSWORD).status_code == 302
    clock.now += 901
    assert log_in(client, someone.email, PASSWORD).status_code == 302


def test_a_forged_forwarded_for_does_not_dodge_the_address_limit(clock: Clock) -> None:
    client = Client(REMOTE_ADDR="198.51.100.7")
    for number in range(20):
        log_in(client, f"p{number}@example.org", "x", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")
    someone = UserFactory()
    forged = log_in(client, someone.email, PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert forged.status_code == 429


@pytest.mark.parametrize(
    ("proxy_settings", "forwarded", "remote", "expected"),
    [
        ({}, "1.2.3.4", "10.0.0.1", "10.0.0.1"),
        ({"TRUSTED_PROXY_COUNT": 1}, "6.6.6.6, 1.2.3.4", "10.0.0.1", "1.2.3.4"),
        ({"TRUSTED_PROXY_COUNT": 2}, "6.6.6.6, 1.2.3.4, 10.0.0.2", "10.0.0.1", "1.2.3.4"),
        ({"TRUSTED_PROXY_COUNT": 2}, "1.2.3.4", "10.0.0.1", "10.0.0.1"),
        ({"TRUSTED_PROXIES": ["10.0.0.0/8"]}, "6.6.6.6, 1.2.3.4, 10.0.0.2", "10.0.0.1", "1.2.3.4"),
        ({"TRUSTED_PROXIES": ["10.0.0.0/8"]}, "1.2.3.4", "192.0.2.1", "192.0.2.1"),
    ],
)
def test_client_address_believes_forwarded_for_only_from_trusted_proxies(
    proxy_settings: dict[str, Any], forwarded: str, remote: str, expected: str
) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(**proxy_settings):
        assert client_ip(request) == expected
