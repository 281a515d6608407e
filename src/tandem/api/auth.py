from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from tandem.accounts.services import authenticate_api_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tdm_…`` with a personal API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_api_token(token)
        if user is None:
            return None
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's session (CSRF-checked), so pages can call the API too."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        # Without a logged-in session this method does not apply: answer "no credentials"
        # (401) rather than let the CSRF check refuse, e.g., a call with a revoked token (403).
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)  # checks CSRF, then authenticate()

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None
