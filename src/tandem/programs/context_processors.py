from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def tenancy(request: HttpRequest) -> dict[str, Any]:
    """The organization/program the tenancy middleware resolved, for the page chrome."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"access": getattr(request, "access", None)}
