"""Tell people things: in the app at once, by e-mail through a background task."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator

from tandem.core.leases import expired_before
from tandem.core.text import render_text
from tandem.notifications.enums import EmailStatus, NotificationKind
from tandem.notifications.models import Notification, NotificationPreference

if TYPE_CHECKING:
    from tandem.accounts.models import User

#: The program a notification is about (a ``programs.Program``). Notifications sit below the
#: programs app — every stage tells people things — so they take it as a plain model and store
#: its id.
type AboutProgram = models.Model | None

TITLE_MAX_LENGTH = Notification._meta.get_field("title").max_length or 200


def _id(program: AboutProgram) -> int | None:
    return None if program is None else program.pk


def wants_email(user: User, kind: NotificationKind) -> bool:
    preference = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return True if preference is None else preference.email


@dataclass(frozen=True)
class Message:
    """One notification of a batch (see :func:`notify_many`)."""

    recipient: User
    context: Mapping[str, Any]
    url: str = ""


#: Notifications e-mailed by one background task in :func:`notify_many`.
EMAIL_BATCH = 200


def _render(
    kind: NotificationKind, recipient: User, program: AboutProgram, context: Mapping[str, Any]
) -> tuple[str, str]:
    template_context = {"recipient": recipient, "program": program, **context}
    title = render_text(f"notifications/kinds/{kind}.title.txt", template_context).strip()
    # Names can be long (150-character person, 120-character program): keep within the column.
    title = Truncator(title).chars(TITLE_MAX_LENGTH)
    body = render_text(f"notifications/kinds/{kind}.body.txt", template_context).strip()
    return title, body


def notify_many(
    messages: Sequence[Message], *, kind: NotificationKind, program: AboutProgram = None
) -> list[Notification]:
    """:func:`notify` for many people at once (e.g. publishing thousands of introductions):
    one query for preferences, one bulk insert, one e-mail task per batch of notifications."""
    if not messages:
        return []
    muted = set(
        NotificationPreference.objects.filter(
            kind=kind, email=False, user__in=[m.recipient for m in messages]
        ).values_list("user_id", flat=True)
    )
    now = timezone.now()
    rows = []
    for message in messages:
        title, body = _render(kind, message.recipient, program, message.context)
        emailed = message.recipient.is_active and message.recipient.pk not in muted
        rows.append(
            Notification(
                recipient=message.recipient,
                kind=kind,
                program_id=_id(program),
                title=title,
                body=body,
                url=message.url,
                email_status=EmailStatus.PENDING if emailed else EmailStatus.NONE,
                email_queued_at=now if emailed else None,
            )
        )
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    if created and created[0].pk is None:  # backends that do not return ids on bulk insert
        created = list(
            Notification.objects.filter(kind=kind, program_id=_id(program)).order_by("-id")[
                : len(rows)
            ]
        )[::-1]
    to_email = [n.pk for n in created if n.email_status == EmailStatus.PENDING]
    _enqueue_emails(to_email)
    return created


def _enqueue_emails(notification_ids: Sequence[int]) -> None:
    """One e-mail task per batch, once the surrounding transaction commits."""
    from tandem.notifications.tasks import send_notification_emails

    for start in range(0, len(notification_ids), EMAIL_BATCH):
        transaction.on_commit(
            functools.partial(
                send_notification_emails.enqueue,
                list(notification_ids[start : start + EMAIL_BATCH]),
            )
        )


def hand_out_pending_emails(now: dt.datetime | None = None) -> int:
    """Enqueue again the e-mails still pending ``TANDEM_EMAIL_RETRY_AFTER`` seconds after they
    were handed to a worker and not being sent by a live one (their worker died, or its queue
    was lost); returns how many. Periodic, and safe to run twice or on many workers at once:
    sending claims each e-mail, so a duplicate task sends nothing twice."""
    now = now or timezone.now()
    retry_before = now - dt.timedelta(seconds=settings.TANDEM_EMAIL_RETRY_AFTER)
    pending = list(
        Notification.objects.filter(
            email_status=EmailStatus.PENDING, email_queued_at__lt=retry_before
        )
        .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=expired_before(now)))
        .order_by("id")
        .values_list("id", flat=True)
    )
    for start in range(0, len(pending), 2000):
        Notification.objects.filter(pk__in=pending[start : start + 2000]).update(
            email_queued_at=now
        )
    _enqueue_emails(pending)
    return len(pending)


def notify(
    recipient: User,
    *,
    kind: NotificationKind,
    context: Mapping[str, Any],
    program: AboutProgram = None,
    url: str = "",
) -> Notification:
    """Record a notification and, once the surrounding transaction commits, e-mail it.

    The title and body come from ``notifications/kinds/<kind>.title.txt`` and ``.body.txt``,
    rendered now with ``context`` so the message reads the same later in the app.
    """
    title, body = _render(kind, recipient, program, context)
    emailed = recipient.is_active and wants_email(recipient, kind)
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        program_id=_id(program),
        title=title,
        body=body,
        url=url,
        email_status=EmailStatus.PENDING if emailed else EmailStatus.NONE,
        email_queued_at=timezone.now() if emailed else None,
    )
    if emailed:
        from tandem.notifications.tasks import send_notification_email

        notification_id = notification.pk
        transaction.on_commit(lambda: send_notification_email.enqueue(notification_id))
    return notification


def mark_read(notification: Notification, *, by: User) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, by: User) -> int:
    return Notification.objects.filter(recipient=by).unread().update(read_at=timezone.now())


def set_email_preferences(user: User, *, by: User, email_kinds: set[str]) -> None:
    """Turn e-mail on for the kinds in ``email_kinds`` and off for every other kind."""
    with transaction.atomic():
        for kind in NotificationKind:
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"email": kind.value in email_kinds}
            )
