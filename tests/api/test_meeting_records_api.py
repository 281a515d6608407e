"""The meeting-records API: agenda items, records, action items, assignments, ratings and
the guide — with the web's rules and the privacy matrix on every endpoint."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from tandem.mentoring.models import (
    ActionItem,
    AgendaItem,
    Assignment,
    MeetingRating,
    MeetingRecord,
    MeetingTemplate,
)
from tandem.mentoring.services import assignments, guides, ratings, records
from tandem.mentoring.services.records import ActionItemInput, RecordInput
from tests.api.test_api import NOT_FOUND, PROGRAM, api
from tests.conftest import World
from tests.mentoring import factories
from tests.mentoring.factories import Pair, everyone
from tests.mentoring.records_support import make_meeting, started_long_ago

pytestmark = pytest.mark.django_db

#: The mentorship fixture (tests/mentoring/conftest.py offers it there).
pair = factories.pair

TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
OUTSIDERS = ["other_participant", "coordinator", "outsider"]


def record_payload(pair: Pair, **overrides: Any) -> dict[str, Any]:
    return {
        "notes": "Talked *goals*",
        "next_meeting_set": True,
        "action_items_defined": True,
        "action_items": [{"text": "Draft the plan", "owner": pair.mentee.pk, "due_on": TOMORROW}],
        **overrides,
    }


# --- agenda -------------------------------------------------------------------------------


def test_agenda_get_and_add_item(world: World, pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=2)
    client = api(world.mentee)
    response = client.post(f"{PROGRAM}/meetings/{meeting.pk}/agenda-items", {"text": "Budget"})
    assert response.status_code == 201
    agenda = client.get(f"{PROGRAM}/meetings/{meeting.pk}/agenda").json()
    assert agenda["title"] == meeting.template.title
    assert [i["text"] for i in agenda["items"]] == ["Budget"]


def test_agenda_item_too_long_is_422_naming_the_field(world: World, pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=2)
    response = api(world.mentee).post(
        f"{PROGRAM}/meetings/{meeting.pk}/agenda-items", {"text": "x" * 501}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "text"
    assert not AgendaItem.objects.exists()


def test_agenda_item_delete_is_204(world: World, pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=2)
    item = records.add_agenda_item(meeting, by=pair.mentee, text="Mine")
    response = api(world.mentee).delete(f"{PROGRAM}/meetings/{meeting.pk}/agenda-items/{item.pk}")
    assert response.status_code == 204
    assert not AgendaItem.objects.exists()


# --- the record ---------------------------------------------------------------------------


def test_record_put_by_the_mentor_and_get_by_the_mentee(world: World, pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    url = f"{PROGRAM}/meetings/{meeting.pk}/record"
    response = put(world.mentor, url, record_payload(pair))
    assert response.status_code == 200
    shown = api(world.mentee).get(url).json()
    assert shown["written"] is True
    assert shown["notes_html"] == "<p>Talked <em>goals</em></p>"
    assert [i["text"] for i in shown["action_items"]] == ["Draft the plan"]


def put(user: Any, url: str, data: dict[str, Any]) -> Any:
    return api(user).client.put(url, json.dumps(data), content_type="application/json")


def test_record_put_without_checklist_reason_is_422(world: World, pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    response = put(
        world.mentor,
        f"{PROGRAM}/meetings/{meeting.pk}/record",
        record_payload(pair, next_meeting_set=False),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "checklist_note"
    assert not MeetingRecord.objects.exists()


def test_record_put_by_the_mentee_is_422(world: World, pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    response = put(world.mentee, f"{PROGRAM}/meetings/{meeting.pk}/record", record_payload(pair))
    assert response.status_code == 422
    assert not MeetingRecord.objects.exists()


def test_record_get_before_it_is_written_says_so(world: World, pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    shown = api(world.mentee).get(f"{PROGRAM}/meetings/{meeting.pk}/record").json()
    assert (shown["written"], shown["notes"]) == (False, "")


def test_coordinator_sees_the_meeting_summary_figures_only(world: World, pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    put(world.mentor, f"{PROGRAM}/meetings/{meeting.pk}/record", record_payload(pair))
    response = api(world.coordinator).get(f"{PROGRAM}/meetings/{meeting.pk}/summary")
    assert response.status_code == 200
    assert response.json() | {"start": None} == {
        "meeting_id": meeting.pk,
        "start": None,
        "status": "held",
        "logged": False,
        "record_written": True,
        "agenda_items": 0,
        "action_items_open": 1,
        "action_items_done": 0,
        "ratings": 0,
    }
    assert "Talked" not in response.content.decode()
    other = api(pair.other_mentee).get(f"{PROGRAM}/meetings/{meeting.pk}/summary")
    assert other.status_code == 404


def test_logged_meeting_via_api(world: World, pair: Pair) -> None:
    started_long_ago(pair.mentorship)
    start = (timezone.now() - dt.timedelta(days=2)).isoformat()
    url = f"{PROGRAM}/mentorships/{pair.mentorship.pk}/logged-meetings"
    response = api(world.mentee).post(
        url, {"start": start, "duration_minutes": 30, "timezone": "Europe/Berlin"}
    )
    assert response.status_code == 201
    assert (response.json()["logged"], response.json()["status"]) == (True, "held")
    bad = api(world.mentee).post(
        url, {"start": start, "duration_minutes": 30, "timezone": "Nowhere/City"}
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "timezone")


# --- action items -------------------------------------------------------------------------


def test_action_items_create_tick_edit_delete(world: World, pair: Pair) -> None:
    base = f"{PROGRAM}/mentorships/{pair.mentorship.pk}/action-items"
    mentee = api(world.mentee)
    created = mentee.post(base, {"text": "Read", "owner": pair.mentee.pk, "due_on": TOMORROW})
    assert created.status_code == 201
    item_id = created.json()["id"]
    ticked = api(world.mentor).patch(f"{base}/{item_id}", {"done": True})
    assert ticked.json()["done"] is True
    renamed = mentee.patch(f"{base}/{item_id}", {"text": "Read two chapters"})
    assert renamed.json()["text"] == "Read two chapters"
    assert [i["id"] for i in mentee.get(base).json()] == [item_id]
    assert mentee.delete(f"{base}/{item_id}").status_code == 204
    assert not ActionItem.objects.exists()


def test_action_item_owner_outside_the_mentorship_is_422(world: World, pair: Pair) -> None:
    base = f"{PROGRAM}/mentorships/{pair.mentorship.pk}/action-items"
    stranger = pair.other.members.first().membership_id
    response = api(world.mentee).post(base, {"text": "X", "owner": stranger, "due_on": TOMORROW})
    assert (response.status_code, response.json()["field"]) == (422, "owner")


def test_action_item_edit_by_someone_else_than_creator_or_leader_is_422(
    world: World, pair: Pair
) -> None:
    item = records.add_action_item(
        pair.mentorship,
        ActionItemInput("Mentor's", pair.mentor.pk, timezone.localdate()),
        by=pair.mentor,
    )
    url = f"{PROGRAM}/mentorships/{pair.mentorship.pk}/action-items/{item.pk}"
    assert api(world.mentee).patch(url, {"text": "Mine now"}).status_code == 422
    assert api(world.mentee).patch(url, {"done": True}).status_code == 200


# --- assignments --------------------------------------------------------------------------


def with_assignment(pair: Pair) -> Assignment:
    meeting = make_meeting(pair.mentorship, days=-1)
    make_meeting(pair.mentorship, days=6)
    records.save_record(
        meeting, RecordInput(next_meeting_set=True, action_items_defined=True), by=pair.mentor
    )
    return Assignment.objects.get()


def test_assignment_draft_submit_and_comment(world: World, pair: Pair) -> None:
    assignment = with_assignment(pair)
    url = f"{PROGRAM}/mentorships/{pair.mentorship.pk}/assignments/{assignment.pk}"
    assert put(world.mentee, url, {"body": "Draft <script>x</script>"}).status_code == 200
    submitted = api(world.mentee).post(url + "/submit", {})
    assert submitted.json()["submitted"] is True
    assert "<script>" not in submitted.json()["body_html"]
    again = api(world.mentee).post(url + "/submit", {})
    assert again.json()["submitted_at"] == submitted.json()["submitted_at"]
    comment = api(world.mentor).post(url + "/comments", {"body": "Nice"})
    assert comment.status_code == 201
    listed = api(world.mentee).get(f"{PROGRAM}/mentorships/{pair.mentorship.pk}/assignments")
    assert [c["body"] for c in listed.json()[0]["comments"]] == ["Nice"]


def test_assignment_put_by_the_mentor_is_422(world: World, pair: Pair) -> None:
    assignment = with_assignment(pair)
    url = f"{PROGRAM}/mentorships/{pair.mentorship.pk}/assignments/{assignment.pk}"
    assert put(world.mentor, url, {"body": "Not mine"}).status_code == 422


# --- ratings ------------------------------------------------------------------------------


def test_ratings_post_and_blind_get(world: World, pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    url = f"{PROGRAM}/meetings/{meeting.pk}/ratings"
    first = api(world.mentor).post(url, {"score": 2, "comment": "Meh", "share_comment": True})
    assert first.status_code == 200
    blind = api(world.mentee).get(url).json()
    assert (blind["revealed"], blind["visible"], blind["others_rated"]) == (False, [], 1)
    api(world.mentee).post(url, {"score": 5})
    shown = api(world.mentee).get(url).json()
    assert shown["visible"] == [{"name": world.mentor.display_name, "score": 2, "comment": "Meh"}]


@pytest.mark.parametrize("score", [0, 6])
def test_ratings_out_of_range_are_422(world: World, pair: Pair, score: int) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    response = api(world.mentee).post(f"{PROGRAM}/meetings/{meeting.pk}/ratings", {"score": score})
    assert response.status_code == 422
    assert not MeetingRating.objects.exists()


# --- the guide ----------------------------------------------------------------------------


def test_guide_templates_for_coordinators(world: World) -> None:
    client = api(world.coordinator)
    listed = client.get(f"{PROGRAM}/guide/templates").json()
    assert len(listed) == 5
    created = client.post(
        f"{PROGRAM}/guide/templates",
        {"kind": "regular", "title": "Deep dive", "questions": ["One?", "Two?"]},
    )
    assert created.status_code == 201
    template_id = created.json()["id"]
    moved = client.patch(f"{PROGRAM}/guide/templates/{template_id}", {"move": "up"})
    assert moved.json()["position"] == 4
    patched = client.patch(f"{PROGRAM}/guide/templates/{template_id}", {"title": "Deeper"})
    assert (patched.json()["title"], patched.json()["questions"]) == ("Deeper", ["One?", "Two?"])
    assert client.delete(f"{PROGRAM}/guide/templates/{template_id}").status_code == 204
    assert MeetingTemplate.objects.filter(program=world.program).count() == 5


def test_guide_templates_bad_kind_is_422(world: World) -> None:
    response = api(world.coordinator).post(
        f"{PROGRAM}/guide/templates", {"kind": "weekly", "title": "X"}
    )
    assert response.status_code == 422


@pytest.mark.parametrize(("who", "status"), [("mentor", 403), ("mentee", 403), ("outsider", 404)])
def test_guide_templates_refused_to_others(world: World, who: str, status: int) -> None:
    template = guides.ensure_guide(world.program)[0]
    client = api(getattr(world, who))
    assert client.get(f"{PROGRAM}/guide/templates").status_code == status
    assert client.delete(f"{PROGRAM}/guide/templates/{template.pk}").status_code == status
    assert MeetingTemplate.objects.filter(pk=template.pk).exists()


# --- the privacy matrix -------------------------------------------------------------------


def content_endpoints(pair: Pair) -> list[tuple[str, str, dict[str, Any] | None]]:
    meeting = make_meeting(pair.mentorship, days=-1)
    upcoming = make_meeting(pair.mentorship, days=3)
    agenda_item = records.add_agenda_item(upcoming, by=pair.mentee, text="Private item")
    records.save_record(
        meeting,
        RecordInput(notes="Private notes", next_meeting_set=True, action_items_defined=True),
        by=pair.mentor,
    )
    assignment = Assignment.objects.get()
    assignments.save_assignment(assignment, by=pair.mentee, body="Private answer", submit=True)
    item = records.add_action_item(
        pair.mentorship,
        ActionItemInput("Private task", pair.mentee.pk, timezone.localdate()),
        by=pair.mentee,
    )
    ratings.rate_meeting(meeting, by=pair.mentee, score=4, comment="Private comment")
    m = f"{PROGRAM}/mentorships/{pair.mentorship.pk}"
    return [
        ("get", f"{PROGRAM}/meetings/{upcoming.pk}/agenda", None),
        ("post", f"{PROGRAM}/meetings/{upcoming.pk}/agenda-items", {"text": "Sneak"}),
        ("delete", f"{PROGRAM}/meetings/{upcoming.pk}/agenda-items/{agenda_item.pk}", None),
        ("get", f"{PROGRAM}/meetings/{meeting.pk}/record", None),
        (
            "put",
            f"{PROGRAM}/meetings/{meeting.pk}/record",
            {"next_meeting_set": True, "action_items_defined": True},
        ),
        (
            "post",
            f"{m}/logged-meetings",
            {"start": timezone.now().isoformat(), "duration_minutes": 5, "timezone": "UTC"},
        ),
        ("get", f"{m}/action-items", None),
        ("post", f"{m}/action-items", {"text": "X", "owner": pair.mentee.pk, "due_on": TOMORROW}),
        ("patch", f"{m}/action-items/{item.pk}", {"done": True}),
        ("delete", f"{m}/action-items/{item.pk}", None),
        ("get", f"{m}/assignments", None),
        ("get", f"{m}/assignments/{assignment.pk}", None),
        ("put", f"{m}/assignments/{assignment.pk}", {"body": "Overwrite"}),
        ("post", f"{m}/assignments/{assignment.pk}/submit", {}),
        ("post", f"{m}/assignments/{assignment.pk}/comments", {"body": "Peek"}),
        ("get", f"{PROGRAM}/meetings/{meeting.pk}/ratings", None),
        ("post", f"{PROGRAM}/meetings/{meeting.pk}/ratings", {"score": 1}),
    ]


def call(user: Any, method: str, url: str, data: dict[str, Any] | None) -> Any:
    if method == "put":
        return put(user, url, data or {})
    client = api(user)
    if method in ("get", "delete"):
        return getattr(client, method)(url)
    return getattr(client, method)(url, data)


@pytest.mark.parametrize("viewer", OUTSIDERS)
def test_every_content_endpoint_is_404_for_non_members(
    world: World, pair: Pair, viewer: str
) -> None:
    endpoints = content_endpoints(pair)
    user = everyone(world, pair)[viewer]
    for method, url, data in endpoints:
        response = call(user, method, url, data)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), (method, url)
        assert "Private" not in response.content.decode()
    assert AgendaItem.objects.count() == 1
    assert ActionItem.objects.count() == 1
    assert Assignment.objects.get().body == "Private answer"
    assert MeetingRating.objects.count() == 1


def test_every_content_endpoint_answers_the_member(world: World, pair: Pair) -> None:
    for method, url, data in content_endpoints(pair):
        response = call(world.mentee, method, url, data)
        assert response.status_code in (200, 201, 204, 422), (method, url, response.status_code)
        assert response.status_code != 404, (method, url)
