"""Sending notification e-mails, each once, whatever the workers do.

Every e-mail is recorded as pending with its notification (same transaction). A worker claims
it with a conditional UPDATE — a lease (``email_claimed_at``), committed before it talks to the
mail server — sends it, then marks it sent. So two workers never send it together (the second
finds it claimed), one that dies before sending leaves it pending for the sweep once the lease
runs out, and a failed send gives the claim back. The one window left is SMTP's own: a worker
killed after the server accepted the message and before the "sent" mark commits (a few
milliseconds) makes the sweep send it again. That copy carries the same ``Message-ID``, so mail
programs that de-duplicate show it once. See docs/deployment.md.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from tandem.core.leases import expired_before
from tandem.core.text import render_text
from tandem.notifications.enums import EmailStatus
from tandem.notifications.models import Notification
from tandem.notifications.services import hand_out_pending_emails


def message_id(notification: Notification) -> str:
    """The same for every copy of one notification's e-mail."""
    domain = urlsplit(settings.SITE_URL).hostname or "tandem.invalid"
    return f"<notification-{notification.pk}@{domain}>"


def _message(notification: Notification) -> EmailMultiAlternatives:
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
        headers={"Message-ID": message_id(notification)},
    )
    message.attach_alternative(
        render_to_string("notifications/email/notification.html", context), "text/html"
    )
    return message


@task()
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification, once. Returns whether a message was sent."""
    now = timezone.now()
    # Claim it (or take over the claim of a worker whose lease ran out): only one worker at a
    # time holds it.
    claimed = (
        Notification.objects.filter(pk=notification_id, email_status=EmailStatus.PENDING)
        .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=expired_before(now)))
        .update(email_claimed_at=now)
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient", "program").get(
        pk=notification_id
    )
    try:
        _message(notification).send()
    except Exception:
        # Give the claim back, so that a retry (or the sweep) sends it.
        Notification.objects.filter(pk=notification_id, email_claimed_at=now).update(
            email_claimed_at=None
        )
        raise
    Notification.objects.filter(pk=notification_id).update(
        email_status=EmailStatus.SENT, emailed_at=timezone.now()
    )
    return True


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail a batch of notifications (bulk announcements); returns how many were sent."""
    return sum(
        send_notification_email.call(notification_id) for notification_id in notification_ids
    )


@task()
def sweep_pending_emails() -> int:
    """Hand out again the e-mails a dead worker left pending (periodic)."""
    return hand_out_pending_emails()
