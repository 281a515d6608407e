"""The profiles API: questions, my profile, members' profiles, the directory, my choices."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tandem.accounts.models import User
from tandem.accounts.services import create_api_token
from tandem.enrolment.enums import Audience, QuestionKind
from tandem.enrolment.models import MentorChoice, ProfileQuestion
from tandem.enrolment.services import profiles as services
from tandem.programs.enums import MatchingMode
from tests.conftest import World
from tests.enrolment.factories_profiles import QuestionFactory, membership_of

pytestmark = pytest.mark.django_db

PROGRAM = "/api/v1/organizations/northwind/programs/spring"


class Api:
    def __init__(self, user: User) -> None:
        _, raw = create_api_token(user, by=user, name="tests")
        self.client = Client(headers={"authorization": f"Bearer {raw}"})

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(PROGRAM + path, params)

    def send(self, method: str, path: str, data: Any = None) -> Any:
        return getattr(self.client, method)(
            PROGRAM + path, json.dumps(data or {}), content_type="application/json"
        )


def demographics(world: World) -> None:
    QuestionFactory(program=world.program, key="goals", label="Goals", required=True)
    QuestionFactory(
        program=world.program,
        key="gender_identity",
        kind=QuestionKind.SINGLE_CHOICE,
        choices=["Woman", "Man"],
        is_demographic=True,
    )


# --- questions ---------------------------------------------------------------------------


def test_question_crud_for_coordinators(world: World) -> None:
    api = Api(world.coordinator)
    offered = api.send(
        "post",
        "/questions",
        {
            "key": "skills_offered",
            "label": "Skills I can offer",
            "kind": "multiple_choice",
            "audience": "mentors",
            "choices": ["SQL", "Python"],
        },
    )
    assert offered.status_code == 201
    wanted = api.send(
        "post",
        "/questions",
        {
            "key": "skills_wanted",
            "label": "Skills I want",
            "kind": "multiple_choice",
            "audience": "mentees",
            "choices": ["SQL"],
            "paired_with": "skills_offered",
        },
    )
    assert wanted.status_code == 201
    assert wanted.json()["paired_with"] == "skills_offered"
    listing = api.get("/questions")
    assert [q["key"] for q in listing.json()] == ["skills_offered", "skills_wanted"]
    question_id = wanted.json()["id"]
    patched = api.send("patch", f"/questions/{question_id}", {"label": "Skills to grow"})
    assert patched.status_code == 200
    assert patched.json()["label"] == "Skills to grow"
    assert api.send("delete", f"/questions/{question_id}").status_code == 204
    assert list(ProfileQuestion.objects.values_list("key", flat=True)) == ["skills_offered"]


@pytest.mark.parametrize("who", ["mentor", "mentee"])
def test_question_endpoints_refuse_participants(world: World, who: str) -> None:
    question = QuestionFactory(program=world.program)
    api = Api(getattr(world, who))
    assert api.get("/questions").status_code == 403
    created = api.send("post", "/questions", {"key": "a", "label": "A", "kind": "text"})
    assert created.status_code == 403
    assert api.send("patch", f"/questions/{question.pk}", {"label": "B"}).status_code == 403
    assert api.send("delete", f"/questions/{question.pk}").status_code == 403
    assert ProfileQuestion.objects.get().label == question.label


def test_question_endpoints_are_404_for_outsiders(world: World) -> None:
    assert Api(world.outsider).get("/questions").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"key": "email", "label": "E-mail", "kind": "text"}, "key"),
        ({"key": "x", "label": "X", "kind": "single_choice"}, "choices"),
        ({"key": "x", "label": "X", "kind": "text", "paired_with": "nope"}, "paired_with"),
        ({"key": "x", "label": "X", "kind": "colour"}, "kind"),
    ],
)
def test_question_create_422_names_the_field(
    world: World, payload: dict[str, Any], field: str
) -> None:
    response = Api(world.coordinator).send("post", "/questions", payload)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_question_patch_refuses_removing_a_used_choice_unless_asked(world: World) -> None:
    question = QuestionFactory(
        program=world.program, key="skills", kind=QuestionKind.MULTIPLE_CHOICE, choices=["a", "b"]
    )
    mentee = membership_of(world, "mentee")
    mentee.answers = {"skills": ["a"]}
    mentee.save()
    api = Api(world.coordinator)
    refused = api.send("patch", f"/questions/{question.pk}", {"choices": ["b"]})
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("“a” is still the answer of 1 person.")
    done = api.send(
        "patch", f"/questions/{question.pk}", {"choices": ["b"], "remove_from_answers": True}
    )
    assert done.status_code == 200
    mentee.refresh_from_db()
    assert mentee.answers == {}


# --- my profile --------------------------------------------------------------------------


def test_my_profile_get_and_put(world: World) -> None:
    QuestionFactory(program=world.program, key="goals", required=True)
    QuestionFactory(
        program=world.program, key="years", kind=QuestionKind.NUMBER, min_value=0, max_value=60
    )
    api = Api(world.mentee)
    before = api.get("/profile").json()
    assert before["completeness"] == {
        "percent": 0,
        "answered": 0,
        "total": 2,
        "missing_required": ["goals"],
    }
    response = api.send("put", "/profile", {"answers": {"goals": "Lead", "years": "4"}})
    assert response.status_code == 200
    assert response.json()["answers"] == {"goals": "Lead", "years": 4}
    assert response.json()["completeness"]["percent"] == 100


@pytest.mark.parametrize(
    ("answers", "field", "reason"),
    [
        ({"years": 99}, "years", "99 is outside the allowed range 0 to 60."),
        ({"shoe_size": 42}, "shoe_size", "not a question of your profile"),
        ({"gender_identity": "Woman"}, "gender_identity", "give your consent"),
    ],
)
def test_my_profile_put_422_names_the_key_and_reason(
    world: World, answers: dict[str, Any], field: str, reason: str
) -> None:
    demographics(world)
    QuestionFactory(
        program=world.program, key="years", kind=QuestionKind.NUMBER, min_value=0, max_value=60
    )
    response = Api(world.mentee).send("put", "/profile", {"answers": answers})
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert reason in response.json()["detail"]
    assert field in response.json()["detail"]
    assert membership_of(world, "mentee").answers == {}


@pytest.mark.parametrize("who", ["coordinator", "org_admin"])
def test_my_profile_refuses_coordinators(world: World, who: str) -> None:
    api = Api(getattr(world, who))
    assert api.get("/profile").status_code == 403
    assert api.send("put", "/profile", {"answers": {}}).status_code == 403


# --- a member's profile (coordinators) ---------------------------------------------------


def test_member_profile_omits_demographics(world: World) -> None:
    demographics(world)
    mentee = membership_of(world, "mentee")
    services.give_demographic_consent(mentee, by=world.mentee)
    services.save_profile(
        mentee, by=world.mentee, answers={"goals": "Grow", "gender_identity": "Woman"}
    )
    response = Api(world.coordinator).get(f"/profiles/{mentee.pk}")
    assert response.status_code == 200
    assert response.json()["answers"] == {"goals": "Grow"}
    assert response.json()["demographic_consent"] is None
    own = Api(world.mentee).get("/profile").json()
    assert own["answers"] == {"goals": "Grow", "gender_identity": "Woman"}
    assert own["demographic_consent"] is True


@pytest.mark.parametrize("who", ["mentor", "mentee"])
def test_member_profile_refuses_participants(world: World, who: str) -> None:
    mentee = membership_of(world, "mentee")
    assert Api(getattr(world, who)).get(f"/profiles/{mentee.pk}").status_code == 403


# --- directory and choices ---------------------------------------------------------------


def self_select(world: World) -> None:
    world.program.matching_mode = MatchingMode.BOTH
    world.program.save()


def test_directory_for_mentees_omits_demographics_and_emails(world: World) -> None:
    self_select(world)
    demographics(world)
    QuestionFactory(program=world.program, key="manager", audience=Audience.BOTH)
    mentor = membership_of(world, "mentor")
    mentor.answers = {"goals": "Share", "gender_identity": "Man", "manager": "boss@example.org"}
    mentor.save()
    response = Api(world.mentee).get("/mentors", q="share")
    assert response.status_code == 200
    [card] = response.json()
    assert card["membership_id"] == mentor.pk
    assert card["answers"] == {"goals": "Share"}
    assert world.mentor.email not in response.text
    assert Api(world.mentee).get("/mentors", q="nobody").json() == []


@pytest.mark.parametrize("who", ["mentor", "coordinator"])
def test_directory_and_choices_refuse_mentors_and_coordinators(world: World, who: str) -> None:
    self_select(world)
    api = Api(getattr(world, who))
    assert api.get("/mentors").status_code == 403
    assert api.get("/choices").status_code == 403
    assert api.send("put", "/choices", {"mentors": []}).status_code == 403


def test_directory_is_403_when_self_select_is_off(world: World) -> None:
    api = Api(world.mentee)
    assert api.get("/mentors").status_code == 403
    assert api.send("put", "/choices", {"mentors": []}).status_code == 403


def test_my_choices_get_and_put(world: World) -> None:
    self_select(world)
    mentor = membership_of(world, "mentor")
    api = Api(world.mentee)
    assert api.get("/choices").json() == {"max_choices": 3, "mentors": []}
    response = api.send("put", "/choices", {"mentors": [mentor.pk]})
    assert response.status_code == 200
    assert response.json() == {"max_choices": 3, "mentors": [mentor.pk]}
    assert MentorChoice.objects.get().rank == 1


@pytest.mark.parametrize("mentors", [["dup", "dup"], ["mentee"], ["m", "m2", "m3", "m4"]])
def test_my_choices_put_refusals_are_422(world: World, mentors: list[str]) -> None:
    self_select(world)
    ids = {
        "dup": membership_of(world, "mentor").pk,
        "mentee": membership_of(world, "applicant").pk,
        "m": membership_of(world, "mentor").pk,
        "m2": 10_001,
        "m3": 10_002,
        "m4": 10_003,
    }
    response = Api(world.mentee).send("put", "/choices", {"mentors": [ids[m] for m in mentors]})
    assert response.status_code == 422
    assert response.json()["field"] == "mentors"
    assert not MentorChoice.objects.exists()
