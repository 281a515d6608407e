"""The request every logged-in page receives."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from tandem.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request from a logged-in person (the views require a login)."""

    user: User
    htmx: HtmxDetails
