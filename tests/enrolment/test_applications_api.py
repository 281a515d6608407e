"""API: apply to a program, list applications, decide."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tandem.accounts.models import User
from tandem.accounts.services import create_api_token
from tandem.enrolment.models import Application
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tandem.programs.enums import EnrolmentAccess, MembershipStatus, ProgramStatus
from tandem.programs.models import Membership, Program
from tests.conftest import World
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROGRAM = "/api/v1/organizations/northwind/programs/spring"


def client_for(user: User) -> Client:
    _, raw = create_api_token(user, by=user, name="tests")
    return Client(headers={"authorization": f"Bearer {raw}"})


def post_json(client: Client, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(data), content_type="application/json")


def enrolling(world: World, access: str) -> None:
    Program.objects.filter(pk=world.program.pk).update(
        status=ProgramStatus.ENROLLING, enrolment_access=access
    )


# --- applications --------------------------------------------------------------------------


def test_api_apply_to_a_public_program(world: World) -> None:
    enrolling(world, EnrolmentAccess.PUBLIC)
    person = UserFactory()
    response = post_json(
        client_for(person), f"{PROGRAM}/apply", {"role": "mentee", "motivation": "To grow"}
    )
    assert response.status_code == 201
    assert response.json()["status"] == "applied"
    assert response.json()["motivation"] == "To grow"
    assert Notification.objects.filter(kind=NotificationKind.APPLICATION_RECEIVED).count() == 1


def test_api_apply_is_refused_for_invitation_only_and_unknown_programs(world: World) -> None:
    enrolling(world, EnrolmentAccess.INVITATION)
    client = client_for(UserFactory())
    hidden = post_json(client, f"{PROGRAM}/apply", {"role": "mentee"})
    missing = post_json(
        client, "/api/v1/organizations/northwind/programs/nope/apply", {"role": "mentee"}
    )
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())
    assert missing.status_code == 404
    enrolling(world, EnrolmentAccess.PUBLIC)
    coordinator_role = post_json(client, f"{PROGRAM}/apply", {"role": "coordinator"})
    assert coordinator_role.status_code == 422


def test_api_apply_needs_authentication(world: World, client: Client) -> None:
    enrolling(world, EnrolmentAccess.PUBLIC)
    assert post_json(client, f"{PROGRAM}/apply", {"role": "mentee"}).status_code == 401


def test_api_lists_applications_for_coordinators_only(world: World) -> None:
    Application.objects.create(
        membership=Membership.objects.get(user=world.applicant), motivation="Hello"
    )
    response = client_for(world.coordinator).get(f"{PROGRAM}/applications")
    assert response.status_code == 200
    assert [(a["email"], a["motivation"]) for a in response.json()] == [
        (world.applicant.email, "Hello")
    ]
    assert client_for(world.org_admin).get(f"{PROGRAM}/applications").status_code == 200
    assert client_for(world.mentor).get(f"{PROGRAM}/applications").status_code == 403
    assert client_for(world.outsider).get(f"{PROGRAM}/applications").status_code == 404


def test_api_decide_application(world: World) -> None:
    membership = Membership.objects.get(user=world.applicant)
    path = f"{PROGRAM}/applications/{membership.pk}/decision"
    denied = post_json(client_for(world.mentee), path, {"decision": "approved"})
    assert denied.status_code == 403
    response = post_json(
        client_for(world.coordinator), path, {"decision": "waitlisted", "message": "Soon"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "waitlisted"
    assert response.json()["decision_message"] == "Soon"
    approved = post_json(client_for(world.coordinator), path, {"decision": "approved"})
    assert approved.json()["status"] == "approved"
    again = post_json(client_for(world.coordinator), path, {"decision": "declined"})
    assert again.status_code == 422
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.APPROVED
