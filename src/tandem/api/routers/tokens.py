"""Personal API tokens: list, create (with the current password), revoke."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Status

from tandem.accounts import services, throttle
from tandem.accounts.models import ApiToken
from tandem.api.common import request_user
from tandem.api.schemas import ErrorOut, Schema
from tandem.core.errors import ServiceError

router = Router(tags=["people"])


class TokenOut(Schema):
    id: int
    name: str
    hint: str
    scope: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    is_active: bool


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret: shown once, never stored.")


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=4096, description="Your current password.")
    days: Literal[30, 90, 365] = 90  # DEFAULT_TOKEN_DAYS
    scope: Literal["read", "read_write"] = "read"


def _token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "hint": token.hint,
        "scope": token.scope,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "is_active": token.is_active,
    }


@router.get("/me/tokens", response=list[TokenOut])
def token_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Your tokens, newest first, with when each was last used."""
    return [_token_out(token) for token in ApiToken.objects.filter(user=request_user(request))]


@router.post("/me/tokens", response={201: TokenCreatedOut, 422: ErrorOut, 429: ErrorOut})
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    """Create a token; it needs your current password and lasts 30, 90 or 365 days."""
    user = request_user(request)
    refusal = throttle.check(request, user.email)
    if refusal is not None:
        return Status(429, {"detail": refusal.message, "field": "password"})
    try:
        token, raw = services.create_api_token_with_password(
            user,
            by=user,
            name=payload.name,
            password=payload.password,
            days=payload.days,
            scope=payload.scope,
        )
    except ServiceError as error:
        if error.field == "password":
            throttle.record_failure(request, user.email)
        raise
    return Status(201, {**_token_out(token), "token": raw})


@router.post("/me/tokens/{token_id}/revoke", response={200: TokenOut, 404: ErrorOut})
def token_revoke(request: HttpRequest, token_id: int) -> dict[str, Any]:
    user = request_user(request)
    token = get_object_or_404(ApiToken, pk=token_id, user=user)
    return _token_out(services.revoke_api_token(token, by=user))
