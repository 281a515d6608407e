"""Helpers every API router uses to reach the tenancy chokepoint and the permission rules."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from tandem.accounts.models import User
from tandem.programs.access import Access, resolve_access


def request_user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]  # set by the auth classes


def program_access(request: HttpRequest, org: str, program: str | None = None) -> Access:
    """Resolve like the web UI does: 404 for a missing organization/program or one not yours."""
    return resolve_access(request_user(request), org, program)


def check_rule(rule: Callable[[Access], bool], access: Access) -> None:
    if not rule(access):
        raise PermissionDenied("Your role in this program does not allow this.")
