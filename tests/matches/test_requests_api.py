"""The mentor requests API: the same rules and services as the pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tandem.accounts.models import User
from tandem.accounts.services import create_api_token
from tandem.matches import requests as services
from tandem.matches.models import MentorRequest
from tandem.mentoring.models import Relationship
from tandem.programs.enums import Role
from tests.conftest import World
from tests.factories import MembershipFactory
from tests.matches.test_requests import Cascade, make_cascade

pytestmark = pytest.mark.django_db

PROGRAM = "/api/v1/organizations/northwind/programs/spring"


class Api:
    def __init__(self, user: User) -> None:
        _, raw = create_api_token(user, by=user, name="tests")
        self.client = Client(headers={"authorization": f"Bearer {raw}"})

    def get(self, path: str) -> Any:
        return self.client.get(PROGRAM + path)

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(
            PROGRAM + path, json.dumps(data or {}), content_type="application/json"
        )


@pytest.fixture
def cascade(world: World) -> Cascade:
    return make_cascade(world)


ENDPOINTS = [
    ("get", "/requests", "mentee", "mentor"),
    ("post", "/requests", "mentee", "coordinator"),
    ("post", "/requests/1/answer", "mentee", "mentor"),
    ("post", "/requests/withdraw", "mentee", "org_admin"),
    ("get", "/requests/inbox", "mentor", "mentee"),
    ("post", "/requests/1/accept", "mentor", "mentee"),
    ("post", "/requests/1/decline", "mentor", "coordinator"),
    ("post", "/requests/1/ask", "mentor", "mentee"),
    ("get", "/requests/overview", "coordinator", "mentor"),
    ("get", "/requests/overview", "org_admin", "mentee"),
]


@pytest.mark.parametrize(("method", "path", "allowed", "denied"), ENDPOINTS)
def test_request_endpoints_allow_their_role_and_deny_others_and_outsiders(
    cascade: Cascade, method: str, path: str, allowed: str, denied: str
) -> None:
    world = cascade.world
    if "/1/" in path:
        services.send_requests(cascade.mentee, by=world.mentee)
        path = path.replace("/1/", f"/{cascade.request_to(0).pk}/")
    body = {"answer": "x", "reason": "other", "question": "Why?"}

    def call(who: Any) -> int:
        api = Api(who)
        response = api.get(path) if method == "get" else api.post(path, body)
        return int(response.status_code)

    assert call(getattr(world, denied)) == 403
    assert call(world.outsider) == 404
    # Allowed: not refused for the role (an answer with no question asked is a 422 reason).
    assert call(getattr(world, allowed)) in {200, 201, 204, 422}


def test_mentee_sends_then_lists_then_withdraws(cascade: Cascade) -> None:
    api = Api(cascade.world.mentee)
    first = cascade.mentors[0]
    sent = api.post("/requests", {"notes": {str(first.pk): "Hello"}})
    assert sent.status_code == 201
    body = sent.json()
    assert [r["status"] for r in body] == ["pending", "queued", "queued"]
    assert body[0]["message"] == "Hello"
    assert body[0]["deadline"] is not None
    again = api.post("/requests")
    assert again.status_code == 422
    assert "already on their way" in again.json()["detail"]
    assert [r["rank"] for r in api.get("/requests").json()] == [1, 2, 3]
    withdrawn = api.post("/requests/withdraw")
    assert withdrawn.json() == {"withdrawn": 3}


def test_mentor_inbox_decline_then_next_mentor_accepts(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    mentor = Api(cascade.world.mentor)
    (item,) = mentor.get("/requests/inbox").json()
    assert item["mentee_name"] == cascade.world.mentee.display_name
    assert item["score"] is not None
    assert item["highlights"]
    bad = mentor.post(f"/requests/{item['id']}/decline", {"reason": "meh"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "reason"
    assert mentor.post(f"/requests/{item['id']}/decline", {"reason": "no_time"}).status_code == 204
    assert mentor.get("/requests/inbox").json() == []
    second = Api(cascade.mentors[1].user)
    (item,) = second.get("/requests/inbox").json()
    accepted = second.post(f"/requests/{item['id']}/accept")
    assert accepted.status_code == 201
    assert accepted.json()["mentor_id"] == cascade.mentors[1].pk
    assert cascade.statuses() == ["declined", "accepted", "closed"]
    overview = Api(cascade.world.coordinator).get("/requests/overview").json()
    (mine,) = [c for c in overview if c["mentee_id"] == cascade.mentee.pk]
    assert mine["state"] == "matched"
    assert mine["mentor_id"] == cascade.mentors[1].pk


def test_question_and_answer_over_the_api(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    request = cascade.request_to(0)
    mentor = Api(cascade.world.mentor)
    assert mentor.post(f"/requests/{request.pk}/ask", {"question": "  "}).status_code == 422
    assert (
        mentor.post(f"/requests/{request.pk}/ask", {"question": "Which team?"}).status_code == 204
    )
    mentee = Api(cascade.world.mentee)
    assert mentee.get("/requests").json()[0]["question"] == "Which team?"
    answered = mentee.post(f"/requests/{request.pk}/answer", {"answer": "Data"})
    assert answered.status_code == 200
    assert answered.json()["status"] == "pending"
    assert answered.json()["deadline"] is not None


def test_accept_at_capacity_is_a_422_with_the_reason(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    other = MembershipFactory(program=cascade.program, role=Role.MENTEE)
    Relationship.objects.create(
        program=cascade.program, mentor=cascade.mentors[0], mentee=other, source="manual"
    )
    response = Api(cascade.world.mentor).post(f"/requests/{cascade.request_to(0).pk}/accept")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("You have no place left")
    assert response.json()["field"] == "capacity"


def test_a_mentor_cannot_act_on_another_mentors_request(cascade: Cascade) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    request = MentorRequest.objects.get(mentee=cascade.mentee, rank=1)
    response = Api(cascade.mentors[1].user).post(f"/requests/{request.pk}/accept")
    assert response.status_code == 404
