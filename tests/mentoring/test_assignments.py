"""The guide's preparation: set when a meeting is recorded, due at the next meeting, written
and submitted by the mentee, commented by the mentor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.mentoring.enums import MeetingStatus
from tandem.mentoring.models import Assignment, AssignmentComment, Meeting, MeetingTemplate
from tandem.mentoring.queries.records import agenda_panel
from tandem.mentoring.services import assignments, records
from tandem.mentoring.services.records import RecordInput
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tandem.programs.enums import Role
from tests.conftest import World
from tests.factories import MembershipFactory
from tests.mentoring.factories import Pair, everyone, make_group
from tests.mentoring.records_support import make_meeting, meeting_url

pytestmark = pytest.mark.django_db

DONE = RecordInput(next_meeting_set=True, action_items_defined=True)


def recorded_first_meeting(pair: Pair) -> tuple[Meeting, Meeting]:
    first = make_meeting(pair.mentorship, days=-1)
    second = make_meeting(pair.mentorship, days=13)
    records.save_record(first, DONE, by=pair.mentor)
    return first, second


def test_recording_a_meeting_with_preparation_sets_the_mentee_an_assignment(pair: Pair) -> None:
    first, second = recorded_first_meeting(pair)
    assignment = Assignment.objects.get()
    assert assignment.assignee == pair.mentee
    assert assignment.meeting == first
    assert assignment.prompt == first.template.preparation
    assert assignment.due_at == second.start
    told = Notification.objects.get(kind=NotificationKind.ASSIGNMENT_SET)
    assert told.recipient == pair.mentee.user


def test_recording_twice_sets_the_assignment_once(pair: Pair) -> None:
    first, _ = recorded_first_meeting(pair)
    records.save_record(first, DONE, by=pair.mentor)
    assert Assignment.objects.count() == 1
    assert Notification.objects.filter(kind=NotificationKind.ASSIGNMENT_SET).count() == 1


def test_a_template_without_preparation_sets_nothing(pair: Pair) -> None:
    first = make_meeting(pair.mentorship, days=-1)
    MeetingTemplate.objects.filter(pk=first.template_id).update(preparation="")
    records.save_record(first, DONE, by=pair.mentor)
    assert not Assignment.objects.exists()


def test_group_assignments_go_to_every_mentee_not_the_facilitator(world: World) -> None:
    facilitator = MembershipFactory(program=world.program, role=Role.MENTOR)
    mentees = [MembershipFactory(program=world.program, role=Role.MENTEE) for _ in range(2)]
    group = make_group(world.program, facilitators=[facilitator], mentees=mentees)
    meeting = make_meeting(group, days=-1)
    records.save_record(meeting, DONE, by=facilitator)
    assert set(Assignment.objects.values_list("assignee_id", flat=True)) == {m.pk for m in mentees}


def test_ended_meetings_without_a_record_get_their_assignment_from_the_sweep(pair: Pair) -> None:
    make_meeting(pair.mentorship, days=-1)
    make_meeting(pair.mentorship, days=2)
    assert assignments.set_assignments_for_ended_meetings() == 1
    assert assignments.set_assignments_for_ended_meetings() == 0
    assert Assignment.objects.get().assignee == pair.mentee


def test_due_date_follows_the_next_meeting_when_meetings_change(pair: Pair) -> None:
    _, second = recorded_first_meeting(pair)
    third = make_meeting(pair.mentorship, days=30)
    Meeting.objects.filter(pk=second.pk).update(status=MeetingStatus.CANCELLED)
    assignments.refresh_assignment_due_dates(pair.mentorship)
    assert Assignment.objects.get().due_at == third.start
    Meeting.objects.filter(pk=third.pk).update(status=MeetingStatus.CANCELLED)
    assignments.refresh_assignment_due_dates(pair.mentorship)
    assert Assignment.objects.get().due_at is None


def test_mentee_saves_a_draft_then_submits_and_the_mentor_is_told_once(pair: Pair) -> None:
    recorded_first_meeting(pair)
    assignment = Assignment.objects.get()
    assignments.save_assignment(assignment, by=pair.mentee, body="First thoughts")
    assignment.refresh_from_db()
    assert (assignment.body, assignment.submitted_at) == ("First thoughts", None)
    assignments.save_assignment(assignment, by=pair.mentee, body="Final", submit=True)
    submitted_at = Assignment.objects.get().submitted_at
    assert submitted_at is not None
    assignments.save_assignment(assignment, by=pair.mentee, body="Final", submit=True)
    assert Assignment.objects.get().submitted_at == submitted_at
    told = Notification.objects.get(kind=NotificationKind.ASSIGNMENT_SUBMITTED)
    assert told.recipient == pair.mentor.user


def test_only_the_assignee_writes_the_assignment(pair: Pair) -> None:
    recorded_first_meeting(pair)
    with pytest.raises(ServiceError):
        assignments.save_assignment(Assignment.objects.get(), by=pair.mentor, body="Not mine")


def test_submitting_an_empty_assignment_is_refused(pair: Pair) -> None:
    recorded_first_meeting(pair)
    with pytest.raises(ServiceError) as refused:
        assignments.save_assignment(Assignment.objects.get(), by=pair.mentee, body=" ", submit=True)
    assert refused.value.field == "body"


def test_mentor_comments_and_the_mentee_is_told(pair: Pair) -> None:
    recorded_first_meeting(pair)
    assignment = Assignment.objects.get()
    with pytest.raises(ServiceError):
        assignments.comment_on_assignment(assignment, by=pair.mentor, body="Too early")
    assignments.save_assignment(assignment, by=pair.mentee, body="Done", submit=True)
    assignments.comment_on_assignment(assignment, by=pair.mentor, body="Great start")
    assert AssignmentComment.objects.get().author == pair.mentor
    told = Notification.objects.get(kind=NotificationKind.ASSIGNMENT_COMMENTED)
    assert told.recipient == pair.mentee.user
    with pytest.raises(ServiceError):
        assignments.comment_on_assignment(assignment, by=pair.mentee, body="Thanks")


# --- pages --------------------------------------------------------------------------------


def test_submitted_markdown_is_sanitised_on_display(world: World, pair: Pair, login: Any) -> None:
    _first, second = recorded_first_meeting(pair)
    assignments.save_assignment(
        Assignment.objects.get(),
        by=pair.mentee,
        body='**Plan** <script>alert(1)</script> <a href="javascript:x()" onclick="y()">l</a>',
        submit=True,
    )
    body = login(world.mentor).get(meeting_url(second)).content.decode()
    assert "<strong>Plan</strong>" in body
    assert "<script>alert(1)" not in body
    assert "javascript:x()" not in body
    assert 'onclick="y()"' not in body


def test_assignment_form_saves_and_submits(world: World, pair: Pair, login: Any) -> None:
    recorded_first_meeting(pair)
    assignment = Assignment.objects.get()
    url = pair.mentorship.get_absolute_url() + f"assignments/{assignment.pk}/"
    client = login(world.mentee)
    assert client.post(url, {"body": "Draft", "save": "1"}).status_code == 302
    assert Assignment.objects.get().submitted_at is None
    assert client.post(url, {"body": "Ready", "submit": "1"}).status_code == 302
    assert Assignment.objects.get().body == "Ready"
    assert Assignment.objects.get().submitted_at is not None


def test_assignment_form_submitting_empty_comes_back_with_the_error(
    world: World, pair: Pair, login: Any
) -> None:
    recorded_first_meeting(pair)
    assignment = Assignment.objects.get()
    url = pair.mentorship.get_absolute_url() + f"assignments/{assignment.pk}/"
    response = login(world.mentee).post(url, {"body": "", "submit": "1"})
    assert response.status_code == 422
    assert "Write something before you submit it." in response.content.decode()


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("member", 302), ("other_participant", 404), ("coordinator", 404), ("outsider", 404)],
)
def test_assignment_urls_privacy_matrix(
    world: World, pair: Pair, client: Client, viewer: str, status: int
) -> None:
    recorded_first_meeting(pair)
    assignment = Assignment.objects.get()
    client.force_login(everyone(world, pair)[viewer])
    url = pair.mentorship.get_absolute_url() + f"assignments/{assignment.pk}/"
    assert client.post(url, {"body": "Mine", "submit": "1"}).status_code == status
    if status == 404:
        assert Assignment.objects.get().body == ""


def test_comment_urls_privacy_matrix(world: World, pair: Pair, client: Client) -> None:
    recorded_first_meeting(pair)
    assignment = Assignment.objects.get()
    assignments.save_assignment(assignment, by=pair.mentee, body="Done", submit=True)
    url = pair.mentorship.get_absolute_url() + f"assignments/{assignment.pk}/comment/"
    viewers = everyone(world, pair)
    for name in ("other_participant", "coordinator", "outsider"):
        client.force_login(viewers[name])
        assert client.post(url, {"body": "Peek"}).status_code == 404, name
    client.force_login(world.mentor)
    assert client.post(url, {"body": "Well done"}).status_code == 302
    assert list(AssignmentComment.objects.values_list("body", flat=True)) == ["Well done"]


def test_the_mentee_sees_only_their_own_assignment_in_a_group(world: World, login: Any) -> None:
    facilitator = MembershipFactory(program=world.program, role=Role.MENTOR)
    mentee_membership = world.mentee.memberships.get(program=world.program)
    other = MembershipFactory(program=world.program, role=Role.MENTEE)
    group = make_group(
        world.program, facilitators=[facilitator], mentees=[mentee_membership, other]
    )
    meeting = make_meeting(group, days=-1)
    records.save_record(meeting, DONE, by=facilitator)
    theirs = Assignment.objects.get(assignee=other)
    assignments.save_assignment(theirs, by=other, body="Private words", submit=True)
    client = login(world.mentee)
    assert "Private words" not in client.get(meeting_url(meeting)).content.decode()
    url = group.get_absolute_url() + f"assignments/{theirs.pk}/"
    assert client.post(url, {"body": "Overwrite", "submit": "1"}).status_code == 404


def test_workspace_agenda_panel_lists_the_open_assignment(pair: Pair) -> None:
    recorded_first_meeting(pair)
    panel = agenda_panel(pair.mentorship, pair.member(pair.mentee))
    assert [a.assignee_id for a in panel["assignments"]] == [pair.mentee.pk]
    assert panel["next_meeting"].start > timezone.now() - dt.timedelta(hours=1)
