from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tandem.notifications.models import Notification


def unread(request: HttpRequest) -> dict[str, Any]:
    """The unread count the page chrome shows."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.filter(recipient=user).unread().count()}
