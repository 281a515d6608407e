"""One throttle in front of every log-in form: Tandem's (allauth) and the admin's."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from tandem.accounts import throttle

#: URL name → the POST field holding the e-mail address.
LOGIN_VIEWS = {"account_login": "login", "admin:login": "username"}


def _login_field(request: HttpRequest) -> str | None:
    if request.method != "POST":
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return LOGIN_VIEWS.get(match.view_name)


class LoginThrottleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = _login_field(request)
        if field is None:
            return self.get_response(request)
        identifier = str(request.POST.get(field, ""))
        refusal = throttle.check(request, identifier)
        if refusal is not None:
            response = render(
                request,
                "accounts/throttled.html",
                {"message": refusal.message, "wait": refusal.wait},
                status=429,
            )
            response["Retry-After"] = str(refusal.wait)
            return response
        response = self.get_response(request)
        # Both forms redirect on success and show the form again (200) when refused.
        if 300 <= response.status_code < 400:
            throttle.remember_device(request, response, identifier)
        else:
            throttle.record_failure(request, identifier)
        return response
