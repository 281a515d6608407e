from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from tandem.notifications.models import Notification


@task()
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification, once. Returns whether a message was sent."""
    notification = (
        Notification.objects.select_related("recipient", "program")
        .filter(pk=notification_id, emailed_at__isnull=True)
        .first()
    )
    if notification is None:
        return False
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "action_url": f"{settings.SITE_URL}{notification.url}" if notification.url else "",
        "site_url": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=f"[Tandem] {notification.title}",
        body=render_to_string("notifications/email/notification.txt", context),
        to=[notification.recipient.email],
    )
    message.attach_alternative(
        render_to_string("notifications/email/notification.html", context), "text/html"
    )
    message.send()
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True
