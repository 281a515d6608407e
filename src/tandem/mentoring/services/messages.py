"""The conversation of a mentorship: posting, reading, and the batched e-mail about new
messages (at most one e-mail per person per conversation per hour).

A message belongs to the mentorship's members: coordinators see only that the conversation
was active (``Mentorship.last_activity_at``), never a word of it.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.mentoring.models import Mentorship, MentorshipMember, Message
from tandem.mentoring.services.activity import refresh_activity
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import notify
from tandem.programs.models import Membership

#: The longest message one may post.
MESSAGE_MAX_LENGTH = 5000
#: At most one e-mail about new messages per person and conversation within this time.
EMAIL_INTERVAL = dt.timedelta(hours=1)
#: Where the backend can defer, the e-mail waits this long so that a burst becomes one e-mail.
EMAIL_DELAY = dt.timedelta(minutes=5)


def _live_mentorship(mentorship_id: int) -> Mentorship:
    mentorship = (
        Mentorship.objects.select_for_update()
        .select_related("program__organization")
        .get(pk=mentorship_id)
    )
    if not mentorship.is_live:
        raise ServiceError(
            f"This mentorship is {mentorship.get_status_display().lower()}: its conversation "
            "is read-only.",
            field="body",
        )
    return mentorship


def _member(mentorship: Mentorship, membership: Membership) -> MentorshipMember:
    member = MentorshipMember.objects.filter(mentorship=mentorship, membership=membership).first()
    if member is None:
        raise ServiceError("Only the mentorship's members write in its conversation.")
    return member


def clean_body(body: str) -> str:
    """The message as it is stored, or a ServiceError naming what is wrong with it."""
    if "\x00" in body:
        raise ServiceError("The message contains a NUL character; remove it.", field="body")
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise ServiceError("Write a message before sending it.", field="body")
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ServiceError(
            f"Keep a message under {MESSAGE_MAX_LENGTH:,} characters (it has {len(body):,}).",
            field="body",
        )
    return body


def post_message(mentorship: Mentorship, *, by: Membership, body: str) -> Message:
    """A member writes in the conversation; the others are e-mailed (batched) later."""
    body = clean_body(body)
    with transaction.atomic():
        mentorship = _live_mentorship(mentorship.pk)
        member = _member(mentorship, by)
        message = Message.objects.create(mentorship=mentorship, author=by, body=body)
        # What one writes one has read: the conversation up to here is read for the author.
        MentorshipMember.objects.filter(pk=member.pk).update(last_read_at=message.created_at)
        refresh_activity(mentorship.pk)
        record_audit(by.user, "message.posted", mentorship, changes={"length": len(body)})
        _schedule_emails(mentorship.pk)
    return message


def mark_read(mentorship: Mentorship, *, by: Membership) -> int:
    """Everything in the conversation so far is read for ``by``; returns how many were unread."""
    with transaction.atomic():
        member = (
            MentorshipMember.objects.select_for_update()
            .filter(mentorship=mentorship, membership=by)
            .first()
        )
        if member is None:
            raise ServiceError("Only the mentorship's members read its conversation.")
        unread = unread_count(member)
        latest = (
            Message.objects.filter(mentorship=mentorship)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if latest is not None and (member.last_read_at is None or latest > member.last_read_at):
            member.last_read_at = latest
            member.save(update_fields=["last_read_at"])
    return unread


def unread_filter(member: MentorshipMember) -> Q:
    """Messages of the member's mentorship that they have not read (others' messages only)."""
    condition = Q(mentorship_id=member.mentorship_id) & ~Q(author_id=member.membership_id)
    if member.last_read_at is not None:
        condition &= Q(created_at__gt=member.last_read_at)
    return condition


def unread_count(member: MentorshipMember) -> int:
    return Message.objects.filter(unread_filter(member)).count()


# --- the batched e-mail -------------------------------------------------------------------


def _schedule_emails(mentorship_id: int) -> None:
    """Once the message commits, let the worker e-mail the others (after a short delay where
    the backend can defer, so that several messages in a row make one e-mail)."""
    from tandem.mentoring.tasks import email_new_messages

    if email_new_messages.get_backend().supports_defer:
        run_after = timezone.now() + EMAIL_DELAY
        transaction.on_commit(
            functools.partial(email_new_messages.using(run_after=run_after).enqueue, mentorship_id)
        )
    else:
        transaction.on_commit(functools.partial(email_new_messages.enqueue, mentorship_id))


def _claim(member: MentorshipMember, now: dt.datetime) -> bool:
    """Take the right to e-mail this member now: a conditional UPDATE on the moment last
    e-mailed that was read, so that of two workers only one changes the row and sends."""
    rows = MentorshipMember.objects.filter(pk=member.pk)
    if member.last_message_email_at is None:
        rows = rows.filter(last_message_email_at__isnull=True)
    else:
        rows = rows.filter(last_message_email_at=member.last_message_email_at)
    return rows.update(last_message_email_at=now) == 1


def send_message_emails(mentorship_id: int, *, now: dt.datetime | None = None) -> int:
    """E-mail each member with unread messages they were not yet told about, unless they got
    such an e-mail from this conversation within the hour. Returns how many were e-mailed.

    A member still within the hour is told at the next run after it (the sweep, or the run
    deferred to the end of their hour where the backend can defer)."""
    now = now or timezone.now()
    mentorship = (
        Mentorship.objects.select_related("program__organization").filter(pk=mentorship_id).first()
    )
    if mentorship is None:
        return 0
    members = list(
        MentorshipMember.objects.filter(mentorship=mentorship).select_related("membership__user")
    )
    sent = 0
    later: list[dt.datetime] = []
    for member in members:
        unread = Message.objects.filter(unread_filter(member))
        if member.last_message_email_at is not None:
            # Only messages after the last e-mail are news.
            unread_since = unread.filter(created_at__gt=member.last_message_email_at)
        else:
            unread_since = unread
        if not unread_since.exists():
            continue
        if (
            member.last_message_email_at is not None
            and member.last_message_email_at > now - EMAIL_INTERVAL
        ):
            later.append(member.last_message_email_at + EMAIL_INTERVAL)
            continue
        with transaction.atomic():
            if not _claim(member, now):
                continue
            count = unread.count()
            notify(
                member.membership.user,
                kind=NotificationKind.NEW_MESSAGES,
                program=mentorship.program,
                context={"count": count, "mentorship": mentorship},
                url=mentorship.get_absolute_url() + "messages/",
            )
        sent += 1
    if later:
        _defer_emails(mentorship_id, min(later))
    return sent


def _defer_emails(mentorship_id: int, run_after: dt.datetime) -> None:
    from tandem.mentoring.tasks import email_new_messages

    if email_new_messages.get_backend().supports_defer:
        email_new_messages.using(run_after=run_after).enqueue(mentorship_id)


def sweep_message_emails(*, now: dt.datetime | None = None) -> int:
    """For the periodic scheduler: e-mail everyone whose hour has passed with news waiting.
    Finds the conversations with a member to tell in one query, then sends per conversation."""
    now = now or timezone.now()
    due = (
        MentorshipMember.objects.filter(
            Q(last_message_email_at__isnull=True)
            | Q(last_message_email_at__lte=now - EMAIL_INTERVAL)
        )
        .annotate(
            news=Count(
                "mentorship__messages",
                filter=~Q(mentorship__messages__author_id=F("membership_id"))
                & (
                    Q(last_read_at__isnull=True)
                    | Q(mentorship__messages__created_at__gt=F("last_read_at"))
                )
                & (
                    Q(last_message_email_at__isnull=True)
                    | Q(mentorship__messages__created_at__gt=F("last_message_email_at"))
                ),
            )
        )
        .filter(news__gt=0)
        .values_list("mentorship_id", flat=True)
        .distinct()
    )
    return sum(send_message_emails(mentorship_id, now=now) for mentorship_id in set(due))
