from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the page chrome needs: the unread count and the current access (if any)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from tandem.notifications.models import Notification

    return {
        "unread_notifications": Notification.objects.filter(recipient=user).unread().count(),
        "access": getattr(request, "access", None),
    }
