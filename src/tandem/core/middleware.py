"""Refuse text that cannot be stored before any view sees it.

A NUL character (``\\0``) in a query string, a form field or the address itself reached the
database as text and made PostgreSQL fail with a 500 (uploaded file names are cleaned by
Django, which drops unprintable characters). Django's form
``CharField`` already refuses it, but views that read ``request.GET``/``request.POST`` directly
(htmx endpoints, filters, the API's form and query parameters) did not. This middleware answers
them all the same way: 400, naming the field. JSON bodies are checked by the API's schemas
(``tandem.api.schemas.Schema``), which name the field the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict

from tandem.core.text import NUL, nul_message


def _nul_field(data: MultiValueDict[str, Any]) -> str | None:
    for key, values in data.lists():
        if NUL in key:
            return key.replace(NUL, "\\0")
        for value in values:
            if isinstance(value, str) and NUL in value:
                return key
    return None


def nul_input(request: HttpRequest) -> str | None:
    """The name of the first input of ``request`` holding a NUL character, if any."""
    if NUL in request.path:
        return "the address"
    found = _nul_field(request.GET)
    if found is None and request.method not in {"GET", "HEAD", "OPTIONS"}:
        found = _nul_field(request.POST)
    return found


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = nul_input(request)
        if field is None:
            return self.get_response(request)
        message = nul_message(field)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "field": field}, status=400)
        return render(request, "400.html", {"message": message}, status=400)
