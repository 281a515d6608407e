"""Tell people things: in the app at once, by e-mail through a background task."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.text import Truncator

from tandem.core.text import render_text
from tandem.notifications.enums import NotificationKind
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
    rows = []
    for message in messages:
        title, body = _render(kind, message.recipient, program, message.context)
        rows.append(
            Notification(
                recipient=message.recipient,
                kind=kind,
                program_id=_id(program),
                title=title,
                body=body,
                url=message.url,
            )
        )
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    if created and created[0].pk is None:  # backends that do not return ids on bulk insert
        created = list(
            Notification.objects.filter(kind=kind, program_id=_id(program)).order_by("-id")[
                : len(rows)
            ]
        )[::-1]
    to_email = [
        notification.pk
        for notification, message in zip(created, messages, strict=True)
        if message.recipient.is_active and message.recipient.pk not in muted
    ]
    from tandem.notifications.tasks import send_notification_emails

    for start in range(0, len(to_email), EMAIL_BATCH):
        transaction.on_commit(
            functools.partial(
                send_notification_emails.enqueue, to_email[start : start + EMAIL_BATCH]
            )
        )
    return created


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
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, program_id=_id(program), title=title, body=body, url=url
    )
    if recipient.is_active and wants_email(recipient, kind):
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
