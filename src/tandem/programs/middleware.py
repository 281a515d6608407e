from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from tandem.programs.access import resolve_access


class TenancyMiddleware:
    """Resolve ``org_slug``/``program_slug`` URL arguments into ``request.access``.

    One place answers for every view under /o/…: anonymous visitors go to the login page;
    people with no place there get the same 404 as for a page that does not exist.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        org_slug = view_kwargs.get("org_slug")
        if org_slug is None:
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.access = resolve_access(  # type: ignore[attr-defined]  # TenantRequest
            request.user,
            org_slug,
            view_kwargs.get("program_slug"),
        )
        return None
