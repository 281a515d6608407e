"""The mentorships API: mine across programs, one mentorship, messages, and its privacy."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.mentoring.models import Message
from tests.conftest import World
from tests.mentoring.factories import Pair, everyone, pair  # noqa: F401  # the fixture

PROGRAM = "/api/v1/organizations/northwind/programs/spring"


def test_me_mentorships_lists_mine(world: World, pair: Pair, login: Any) -> None:  # noqa: F811
    body = login(world.mentee).get("/api/v1/me/mentorships").json()
    assert [m["id"] for m in body] == [pair.mentorship.pk]
    entry = body[0]
    assert entry["organization"] == "northwind"
    assert entry["program"] == "spring"
    assert entry["kind"] == "pair"
    assert entry["status"] == "active"
    assert entry["url"] == f"/o/northwind/p/spring/mentorships/{pair.mentorship.pk}/"
    assert {(m["membership_id"], m["role"]) for m in entry["members"]} == {
        (pair.mentor.pk, "mentor"),
        (pair.mentee.pk, "mentee"),
    }
    assert login(world.coordinator).get("/api/v1/me/mentorships").json() == []


def test_messages_post_and_list(world: World, pair: Pair, login: Any) -> None:  # noqa: F811
    url = f"{PROGRAM}/mentorships/{pair.mentorship.pk}/messages"
    client = login(world.mentee)
    created = client.post(url, {"body": "Hi <script>x</script>"}, content_type="application/json")
    assert created.status_code == 201
    assert "<script>" not in created.json()["body_html"]
    too_long = client.post(url, {"body": "x" * 5001}, content_type="application/json")
    assert too_long.status_code == 422
    assert too_long.json()["field"] == "body"
    listed = login(world.mentor).get(url).json()
    assert listed["count"] == 1
    assert listed["unread"] == 1
    assert listed["items"][0]["is_unread"] is True


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("member", 200), ("other_participant", 404), ("coordinator", 404), ("outsider", 404)],
)
def test_messages_api_privacy_matrix(
    world: World,
    pair: Pair,  # noqa: F811
    login: Any,
    viewer: str,
    status: int,
) -> None:
    Message.objects.create(mentorship=pair.mentorship, author=pair.mentor, body="Secret")
    client = login(everyone(world, pair)[viewer])
    url = f"{PROGRAM}/mentorships/{pair.mentorship.pk}/messages"
    assert client.get(url).status_code == status
    posted = client.post(url, {"body": "x"}, content_type="application/json")
    assert posted.status_code == (201 if status == 200 else 404)


@pytest.mark.parametrize("viewer", ["member", "other_participant", "coordinator", "outsider"])
def test_mentorship_detail_privacy_matrix(
    world: World,
    pair: Pair,  # noqa: F811
    login: Any,
    viewer: str,
) -> None:
    response = login(everyone(world, pair)[viewer]).get(
        f"{PROGRAM}/mentorships/{pair.mentorship.pk}"
    )
    if viewer == "member":
        assert response.status_code == 200
        assert world.mentor.email in {p["email"] for p in response.json()["people"]}
    elif viewer == "coordinator":
        assert response.status_code == 200
        assert "people" not in response.json()
        assert response.json()["meetings_scheduled"] == 0
    else:
        assert response.status_code == 404
