"""Request typing and the permission decorator every tenant-scoped view uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

from tandem.accounts.http import AuthedRequest

if TYPE_CHECKING:
    from tandem.programs.access import Access


class TenantRequest(AuthedRequest):
    """A request whose organization/program the tenancy middleware has resolved."""

    access: Access


type TenantView = Callable[Concatenate[TenantRequest, ...], HttpResponse]


def requires(rule: Callable[[Access], bool]) -> Callable[[TenantView], TenantView]:
    """Let the view run only if ``rule`` holds for the resolved access; 403 otherwise.

    The middleware has already answered 404 for people with no place in the organization or
    program, so a 403 here only ever reaches someone who can see that the page exists.
    """

    def decorator(view: TenantView) -> TenantView:
        @wraps(view)
        def wrapper(request: TenantRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not rule(request.access):
                raise PermissionDenied("Your role in this program does not allow this.")
            return view(request, *args, **kwargs)

        wrapper.tenant_rule = rule  # type: ignore[attr-defined]  # read by the URL audit test
        return wrapper

    return decorator
