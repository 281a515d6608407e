"""The guide's "before the next meeting" preparation: when a meeting whose template asks for
some is recorded (or has ended), each mentee gets an assignment due at the next meeting's
start; they write it (markdown, sanitised when shown) and submit it, the leaders comment.

The meeting services call :func:`refresh_assignment_due_dates` after meetings change, so
``due_at`` is always the start of the next meeting still to happen.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.mentoring.enums import MeetingStatus, MemberRole
from tandem.mentoring.models import (
    LIVE_STATUSES,
    Assignment,
    AssignmentComment,
    Meeting,
    Mentorship,
    MentorshipMember,
)
from tandem.mentoring.services.activity import refresh_activity
from tandem.mentoring.services.records import member_of
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import Message, notify_many
from tandem.programs.models import Membership

BODY_MAX = 20000
COMMENT_MAX = 5000


def _mentees(mentorship: Mentorship) -> list[MentorshipMember]:
    return [
        m for m in mentorship.members.all() if m.role == MemberRole.MENTEE and not m.is_facilitator
    ]


def next_meeting_start(mentorship: Mentorship, after: dt.datetime) -> dt.datetime | None:
    """The start of the mentorship's first non-cancelled meeting after ``after``."""
    return (
        Meeting.objects.filter(mentorship=mentorship, start__gt=after)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("start")
        .values_list("start", flat=True)
        .first()
    )


def set_assignments(meeting: Meeting) -> list[Assignment]:
    """The preparation the meeting's template asks for, given to each mentee once.

    Called when the record is written; a sweep may call it for meetings that ended without
    one. Returns the assignments created now (none the second time).
    """
    template = meeting.template
    if template is None or not template.preparation.strip():
        return []
    mentorship = (
        Mentorship.objects.select_related("program")
        .prefetch_related("members__membership__user")
        .get(pk=meeting.mentorship_id)
    )
    due_at = next_meeting_start(mentorship, meeting.start)
    created: list[Assignment] = []
    with transaction.atomic():
        for mentee in _mentees(mentorship):
            assignment, is_new = Assignment.objects.get_or_create(
                meeting=meeting,
                assignee=mentee.membership,
                defaults={
                    "mentorship": mentorship,
                    "template": template,
                    "prompt": template.preparation,
                    "due_at": due_at,
                },
            )
            if is_new:
                created.append(assignment)
        if created:
            record_audit(
                None,
                "assignment.set",
                mentorship,
                changes={"meeting": meeting.pk, "assignments": len(created)},
            )
            local_zone = timezone.get_current_timezone()
            notify_many(
                [
                    Message(
                        recipient=assignment.assignee.user,
                        context={
                            "prompt": assignment.prompt,
                            "due_at": (
                                f"{due_at.astimezone(local_zone):%-d %B %Y, %H:%M}"
                                if due_at
                                else ""
                            ),
                        },
                        url=meeting.get_absolute_url(),
                    )
                    for assignment in created
                ],
                kind=NotificationKind.ASSIGNMENT_SET,
                program=mentorship.program,
            )
    return created


def set_assignments_for_ended_meetings(*, now: dt.datetime | None = None) -> int:
    """For the scheduler: meetings of live mentorships that have ended, whose template asks
    for preparation and whose mentees have none yet, set it. Returns how many were set."""
    now = now or timezone.now()
    candidates = (
        Meeting.objects.filter(
            mentorship__status__in=LIVE_STATUSES,
            template__isnull=False,
            start__lt=now,
            assignments__isnull=True,
        )
        .exclude(status=MeetingStatus.CANCELLED)
        .exclude(template__preparation="")
        .select_related("template")
    )
    count = 0
    for meeting in candidates:
        if meeting.end <= now:
            count += len(set_assignments(meeting))
    return count


def refresh_assignment_due_dates(mentorship: Mentorship) -> None:
    """Recompute ``due_at`` of the mentorship's open assignments: the start of the next
    non-cancelled meeting after the meeting that set each one."""
    with transaction.atomic():
        open_assignments = list(
            Assignment.objects.select_for_update()
            .filter(mentorship=mentorship, submitted_at__isnull=True, meeting__isnull=False)
            .select_related("meeting")
        )
        starts = list(
            Meeting.objects.filter(mentorship=mentorship)
            .exclude(status=MeetingStatus.CANCELLED)
            .order_by("start")
            .values_list("start", flat=True)
        )
        changed = []
        for assignment in open_assignments:
            assert assignment.meeting is not None  # filtered above
            after = assignment.meeting.start
            due = next((start for start in starts if start > after), None)
            if assignment.due_at != due:
                assignment.due_at = due
                changed.append(assignment)
        if changed:
            Assignment.objects.bulk_update(changed, ["due_at"])


def _load(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_related("mentorship__program", "assignee__user", "meeting")
        .prefetch_related("mentorship__members__membership__user")
        .get(pk=assignment.pk)
    )


def save_assignment(
    assignment: Assignment, *, by: Membership, body: str, submit: bool = False
) -> Assignment:
    """The assignee writes a draft, and submits it when ready. Submitting twice is harmless:
    the first submission counts and the leaders are told once."""
    assignment = _load(assignment)
    mentorship = assignment.mentorship
    member_of(mentorship, by)
    if assignment.assignee_id != by.pk:
        raise ServiceError("Only the person it was set for writes this preparation.")
    if not mentorship.is_live:
        raise ServiceError("This mentorship is not active any more; its pages are read-only.")
    body = body.strip()
    if len(body) > BODY_MAX:
        raise ServiceError(f"The text is at most {BODY_MAX} characters.", field="body")
    if submit and not body:
        raise ServiceError("Write something before you submit it.", field="body")
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        first_submission = submit and locked.submitted_at is None
        locked.body = body
        if first_submission:
            locked.submitted_at = timezone.now()
        locked.save(update_fields=["body", "submitted_at", "updated_at"])
        record_audit(
            by.user,
            "assignment.submitted" if first_submission else "assignment.saved",
            mentorship,
            changes={"assignment": assignment.pk},
        )
        if first_submission:
            notify_many(
                [
                    Message(
                        recipient=leader.membership.user,
                        context={"author": by.user},
                        url=_url(assignment),
                    )
                    for leader in mentorship.members.all()
                    if leader.leads and leader.membership_id != by.pk
                ],
                kind=NotificationKind.ASSIGNMENT_SUBMITTED,
                program=mentorship.program,
            )
        refresh_activity(mentorship.pk)
    return locked


def _url(assignment: Assignment) -> str:
    if assignment.meeting is not None:
        return assignment.meeting.get_absolute_url() + "#assignment"
    return assignment.mentorship.get_absolute_url()


def comment_on_assignment(
    assignment: Assignment, *, by: Membership, body: str
) -> AssignmentComment:
    """A leader comments on a submitted preparation; its author is told."""
    assignment = _load(assignment)
    mentorship = assignment.mentorship
    member = member_of(mentorship, by)
    if not member.leads:
        raise ServiceError("Only the mentor (in groups, the facilitator) comments here.")
    if not mentorship.is_live:
        raise ServiceError("This mentorship is not active any more; its pages are read-only.")
    if assignment.submitted_at is None:
        raise ServiceError("Wait until it is submitted before you comment.")
    body = body.strip()
    if not body:
        raise ServiceError("Write your comment first.", field="body")
    if len(body) > COMMENT_MAX:
        raise ServiceError(f"A comment is at most {COMMENT_MAX} characters.", field="body")
    with transaction.atomic():
        comment = AssignmentComment.objects.create(assignment=assignment, author=by, body=body)
        record_audit(
            by.user, "assignment.commented", mentorship, changes={"assignment": assignment.pk}
        )
        notify_many(
            [
                Message(
                    recipient=assignment.assignee.user,
                    context={"author": by.user},
                    url=_url(assignment),
                )
            ],
            kind=NotificationKind.ASSIGNMENT_COMMENTED,
            program=mentorship.program,
        )
        refresh_activity(mentorship.pk)
    return comment
