"""Reads of agendas, meeting records, action items and assignments for pages and the API.

Every function here runs a fixed number of queries whatever the mentorship's history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from tandem.core.text import render_markdown
from tandem.mentoring.enums import MeetingStatus
from tandem.mentoring.models import (
    ActionItem,
    AgendaItem,
    Assignment,
    AssignmentComment,
    Meeting,
    MeetingAttendee,
    MeetingRecord,
    Mentorship,
    MentorshipMember,
)


def action_items_of(mentorship: Mentorship) -> QuerySet[ActionItem]:
    """Open items first (by delivery date), then done ones."""
    return (
        ActionItem.objects.filter(mentorship=mentorship)
        .select_related("owner__user", "created_by")
        .order_by("done_at", "due_on", "id")
    )


def assignments_of(mentorship: Mentorship, member: MentorshipMember) -> QuerySet[Assignment]:
    """What ``member`` may read: their own assignments; leaders read every mentee's."""
    assignments = (
        Assignment.objects.filter(mentorship=mentorship)
        .select_related("assignee__user", "meeting", "template")
        .prefetch_related(
            Prefetch(
                "comments",
                queryset=AssignmentComment.objects.select_related("author__user"),
            )
        )
    )
    if not member.leads:
        assignments = assignments.filter(assignee_id=member.membership_id)
    return assignments.order_by("-created_at", "-id")


def next_meeting(mentorship: Mentorship, *, now: dt.datetime | None = None) -> Meeting | None:
    now = now or timezone.now()
    meetings = (
        Meeting.objects.filter(mentorship=mentorship, status=MeetingStatus.SCHEDULED)
        .filter(start__gte=now - dt.timedelta(hours=24))
        .select_related("template")
        .prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.select_related("author__user"))
        )
        .order_by("start", "id")
    )
    for meeting in meetings[:3]:
        if meeting.end > now:
            return meeting
    return None


def agenda_panel(mentorship: Mentorship, member: MentorshipMember) -> dict[str, Any]:
    """What the workspace's agenda/guide panel shows ``member``: the next meeting's agenda
    (the guide's template and the items added), and the preparation they owe."""
    meeting = next_meeting(mentorship)
    open_assignments = list(
        Assignment.objects.filter(
            mentorship=mentorship,
            assignee_id=member.membership_id,
            submitted_at__isnull=True,
        )
        .select_related("meeting")
        .order_by("due_at", "id")[:5]
    )
    to_read = []
    if member.leads:
        to_read = list(
            Assignment.objects.filter(mentorship=mentorship, submitted_at__isnull=False)
            .exclude(comments__author_id=member.membership_id)
            .select_related("assignee__user", "meeting", "template")
            .order_by("-submitted_at", "-id")[:5]
        )
    return {
        "next_meeting": meeting,
        "template": meeting.template if meeting else None,
        "questions": meeting.template.question_list if meeting and meeting.template else [],
        "items": list(meeting.agenda_items.all()) if meeting else [],
        "assignments": open_assignments,
        "to_read": to_read,
    }


def actions_panel(mentorship: Mentorship, member: MentorshipMember) -> dict[str, Any]:
    """What the workspace's action-items panel shows ``member``: open items (overdue marked),
    how many are done, and — for the member who leads — records still to write."""
    today = timezone.localdate()
    open_items = list(action_items_of(mentorship).filter(done_at__isnull=True)[:20])
    done = ActionItem.objects.filter(mentorship=mentorship, done_at__isnull=False).count()
    records_to_write: list[Meeting] = []
    if member.leads:
        records_to_write = list(
            Meeting.objects.filter(
                mentorship=mentorship,
                start__lt=timezone.now(),
                record__isnull=True,
            )
            .exclude(status=MeetingStatus.CANCELLED)
            .order_by("-start")[:5]
        )
    return {
        "open_items": [
            {
                "item": item,
                "overdue": item.due_on < today,
                "mine": item.owner_id == member.membership_id,
            }
            for item in open_items
        ],
        "done_count": done,
        "records_to_write": [m for m in records_to_write if m.end <= timezone.now()],
    }


@dataclass(frozen=True)
class AssignmentView:
    assignment: Assignment
    body_html: str
    comments: list[tuple[AssignmentComment, str]]
    mine: bool


def assignment_view(assignment: Assignment, member: MentorshipMember) -> AssignmentView:
    return AssignmentView(
        assignment=assignment,
        body_html=render_markdown(assignment.body) if assignment.submitted_at else "",
        comments=[(c, render_markdown(c.body)) for c in assignment.comments.all()],
        mine=assignment.assignee_id == member.membership_id,
    )


def meeting_of(mentorship: Mentorship, meeting_id: int) -> Meeting | None:
    return (
        Meeting.objects.filter(mentorship=mentorship, pk=meeting_id)
        .select_related("template", "created_by")
        .prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.select_related("author__user")),
            Prefetch(
                "attendees", queryset=MeetingAttendee.objects.select_related("membership__user")
            ),
        )
        .first()
    )


def record_of(meeting: Meeting) -> MeetingRecord | None:
    return MeetingRecord.objects.filter(meeting=meeting).select_related("written_by__user").first()


def meeting_number(meeting: Meeting) -> int:
    """Its place among the mentorship's non-cancelled meetings (1 for the first)."""
    return (
        Meeting.objects.filter(mentorship_id=meeting.mentorship_id)
        .exclude(status=MeetingStatus.CANCELLED)
        .filter(Q(start__lt=meeting.start) | Q(start=meeting.start, id__lt=meeting.pk))
        .count()
        + 1
    )


def meeting_assignments(
    meeting: Meeting, member: MentorshipMember
) -> tuple[list[AssignmentView], list[AssignmentView]]:
    """(set at this meeting, due at this meeting) — what ``member`` may read of each."""
    readable = assignments_of(meeting.mentorship, member)
    rows = list(readable.filter(Q(meeting=meeting) | Q(due_at=meeting.start)))
    set_here = [assignment_view(a, member) for a in rows if a.meeting_id == meeting.pk]
    due_here = [
        assignment_view(a, member)
        for a in rows
        if a.meeting_id != meeting.pk and a.due_at == meeting.start
    ]
    return set_here, due_here
