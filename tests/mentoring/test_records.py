"""Agenda items, the meeting record, action items and logged meetings: services, pages and
the privacy matrix."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.mentoring.enums import MeetingStatus
from tandem.mentoring.models import (
    ActionItem,
    AgendaItem,
    Meeting,
    MeetingAttendee,
    MeetingRecord,
    Mentorship,
)
from tandem.mentoring.queries.records import actions_panel, agenda_panel
from tandem.mentoring.services import records
from tandem.mentoring.services.records import ActionItemInput, RecordInput
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tandem.programs.enums import Role
from tests.conftest import World
from tests.factories import MembershipFactory
from tests.mentoring.factories import Pair, everyone, make_group, membership_of
from tests.mentoring.records_support import make_meeting, meeting_url, started_long_ago

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def full_record(pair: Pair, **overrides: Any) -> RecordInput:
    return RecordInput(
        **{
            "notes": "We talked about **negotiation**.",
            "next_meeting_set": True,
            "action_items_defined": True,
            "action_items": [
                ActionItemInput("Draft the pitch", pair.mentee.pk, TOMORROW),
                ActionItemInput("Send two articles", pair.mentor.pk, TOMORROW),
            ],
            **overrides,
        }
    )


def fresh(mentorship: Mentorship) -> Mentorship:
    return Mentorship.objects.get(pk=mentorship.pk)


# --- agenda items -------------------------------------------------------------------------


def test_member_adds_an_agenda_item_before_the_meeting(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=2)
    item = records.add_agenda_item(meeting, by=pair.mentee, text="  My promotion  ")
    assert AgendaItem.objects.get().text == "My promotion"
    assert item.author == pair.mentee
    assert fresh(pair.mentorship).last_activity_at is not None


def test_agenda_item_from_someone_outside_the_mentorship_is_refused(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=2)
    stranger = membership_of(pair.other_mentee, pair.mentorship.program)
    with pytest.raises(ServiceError):
        records.add_agenda_item(meeting, by=stranger, text="Hello")
    assert not AgendaItem.objects.exists()


def test_agenda_item_after_the_meeting_ended_is_refused(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    with pytest.raises(ServiceError) as refused:
        records.add_agenda_item(meeting, by=pair.mentee, text="Late")
    assert "over" in refused.value.message


def test_empty_agenda_item_is_refused_naming_the_field(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=2)
    with pytest.raises(ServiceError) as refused:
        records.add_agenda_item(meeting, by=pair.mentee, text="   ")
    assert refused.value.field == "text"


def test_only_the_author_or_the_leader_removes_an_agenda_item(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=2)
    mine = records.add_agenda_item(meeting, by=pair.mentor, text="Mentor's")
    with pytest.raises(ServiceError):
        records.remove_agenda_item(mine, by=pair.mentee)
    theirs = records.add_agenda_item(meeting, by=pair.mentee, text="Mentee's")
    records.remove_agenda_item(theirs, by=pair.mentor)
    assert list(AgendaItem.objects.values_list("text", flat=True)) == ["Mentor's"]


# --- the record ---------------------------------------------------------------------------


def test_mentor_saves_the_record_meeting_is_held_mentee_told(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    record = records.save_record(meeting, full_record(pair), by=pair.mentor)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert record.written_by == pair.mentor
    assert list(
        ActionItem.objects.filter(meeting=meeting).order_by("id").values_list("text", "owner")
    ) == [("Draft the pitch", pair.mentee.pk), ("Send two articles", pair.mentor.pk)]
    told = Notification.objects.get(kind=NotificationKind.RECORD_SHARED)
    assert told.recipient == pair.mentee.user
    assert "2 action items" in told.body
    mentorship = fresh(pair.mentorship)
    assert (mentorship.action_items_open, mentorship.records_missing) == (2, 0)


def test_saving_the_record_again_changes_it_and_tells_nobody_twice(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    records.save_record(meeting, full_record(pair), by=pair.mentor)
    records.save_record(meeting, full_record(pair, notes="Fixed", action_items=[]), by=pair.mentor)
    assert MeetingRecord.objects.get().notes == "Fixed"
    assert Notification.objects.filter(kind=NotificationKind.RECORD_SHARED).count() == 1
    assert ActionItem.objects.count() == 2


def test_mentee_cannot_write_the_record(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    with pytest.raises(ServiceError) as refused:
        records.save_record(meeting, full_record(pair), by=pair.mentee)
    assert "mentor" in refused.value.message
    assert not MeetingRecord.objects.exists()


def test_unticked_checklist_without_a_reason_is_refused_and_nothing_saved(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    with pytest.raises(ServiceError) as refused:
        records.save_record(meeting, full_record(pair, next_meeting_set=False), by=pair.mentor)
    assert refused.value.field == "checklist_note"
    assert "the next meeting is set" in refused.value.message
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED
    assert not MeetingRecord.objects.exists()
    assert not ActionItem.objects.exists()


def test_unticked_checklist_with_a_reason_is_saved(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    record = records.save_record(
        meeting,
        full_record(pair, next_meeting_set=False, checklist_note="She is travelling"),
        by=pair.mentor,
    )
    assert (record.next_meeting_set, record.checklist_note) == (False, "She is travelling")


def test_record_before_the_meeting_starts_is_refused(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=1)
    with pytest.raises(ServiceError):
        records.save_record(meeting, full_record(pair), by=pair.mentor)


def test_record_with_an_owner_outside_the_mentorship_is_refused(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    stranger = membership_of(pair.other_mentee, pair.mentorship.program)
    data = full_record(pair, action_items=[ActionItemInput("X", stranger.pk, TOMORROW)])
    with pytest.raises(ServiceError) as refused:
        records.save_record(meeting, data, by=pair.mentor)
    assert refused.value.field == "owner"
    assert not MeetingRecord.objects.exists()


def test_group_record_keeps_attendance_per_person(world: World) -> None:
    facilitator = MembershipFactory(program=world.program, role=Role.MENTOR)
    mentees = [MembershipFactory(program=world.program, role=Role.MENTEE) for _ in range(2)]
    group = make_group(world.program, facilitators=[facilitator], mentees=mentees)
    meeting = make_meeting(group, days=-1)
    attended = {facilitator.pk: True, mentees[0].pk: True, mentees[1].pk: False}
    records.save_record(
        meeting,
        RecordInput(next_meeting_set=True, action_items_defined=True, attended=attended),
        by=facilitator,
    )
    assert (
        dict(
            MeetingAttendee.objects.filter(meeting=meeting).values_list("membership_id", "attended")
        )
        == attended
    )
    assert Notification.objects.filter(kind=NotificationKind.RECORD_SHARED).count() == 2


def test_group_mentee_cannot_write_the_record(world: World) -> None:
    facilitator = MembershipFactory(program=world.program, role=Role.MENTOR)
    mentee = MembershipFactory(program=world.program, role=Role.MENTEE)
    group = make_group(world.program, facilitators=[facilitator], mentees=[mentee])
    meeting = make_meeting(group, days=-1)
    with pytest.raises(ServiceError):
        records.save_record(
            meeting, RecordInput(next_meeting_set=True, action_items_defined=True), by=mentee
        )


# --- action items -------------------------------------------------------------------------


def test_mentee_adds_an_item_and_mentor_ticks_it(pair: Pair) -> None:
    item = records.add_action_item(
        pair.mentorship, ActionItemInput("Read the book", pair.mentee.pk, TOMORROW), by=pair.mentee
    )
    records.set_action_item_done(item, by=pair.mentor, done=True)
    item.refresh_from_db()
    assert item.done_by == pair.mentor
    assert fresh(pair.mentorship).action_items_done == 1
    records.set_action_item_done(item, by=pair.mentee, done=False)
    item.refresh_from_db()
    assert (item.done_at, item.done_by) == (None, None)
    assert fresh(pair.mentorship).action_items_open == 1


def test_ticking_twice_keeps_the_first_tick(pair: Pair) -> None:
    item = records.add_action_item(
        pair.mentorship, ActionItemInput("Read", pair.mentee.pk, TOMORROW), by=pair.mentee
    )
    first = records.set_action_item_done(item, by=pair.mentee, done=True).done_at
    assert records.set_action_item_done(item, by=pair.mentor, done=True).done_at == first


def test_only_the_creator_or_the_leader_edits_or_deletes_an_item(pair: Pair) -> None:
    item = records.add_action_item(
        pair.mentorship, ActionItemInput("Mentor's", pair.mentor.pk, TOMORROW), by=pair.mentor
    )
    with pytest.raises(ServiceError):
        records.edit_action_item(
            item, ActionItemInput("Mine", pair.mentee.pk, TOMORROW), by=pair.mentee
        )
    with pytest.raises(ServiceError):
        records.delete_action_item(item, by=pair.mentee)
    records.edit_action_item(
        item, ActionItemInput("Renamed", pair.mentee.pk, TOMORROW), by=pair.mentor
    )
    item.refresh_from_db()
    assert (item.text, item.owner_id) == ("Renamed", pair.mentee.pk)
    records.delete_action_item(item, by=pair.mentor)
    assert not ActionItem.objects.exists()


def test_action_items_of_an_ended_mentorship_are_read_only(pair: Pair) -> None:
    item = records.add_action_item(
        pair.mentorship, ActionItemInput("Read", pair.mentee.pk, TOMORROW), by=pair.mentee
    )
    Mentorship.objects.filter(pk=pair.mentorship.pk).update(status="completed")
    item = ActionItem.objects.get(pk=item.pk)
    with pytest.raises(ServiceError):
        records.set_action_item_done(item, by=pair.mentee, done=True)


# --- meetings logged afterwards ------------------------------------------------------------


def test_log_past_meeting_is_held_logged_and_sends_no_invites(pair: Pair) -> None:
    started_long_ago(pair.mentorship)
    start = timezone.now() - dt.timedelta(days=3)
    meeting = records.log_past_meeting(
        pair.mentorship,
        by=pair.mentee,
        start=start,
        duration_minutes=45,
        timezone_name="Europe/Berlin",
        location="Café",
    )
    assert (meeting.status, meeting.logged, meeting.ics) == (MeetingStatus.HELD, True, "")
    assert meeting.template is not None
    assert set(
        MeetingAttendee.objects.filter(meeting=meeting).values_list("invited_at", flat=True)
    ) == {None}
    assert fresh(pair.mentorship).meetings_held == 1


def test_log_meeting_in_the_future_is_refused(pair: Pair) -> None:
    with pytest.raises(ServiceError) as refused:
        records.log_past_meeting(
            pair.mentorship,
            by=pair.mentee,
            start=timezone.now() + dt.timedelta(days=1),
            duration_minutes=60,
            timezone_name="Europe/Berlin",
        )
    assert refused.value.field == "start"


def test_log_meeting_before_the_mentorship_began_is_refused_clearly(pair: Pair) -> None:
    with pytest.raises(ServiceError) as refused:
        records.log_past_meeting(
            pair.mentorship,
            by=pair.mentee,
            start=timezone.now() - dt.timedelta(days=30),
            duration_minutes=60,
            timezone_name="Europe/Berlin",
        )
    assert refused.value.field == "start"
    assert "outside your mentorship's dates" in refused.value.message
    assert not Meeting.objects.exists()


def test_log_meeting_with_unknown_time_zone_is_refused(pair: Pair) -> None:
    started_long_ago(pair.mentorship)
    with pytest.raises(ServiceError) as refused:
        records.log_past_meeting(
            pair.mentorship,
            by=pair.mentee,
            start=timezone.now() - dt.timedelta(days=1),
            duration_minutes=60,
            timezone_name="Mars/Olympus",
        )
    assert refused.value.field == "timezone"


# --- panels -------------------------------------------------------------------------------


def test_agenda_panel_shows_the_next_meeting_with_its_items(pair: Pair) -> None:
    make_meeting(pair.mentorship, days=-7)
    upcoming = make_meeting(pair.mentorship, days=3)
    records.add_agenda_item(upcoming, by=pair.mentee, text="Ask about budgets")
    panel = agenda_panel(pair.mentorship, pair.member(pair.mentee))
    assert panel["next_meeting"] == upcoming
    assert [i.text for i in panel["items"]] == ["Ask about budgets"]
    assert panel["template"] == upcoming.template


@pytest.mark.parametrize("count", [1, 3])
def test_panels_run_a_constant_number_of_queries(
    pair: Pair, count: int, django_assert_num_queries: Any
) -> None:
    started_long_ago(pair.mentorship)
    upcoming = make_meeting(pair.mentorship, days=3)
    for n in range(count):
        make_meeting(pair.mentorship, days=-n - 2)
        records.add_agenda_item(upcoming, by=pair.mentee, text=f"Item {n}")
        records.add_action_item(
            pair.mentorship, ActionItemInput(f"Do {n}", pair.mentee.pk, TOMORROW), by=pair.mentor
        )
    member = pair.member(pair.mentor)
    with django_assert_num_queries(4):
        agenda_panel(pair.mentorship, member)
    with django_assert_num_queries(3):
        actions = actions_panel(pair.mentorship, member)
    assert len(actions["open_items"]) == count
    assert len(actions["records_to_write"]) == count


# --- pages --------------------------------------------------------------------------------


def test_meeting_page_shows_agenda_and_record_to_members(
    pair: Pair, login: Any, world: World
) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    records.save_record(meeting, full_record(pair), by=pair.mentor)
    response = login(world.mentee).get(meeting_url(meeting))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Getting to know each other" in body
    assert "<strong>negotiation</strong>" in body
    assert "Draft the pitch" in body


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("member", 200), ("other_participant", 404), ("coordinator", 404), ("outsider", 404)],
)
def test_meeting_page_privacy_matrix(
    world: World, pair: Pair, client: Client, viewer: str, status: int
) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    records.save_record(meeting, full_record(pair, notes="Secret plans"), by=pair.mentor)
    client.force_login(everyone(world, pair)[viewer])
    response = client.get(meeting_url(meeting))
    assert response.status_code == status
    assert ("Secret plans" in response.content.decode()) is (status == 200)


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("member", 302), ("other_participant", 404), ("coordinator", 404), ("outsider", 404)],
)
def test_writing_urls_privacy_matrix(
    world: World, pair: Pair, client: Client, viewer: str, status: int
) -> None:
    started_long_ago(pair.mentorship)
    upcoming = make_meeting(pair.mentorship, days=2)
    item = records.add_action_item(
        pair.mentorship, ActionItemInput("Read", pair.mentee.pk, TOMORROW), by=pair.mentee
    )
    client.force_login(everyone(world, pair)[viewer])
    base = pair.mentorship.get_absolute_url()
    today = timezone.localdate() - dt.timedelta(days=1)
    posts = [
        (meeting_url(upcoming, "agenda/"), {"text": "Mine"}),
        (
            meeting_url(upcoming, "actions/"),
            {"text": "X", "owner": pair.mentee.pk, "due_on": TOMORROW},
        ),
        (base + f"actions/{item.pk}/done/", {"done": "on"}),
        (
            base + f"actions/{item.pk}/edit/",
            {"text": "Y", "owner": pair.mentee.pk, "due_on": TOMORROW},
        ),
        (
            base + "meetings/log/",
            {"day": today, "time": "10:00", "duration_minutes": 60, "timezone": "Europe/Berlin"},
        ),
        (base + f"actions/{item.pk}/delete/", {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == status, url
    if status == 404:
        assert AgendaItem.objects.count() == 0
        assert ActionItem.objects.get().text == "Read"


def test_record_form_posts_and_redirects(world: World, pair: Pair, login: Any) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    response = login(world.mentor).post(
        meeting_url(meeting, "record/"),
        {
            "notes": "Good start",
            "next_meeting_set": "on",
            "action_items_defined": "on",
            "item_0_text": "Update the CV",
            "item_0_owner": pair.mentee.pk,
            "item_0_due_on": TOMORROW.isoformat(),
        },
    )
    assert response.status_code == 302
    assert MeetingRecord.objects.get().notes == "Good start"
    assert ActionItem.objects.get().text == "Update the CV"


def test_record_form_with_unticked_checklist_comes_back_filled(
    world: World, pair: Pair, login: Any
) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    response = login(world.mentor).post(
        meeting_url(meeting, "record/"),
        {"notes": "Kept notes", "action_items_defined": "on", "item_0_text": "Half an item"},
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "Kept notes" in body
    assert "Choose who does it." in body
    assert not MeetingRecord.objects.exists()


def test_record_form_is_refused_to_the_mentee(world: World, pair: Pair, login: Any) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    response = login(world.mentee).post(
        meeting_url(meeting, "record/"), {"next_meeting_set": "on", "action_items_defined": "on"}
    )
    assert response.status_code == 404
    assert not MeetingRecord.objects.exists()


def test_record_form_offers_schedule_it_at_the_cadence(
    world: World, pair: Pair, login: Any
) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    body = login(world.mentor).get(meeting_url(meeting)).content.decode()
    assert "Schedule it" in body
    assert pair.mentorship.get_absolute_url() + "meetings/new/?start=" in body


def test_mentee_sees_no_record_form(world: World, pair: Pair, login: Any) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    body = login(world.mentee).get(meeting_url(meeting)).content.decode()
    assert "record/" not in body
    assert "writes the record after the meeting" in body


def test_agenda_add_by_htmx_returns_the_agenda(world: World, pair: Pair, login: Any) -> None:
    meeting = make_meeting(pair.mentorship, days=2)
    response = login(world.mentee).post(
        meeting_url(meeting, "agenda/"), {"text": "Salary talk"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="agenda"')
    assert "Salary talk" in body


def test_agenda_add_empty_is_422_with_the_error(world: World, pair: Pair, login: Any) -> None:
    meeting = make_meeting(pair.mentorship, days=2)
    response = login(world.mentee).post(
        meeting_url(meeting, "agenda/"), {"text": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert not AgendaItem.objects.exists()


def test_action_toggle_by_htmx_returns_the_row(world: World, pair: Pair, login: Any) -> None:
    item = records.add_action_item(
        pair.mentorship, ActionItemInput("Read", pair.mentee.pk, TOMORROW), by=pair.mentor
    )
    response = login(world.mentee).post(
        pair.mentorship.get_absolute_url() + f"actions/{item.pk}/done/",
        {"done": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="action-{item.pk}"' in response.content.decode()
    item.refresh_from_db()
    assert item.done_by == pair.mentee


def test_log_meeting_page_logs_and_redirects_to_the_record(
    world: World, pair: Pair, login: Any
) -> None:
    started_long_ago(pair.mentorship)
    day = timezone.localdate() - dt.timedelta(days=2)
    response = login(world.mentor).post(
        pair.mentorship.get_absolute_url() + "meetings/log/",
        {"day": day, "time": "10:00", "duration_minutes": 60, "timezone": "Europe/Berlin"},
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url() + "#record"
    assert meeting.logged


def test_log_meeting_page_outside_the_dates_comes_back_with_the_message(
    world: World, pair: Pair, login: Any
) -> None:
    day = timezone.localdate() - dt.timedelta(days=40)
    response = login(world.mentee).post(
        pair.mentorship.get_absolute_url() + "meetings/log/",
        {"day": day, "time": "10:00", "duration_minutes": 60, "timezone": "Europe/Berlin"},
    )
    assert response.status_code == 422
    assert "outside your mentorship&#x27;s dates" in response.content.decode()
    assert not Meeting.objects.exists()


def test_action_edit_ignores_an_off_site_next(world: World, pair: Pair, login: Any) -> None:
    item = records.add_action_item(
        pair.mentorship, ActionItemInput("Read", pair.mentee.pk, TOMORROW), by=pair.mentee
    )
    url = pair.mentorship.get_absolute_url() + f"actions/{item.pk}/edit/"
    client = login(world.mentee)
    assert "javascript:" not in client.get(url + "?next=javascript:alert(1)").content.decode()
    response = client.post(
        url,
        {
            "text": "Read more",
            "owner": pair.mentee.pk,
            "due_on": TOMORROW,
            "next": "https://evil.test/",
        },
    )
    assert response["Location"] == pair.mentorship.get_absolute_url()


def test_meeting_page_shows_the_time_in_the_viewer_s_time_zone(
    world: World, pair: Pair, login: Any
) -> None:
    start = dt.datetime(2030, 1, 15, 9, 0, tzinfo=dt.UTC)
    meeting = make_meeting(pair.mentorship, start=start)
    world.mentee.time_zone = "America/New_York"
    world.mentee.save(update_fields=["time_zone"])
    body = login(world.mentee).get(meeting_url(meeting)).content.decode()
    assert "Tuesday 15 January 2030, 04:00–05:00" in body
    assert "arranged in Europe/Berlin" in body
