"""SBI feedback between the members of a mentorship (situation, behaviour, impact, what to keep
doing, what to try), and requests for feedback on a named topic. Only the author and the
recipient ever read a piece of feedback."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.growth.models import Feedback, FeedbackRequest
from tandem.growth.rules import reflection as rules
from tandem.growth.services.plans import clean_text
from tandem.mentoring.models import Mentorship
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import notify
from tandem.programs.models import Membership

PART_MAX = 5_000
TOPIC_MAX = 200


@dataclass(frozen=True)
class FeedbackInput:
    situation: str
    behaviour: str
    impact: str
    keep_doing: str = ""
    try_next: str = ""


REQUIRED = (
    ("situation", "Describe the situation: when and where it happened."),
    ("behaviour", "Describe what they did — what you saw or heard, not what you assume."),
    ("impact", "Describe the impact it had, on you or on others."),
)


def _member_mentorship(mentorship_id: int) -> Mentorship:
    return (
        Mentorship.objects.select_related("program__organization")
        .prefetch_related("members")
        .get(pk=mentorship_id)
    )


def _check_pair(mentorship: Mentorship, by: Membership, other: Membership, field: str) -> None:
    if not rules.is_member(mentorship, by):
        raise ServiceError("Only the mentorship's members give feedback in it.")
    if other.pk == by.pk or not rules.is_member(mentorship, other):
        raise ServiceError("Choose another member of this mentorship.", field=field)
    if not mentorship.is_live:
        raise ServiceError(
            f"This mentorship is {mentorship.get_status_display().lower()}: feedback is read-only."
        )


def give_feedback(
    mentorship: Mentorship,
    *,
    by: Membership,
    recipient: Membership,
    data: FeedbackInput,
    request: FeedbackRequest | None = None,
) -> Feedback:
    """Write SBI feedback to another member; answering a request links it and closes it."""
    parts = {
        name: clean_text(getattr(data, name), field=name, limit=PART_MAX)
        for name in ("situation", "behaviour", "impact", "keep_doing", "try_next")
    }
    for name, message in REQUIRED:
        if not parts[name]:
            raise ServiceError(message, field=name)
    with transaction.atomic():
        mentorship = _member_mentorship(mentorship.pk)
        _check_pair(mentorship, by, recipient, "recipient")
        if request is not None:
            request = FeedbackRequest.objects.select_for_update().get(pk=request.pk)
            if request.mentorship_id != mentorship.pk or request.recipient_id != by.pk:
                raise ServiceError("That request was not made to you.", field="request")
            if request.requester_id != recipient.pk:
                raise ServiceError("Feedback on a request goes to who asked.", field="recipient")
            request.answered_at = request.answered_at or timezone.now()
            request.save(update_fields=["answered_at"])
        feedback = Feedback.objects.create(
            mentorship=mentorship, author=by, recipient=recipient, request=request, **parts
        )
        record_audit(by.user, "feedback.given", feedback)
        recipient = Membership.objects.select_related("user").get(pk=recipient.pk)
        notify(
            recipient.user,
            kind=NotificationKind.FEEDBACK_RECEIVED,
            context={
                "author": by.user.display_name,
                "topic": request.topic if request is not None else "",
            },
            program=mentorship.program,
            url=mentorship.get_absolute_url() + "feedback/",
        )
    return feedback


def request_feedback(
    mentorship: Mentorship, *, by: Membership, recipient: Membership, topic: str
) -> FeedbackRequest:
    """Ask another member for feedback on a named topic; they are told."""
    topic = clean_text(topic, field="topic", limit=TOPIC_MAX)
    if not topic:
        raise ServiceError(
            "Name what you would like feedback on (e.g. “how I ran the team meeting”).",
            field="topic",
        )
    with transaction.atomic():
        mentorship = _member_mentorship(mentorship.pk)
        _check_pair(mentorship, by, recipient, "recipient")
        request = FeedbackRequest.objects.create(
            mentorship=mentorship, requester=by, recipient=recipient, topic=topic
        )
        record_audit(by.user, "feedback.requested", request)
        recipient = Membership.objects.select_related("user").get(pk=recipient.pk)
        notify(
            recipient.user,
            kind=NotificationKind.FEEDBACK_REQUESTED,
            context={"requester": by.user.display_name, "topic": topic},
            program=mentorship.program,
            url=mentorship.get_absolute_url() + f"feedback/?request={request.pk}#give",
        )
    return request
