from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import APIKeyCookie, HttpBearer

from tandem.accounts.services import find_api_token

#: What a read-only token may do.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tdm_…`` with a personal API token.

    An expired token gets a 401 that says so (not a bare "Unauthorized"); a read-only token
    gets a 403 naming its scope on anything but a read.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = find_api_token(token)
        if found is None:
            return None
        if found.is_expired:
            raise AuthenticationError(
                401,
                f"This API token (“{found.name}”, {found.hint}…) expired on "
                f"{found.expires_at:%Y-%m-%d}: create a new one under Your account → API tokens.",
            )
        if found.is_read_only and request.method not in READ_METHODS:
            raise AuthorizationError(
                403,
                f"This API token (“{found.name}”) has the read-only scope: it cannot "
                f"{request.method} anything. Use a read-and-write token to make changes.",
            )
        request.user = found.user
        return found.user


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
