from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from tandem.programs import queries


def home(request: HttpRequest) -> HttpResponse:
    """Participants see their programs; organization admins also see their organizations."""
    if not request.user.is_authenticated:
        return render(request, "core/welcome.html")
    memberships = list(queries.memberships_of(request.user))
    organizations = list(queries.organizations_administered_by(request.user))
    return render(
        request,
        "core/home.html",
        {"memberships": memberships, "organizations": organizations},
    )


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
