"""Personal calendar feeds: a secret, revocable URL per person (webcal) with every meeting of
theirs across programs — titles and times only, never notes or agendas."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.urls import reverse

from tandem.accounts.models import User
from tandem.core.services import record_audit
from tandem.mentoring.models import CalendarFeed


def _token() -> str:
    return secrets.token_urlsafe(32)


def feed_of(user: User) -> CalendarFeed:
    """The person's feed, made on first use."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(user=user, token=_token())
    except IntegrityError:  # made by a request at the same moment
        return CalendarFeed.objects.get(user=user)


def renew_feed(user: User, *, by: User) -> CalendarFeed:
    """A new secret URL; the old one stops working at once."""
    with transaction.atomic():
        feed = feed_of(user)
        feed.token = _token()
        feed.last_used_at = None
        feed.save(update_fields=["token", "last_used_at"])
        record_audit(by, "calendar_feed.renewed", feed)
    return feed


def feed_urls(feed: CalendarFeed, *, absolute: Callable[[str], str]) -> dict[str, str]:
    """The feed's https URL and its webcal:// twin (``absolute`` makes a path absolute, e.g.
    ``request.build_absolute_uri``)."""
    url = absolute(reverse("mentoring:calendar_feed", args=[feed.token]))
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}
