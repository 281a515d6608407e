"""Password guessing, slowed down in a cache every server process shares.

Three counters, each over a window of ``LOGIN_THROTTLE_WINDOW`` seconds, in Django's default
cache (the database cache unless ``CACHE_URL`` names Redis), so two workers count together:

* **per client address** — past ``LOGIN_THROTTLE_IP_FAILURES`` failed attempts the address
  waits until the window ends (one address guessing many accounts);
* **per account** — past ``LOGIN_THROTTLE_ACCOUNT_FAILURES`` failed attempts on one account,
  from anywhere, each further attempt waits longer (2, 4, 8 … up to 300 s after the last
  failure) — slowed down, never locked: the right password gets in once the wait is over;
* the account wait does not apply to a browser where that account logged in before (a signed
  "known device" cookie), so an attacker hammering your address cannot keep *you* out.

The same throttle guards Tandem's log-in, ``/admin/login/`` and every password check of a
logged-in person (creating an API token).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from tandem.core.clients import client_ip

DEVICE_COOKIE = "tandem_device"
_DEVICE_SALT = "tandem.accounts.throttle.device"
_DEVICE_MAX_AGE = 365 * 24 * 3600
MAX_ACCOUNT_WAIT = 300


def _now() -> float:
    return time.time()


def _window() -> int:
    return int(getattr(settings, "LOGIN_THROTTLE_WINDOW", 900))


def _ip_limit() -> int:
    return int(getattr(settings, "LOGIN_THROTTLE_IP_FAILURES", 20))


def _account_limit() -> int:
    return int(getattr(settings, "LOGIN_THROTTLE_ACCOUNT_FAILURES", 5))


def account_key(identifier: str) -> str:
    """The account as the throttle knows it: a hash of the normalised e-mail address."""
    return hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is not even checked, and how many seconds to wait."""

    wait: int
    message: str


@dataclass
class _Counter:
    failures: int = 0
    first_at: float = 0.0
    last_at: float = 0.0


def _read(key: str) -> _Counter:
    value = cache.get(key)
    if not isinstance(value, tuple) or len(value) != 3:
        return _Counter()
    counter = _Counter(int(value[0]), float(value[1]), float(value[2]))
    if _now() - counter.first_at > _window():
        return _Counter()
    return counter


def _bump(key: str) -> None:
    now = _now()
    counter = _read(key)
    counter.failures += 1
    counter.first_at = counter.first_at or now
    counter.last_at = now
    cache.set(key, (counter.failures, counter.first_at, counter.last_at), _window())


def _ip_key(ip: str) -> str:
    return f"tandem:login:ip:{ip}"


def _account_cache_key(account: str) -> str:
    return f"tandem:login:account:{account}"


def account_wait(failures: int) -> int:
    """Seconds an account waits after its latest failure: 0 up to the limit, then doubling."""
    over = failures - _account_limit()
    if over < 0:
        return 0
    return min(2 ** (over + 1), MAX_ACCOUNT_WAIT)


def is_known_device(request: HttpRequest, account: str) -> bool:
    raw = request.COOKIES.get(DEVICE_COOKIE, "")
    if not raw:
        return False
    try:
        known = signing.loads(raw, salt=_DEVICE_SALT, max_age=_DEVICE_MAX_AGE)
    except signing.BadSignature:
        return False
    return isinstance(known, list) and account in known


def check(request: HttpRequest, identifier: str) -> Refusal | None:
    """None if this attempt may be checked now; otherwise why not and for how long."""
    now = _now()
    ip = _read(_ip_key(client_ip(request)))
    if ip.failures >= _ip_limit():
        wait = max(1, math.ceil(ip.first_at + _window() - now))
        return Refusal(
            wait,
            f"Too many failed log-ins from your network. Try again in {_spell(wait)}.",
        )
    account = account_key(identifier)
    if not identifier.strip() or is_known_device(request, account):
        return None
    counter = _read(_account_cache_key(account))
    wait = math.ceil(counter.last_at + account_wait(counter.failures) - now)
    if counter.failures >= _account_limit() and wait > 0:
        return Refusal(
            wait,
            f"Several wrong passwords were tried for this account, so we slow down its "
            f"log-ins: try again in {_spell(wait)}. Your right password will work then.",
        )
    return None


def record_failure(request: HttpRequest, identifier: str) -> None:
    _bump(_ip_key(client_ip(request)))
    if identifier.strip():
        _bump(_account_cache_key(account_key(identifier)))


def remember_device(request: HttpRequest, response: HttpResponse, identifier: str) -> None:
    """After a successful log-in: this browser skips the account's wait from now on."""
    account = account_key(identifier)
    known: list[str] = []
    raw = request.COOKIES.get(DEVICE_COOKIE, "")
    if raw:
        try:
            loaded = signing.loads(raw, salt=_DEVICE_SALT, max_age=_DEVICE_MAX_AGE)
        except signing.BadSignature:
            loaded = []
        known = [str(item) for item in loaded] if isinstance(loaded, list) else []
    known = [account, *[item for item in known if item != account]][:5]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(known, salt=_DEVICE_SALT),
        max_age=_DEVICE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _spell(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"
