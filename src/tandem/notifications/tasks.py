from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from tandem.core.text import render_text
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
        body=render_text("notifications/email/notification.txt", context),
        to=[notification.recipient.email],
    )
    message.attach_alternative(
        render_to_string("notifications/email/notification.html", context), "text/html"
    )
    # Claim the notification first, so that two workers can never both send it; give the
    # claim back if sending fails, so that the task can be retried.
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    try:
        message.send()
    except OSError:
        Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
        raise
    return True


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail a batch of notifications (bulk announcements); returns how many were sent."""
    return sum(
        send_notification_email.call(notification_id) for notification_id in notification_ids
    )
