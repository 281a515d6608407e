"""GET PROGRAM/mentorships: the coordinator's figures over the API, metadata only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tandem.accounts.models import User
from tandem.accounts.services import create_api_token
from tandem.mentoring.enums import MeetingStatus
from tandem.mentoring.models import MeetingRecord, Mentorship, Message
from tandem.mentoring.services.activity import refresh_activity_many
from tests.conftest import World
from tests.factories import MembershipFactory
from tests.mentoring.activity_support import action_item, days_ago, meeting_at
from tests.mentoring.factories import Pair, everyone, make_pair

URL = "/api/v1/organizations/northwind/programs/spring/mentorships"
NOT_FOUND = {"detail": "Not found, or not yours to see."}
SECRET = "What we said stays with us"


def api(user: User) -> Client:
    _, raw = create_api_token(user, by=user, name="tests")
    return Client(headers={"authorization": f"Bearer {raw}"})


def _history(pair: Pair) -> None:
    Mentorship.objects.filter(pk__in=[pair.mentorship.pk, pair.other.pk]).update(
        started_at=days_ago(42)
    )
    for days in (40, 26, 12):
        meeting = meeting_at(pair.mentorship, days_ago(days), status=MeetingStatus.HELD)
        MeetingRecord.objects.create(meeting=meeting, written_by=pair.mentor, notes=SECRET)
    meeting_at(pair.mentorship, days_ago(-2))
    action_item(pair.mentorship, pair.mentee, done=True)
    Message.objects.create(mentorship=pair.mentorship, author=pair.mentee, body=SECRET)
    meeting_at(pair.other, days_ago(40), status=MeetingStatus.HELD)
    refresh_activity_many([pair.mentorship.pk, pair.other.pk])


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("other_participant", 403), ("coordinator", 200), ("outsider", 404)],
)
def test_program_mentorships_api_privacy_matrix(
    world: World, pair: Pair, who: str, status: int
) -> None:
    _history(pair)
    response = api(everyone(world, pair)[who]).get(URL)
    assert response.status_code == status
    assert SECRET not in response.content.decode()
    if status == 404:
        assert response.json() == NOT_FOUND


def test_program_mentorships_api_is_open_to_org_admins(world: World, pair: Pair) -> None:
    assert api(world.org_admin).get(URL).json()["count"] == 2


def test_program_mentorships_api_returns_the_figures(world: World, pair: Pair) -> None:
    _history(pair)
    body = api(world.coordinator).get(URL, {"sort": "-meetings_held"}).json()
    assert (body["count"], body["page"], body["pages"], body["page_size"]) == (2, 1, 1, 50)
    first = body["results"][0]
    assert first["id"] == pair.mentorship.pk
    assert {k: first[k] for k in ("kind", "status", "cadence")} == {
        "kind": "pair",
        "status": "active",
        "cadence": "biweekly",
    }
    assert (first["meetings_held"], first["meetings_scheduled"], first["meetings_expected"]) == (
        3,
        1,
        3,
    )
    assert (first["records_missing"], first["action_items_open"], first["action_items_done"]) == (
        0,
        0,
        1,
    )
    assert first["behind_cadence"] is False
    assert sorted(m["role"] for m in first["members"]) == ["mentee", "mentor"]
    assert {m["name"] for m in first["members"]} == {
        world.mentor.display_name,
        world.mentee.display_name,
    }
    assert body["results"][1]["behind_cadence"] is True
    assert body["counts"]["show:behind"] == 1
    assert body["counts"]["all"] == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"show": "quiet"}, "other"),
        ({"show": "no_next_meeting"}, "other"),
        ({"show": "records_missing"}, "other"),
        ({"show": "behind"}, "other"),
        ({"kind": "pair", "status": "active", "sort": "next_meeting_at"}, "both"),
    ],
)
def test_program_mentorships_api_filters(
    world: World, pair: Pair, params: dict[str, str], expected: str
) -> None:
    _history(pair)
    ids = [r["id"] for r in api(world.coordinator).get(URL, params).json()["results"]]
    assert ids == ([pair.other.pk] if expected == "other" else [pair.mentorship.pk, pair.other.pk])


def test_program_mentorships_api_searches_names(world: World, pair: Pair) -> None:
    User.objects.filter(pk=pair.other_mentor.pk).update(full_name="Oskar Lindqvist")
    ids = [r["id"] for r in api(world.coordinator).get(URL, {"q": "lindq"}).json()["results"]]
    assert ids == [pair.other.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "notes"}, "sort"),
        ({"show": "secrets"}, "show"),
        ({"status": "paused"}, "status"),
        ({"page": "0"}, "page"),
        ({"page": "3"}, "page"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_program_mentorships_api_refuses_bad_parameters(
    world: World, pair: Pair, params: dict[str, str], field: str
) -> None:
    response = api(world.coordinator).get(URL, params)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_program_mentorships_api_paginates(world: World) -> None:
    for _ in range(51):
        mentor = MembershipFactory(program=world.program, role="mentor")
        mentee = MembershipFactory(program=world.program, role="mentee")
        make_pair(world.program, mentor=mentor, mentee=mentee)
    client = api(world.coordinator)
    assert len(client.get(URL).json()["results"]) == 50
    second = client.get(URL, {"page": "2"}).json()
    assert (len(second["results"]), second["pages"]) == (1, 2)


@pytest.mark.parametrize("count", [1, 30])
def test_program_mentorships_api_runs_in_constant_queries(
    world: World, django_assert_num_queries: Any, count: int
) -> None:
    for _ in range(count):
        mentor = MembershipFactory(program=world.program, role="mentor")
        mentee = MembershipFactory(program=world.program, role="mentee")
        make_pair(world.program, mentor=mentor, mentee=mentee)
    client = api(world.coordinator)
    # token (+ its last-used update), the access (4), oldest start, counts, page count, page,
    # members
    with django_assert_num_queries(11):
        assert client.get(URL).status_code == 200
