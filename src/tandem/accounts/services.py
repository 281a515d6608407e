"""Writes about people: profile details and API tokens."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tandem.accounts.enums import DEFAULT_TOKEN_DAYS, TOKEN_LIFETIME_CHOICES, TokenScope
from tandem.accounts.models import ApiToken, User, hash_token
from tandem.core.errors import ServiceError
from tandem.core.services import record_audit


def update_profile(user: User, *, by: User, full_name: str, pronouns: str, time_zone: str) -> User:
    with transaction.atomic():
        user.full_name = full_name
        user.pronouns = pronouns
        user.time_zone = time_zone
        user.save(update_fields=["full_name", "pronouns", "time_zone"])
        record_audit(by, "account.profile_updated", user)
    return user


def create_api_token(
    user: User,
    *,
    by: User,
    name: str,
    days: int = DEFAULT_TOKEN_DAYS,
    scope: str = TokenScope.READ_WRITE,
) -> tuple[ApiToken, str]:
    """Create a token and return it with the raw secret, which is never stored.

    People create tokens through :func:`create_api_token_with_password`; this is the step
    after their password was checked (also used by commands and tests).
    """
    if days not in dict(TOKEN_LIFETIME_CHOICES):
        allowed = ", ".join(str(choice) for choice, _ in TOKEN_LIFETIME_CHOICES)
        raise ServiceError(f"A token lasts {allowed} days, not {days}.", field="days")
    if scope not in TokenScope.values:
        raise ServiceError(f"The scope is “read” or “read_write”, not “{scope}”.", field="scope")
    raw = ApiToken.generate_raw()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            token_hash=hash_token(raw),
            hint=raw[: len(ApiToken.PREFIX) + 4],
            scope=scope,
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        record_audit(
            by,
            "account.api_token_created",
            token,
            changes={"name": name, "scope": scope, "days": days},
        )
    return token, raw


def create_api_token_with_password(
    user: User,
    *,
    by: User,
    name: str,
    password: str,
    days: int = DEFAULT_TOKEN_DAYS,
    scope: str = TokenScope.READ_WRITE,
) -> tuple[ApiToken, str]:
    """A token acts as its person for months: whoever asks for one confirms the password."""
    if not password or not user.check_password(password):
        raise ServiceError(
            "That is not your current password: a new token needs it.", field="password"
        )
    return create_api_token(user, by=by, name=name, days=days, scope=scope)


def revoke_api_token(token: ApiToken, *, by: User) -> ApiToken:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record_audit(by, "account.api_token_revoked", token)
    return token


def revoke_all_api_tokens(user: User, *, by: User | None, reason: str) -> int:
    """Revoke every token of ``user`` (after a password change or reset); how many were live."""
    with transaction.atomic():
        count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if count:
            record_audit(
                by, "account.api_tokens_revoked", user, changes={"count": count, "reason": reason}
            )
    return count


def find_api_token(raw: str) -> ApiToken | None:
    """The unrevoked token with this secret (perhaps expired: the caller says so), and mark
    its use — at most once a minute, so that a busy integration does not write on every call."""
    token = ApiToken.objects.unrevoked().select_related("user").filter(token_hash=hash_token(raw))
    found = token.first()
    if found is None or found.is_expired:
        return found
    now = timezone.now()
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found


def authenticate_api_token(raw: str) -> User | None:
    """The person of a live (unrevoked, unexpired) token, or None."""
    token = find_api_token(raw)
    if token is None or token.is_expired:
        return None
    return token.user
