"""Writes about people: profile details and API tokens."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from tandem.accounts.models import ApiToken, User, hash_token
from tandem.core.services import record_audit


def update_profile(user: User, *, by: User, full_name: str, pronouns: str, time_zone: str) -> User:
    with transaction.atomic():
        user.full_name = full_name
        user.pronouns = pronouns
        user.time_zone = time_zone
        user.save(update_fields=["full_name", "pronouns", "time_zone"])
        record_audit(by, "account.profile_updated", user)
    return user


def create_api_token(user: User, *, by: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with the raw secret, which is never stored."""
    raw = ApiToken.generate_raw()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, token_hash=hash_token(raw), hint=raw[: len(ApiToken.PREFIX) + 4]
        )
        record_audit(by, "account.api_token_created", token, changes={"name": name})
    return token, raw


def revoke_api_token(token: ApiToken, *, by: User) -> ApiToken:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record_audit(by, "account.api_token_revoked", token)
    return token


def authenticate_api_token(raw: str) -> User | None:
    token = (
        ApiToken.objects.active().select_related("user").filter(token_hash=hash_token(raw)).first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
