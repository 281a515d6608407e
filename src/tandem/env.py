"""Typed readers for environment variables, used by ``settings.py`` only.

Each reader fails loudly with :class:`ImproperlyConfigured` naming the variable and the
bad value, so a typo in a deployment stops start-up instead of running with a silent default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    source = os.environ if environ is None else environ
    value = source.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(
    name: str, default: list[str], *, environ: Mapping[str, str] | None = None
) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_path(name: str, default: Path, *, environ: Mapping[str, str] | None = None) -> Path:
    value = _raw(name, environ)
    return default if not value else Path(value).expanduser().resolve()


def env_choice(
    name: str,
    default: str,
    choices: set[str],
    *,
    environ: Mapping[str, str] | None = None,
) -> str:
    value = env_str(name, default, environ=environ)
    if value not in choices:
        allowed = ", ".join(sorted(choices))
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {allowed}.")
    return value


def database_config(url: str, *, name: str = "DATABASE_URL") -> dict[str, object]:
    """Turn ``sqlite:///path`` or ``postgres://user@host/db`` into a Django DATABASES entry."""
    import dj_database_url

    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name}={url!r} is not supported: use sqlite:///path/to/file.sqlite3 or "
            "postgres://user:password@host:5432/dbname."
        )
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}={url!r} cannot be parsed: {error}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Django's backend, retrying a write that found the database locked (bounded).
        config["ENGINE"] = "tandem.core.sqlite3"
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={url!r} names no database.")
    return config


def email_config(url: str, *, name: str = "EMAIL_URL") -> dict[str, object]:
    """``console://``, ``smtp://user:pass@host:587?tls=1``, ``smtps://…``, ``memory://``,
    ``file:///path`` → one entry of Django's ``MAILERS`` setting. ``console://`` prints each
    message decoded (see ``tandem.core.mail``)."""
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    backends = {
        "console": "tandem.core.mail.ConsoleEmailBackend",
        "memory": "django.core.mail.backends.locmem.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
    }
    if parts.scheme not in backends:
        allowed = ", ".join(f"{scheme}://" for scheme in backends)
        raise ImproperlyConfigured(f"{name}={url!r} has an unknown scheme; use one of {allowed}.")
    options: dict[str, object] = {}
    if parts.scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured(f"{name}={url!r} names no folder (file:///path/to/folder).")
        options["file_path"] = parts.path
    if parts.scheme in {"smtp", "smtps"}:
        if not parts.hostname:
            raise ImproperlyConfigured(f"{name}={url!r} names no SMTP host.")
        query = parse_qs(parts.query)
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{name}={url!r} has a port that is not a number.") from None
        options.update(
            host=parts.hostname,
            port=port or (465 if parts.scheme == "smtps" else 587),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            use_ssl=parts.scheme == "smtps",
            use_tls=parts.scheme == "smtp" and query.get("tls", ["1"])[0] in _TRUE,
            timeout=20,
        )
    return {"BACKEND": backends[parts.scheme], "OPTIONS": options}


def cache_config(url: str, *, name: str = "CACHE_URL") -> dict[str, object]:
    """``""``/``db://`` → the database cache (table ``tandem_cache``, made by the migrations),
    ``redis://host:6379/0`` or ``rediss://…`` → Redis (needs the ``redis`` package),
    ``locmem://`` → this process's memory only (tests; never for several workers)."""
    scheme = url.split("://", 1)[0] if "://" in url else url
    if scheme in {"", "db"}:
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tandem_cache",
        }
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfigured(
        f"{name}={url!r} is not supported: leave it empty (the database cache), or use "
        "redis://host:6379/0, rediss://… or locmem://."
    )
