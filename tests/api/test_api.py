"""The JSON API at /api/v1/: authentication, permissions per endpoint, tenancy, validation."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tandem.accounts.models import User
from tandem.accounts.services import create_api_token, revoke_api_token
from tandem.core.models import AuditEntry
from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
from tandem.programs.models import Invitation, Membership, Objective, Program
from tests.conftest import World
from tests.factories import MembershipFactory, ObjectiveFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
ORG = f"{BASE}/organizations/northwind"
PROGRAM = f"{ORG}/programs/spring"
NOT_FOUND = {"detail": "Not found, or not yours to see."}


class Api:
    """A test client that speaks JSON with a personal API token."""

    def __init__(self, user: User) -> None:
        _, raw = create_api_token(user, by=user, name="tests")
        self.client = Client(headers={"authorization": f"Bearer {raw}"})

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params)

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(path, json.dumps(data or {}), content_type="application/json")

    def patch(self, path: str, data: Any) -> Any:
        return self.client.patch(path, json.dumps(data), content_type="application/json")

    def delete(self, path: str) -> Any:
        return self.client.delete(path)


def api(user: User) -> Api:
    return Api(user)


def objective_data(**overrides: Any) -> dict[str, Any]:
    return {
        "statement": "Mentees feel ready for promotion",
        "metric": "mentees rating readiness 4+",
        "target_value": "75",
        "unit": "%",
        "deadline": (timezone.localdate() + dt.timedelta(days=100)).isoformat(),
        **overrides,
    }


def last_audit(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).latest("id")


# --- authentication ----------------------------------------------------------------------


def test_me_without_credentials_is_401(world: World) -> None:
    response = Client().get(f"{BASE}/me")
    assert response.status_code == 401


def test_me_with_personal_token_is_200(world: World) -> None:
    response = api(world.mentor).get(f"{BASE}/me")
    assert response.status_code == 200
    assert response.json()["email"] == world.mentor.email
    assert response.json()["id"] == world.mentor.pk


def test_me_with_unknown_token_is_401(world: World) -> None:
    client = Client(headers={"authorization": "Bearer tdm_not-a-real-token"})
    assert client.get(f"{BASE}/me").status_code == 401


def test_me_with_revoked_token_is_401(world: World) -> None:
    token, raw = create_api_token(world.mentor, by=world.mentor, name="old")
    client = Client(headers={"authorization": f"Bearer {raw}"})
    assert client.get(f"{BASE}/me").status_code == 200
    revoke_api_token(token, by=world.mentor)
    assert client.get(f"{BASE}/me").status_code == 401


def test_write_with_revoked_token_is_401_not_a_csrf_error(world: World) -> None:
    token, raw = create_api_token(world.coordinator, by=world.coordinator, name="old")
    revoke_api_token(token, by=world.coordinator)
    client = Client(enforce_csrf_checks=True, headers={"authorization": f"Bearer {raw}"})
    response = client.post(
        f"{PROGRAM}/objectives", json.dumps(objective_data()), content_type="application/json"
    )
    assert response.status_code == 401
    assert not Objective.objects.exists()


def test_token_of_inactive_user_is_401(world: World) -> None:
    client = api(world.mentor)
    User.objects.filter(pk=world.mentor.pk).update(is_active=False)
    assert client.get(f"{BASE}/me").status_code == 401


def test_write_with_token_needs_no_csrf_token(world: World) -> None:
    _, raw = create_api_token(world.coordinator, by=world.coordinator, name="ci")
    client = Client(enforce_csrf_checks=True, headers={"authorization": f"Bearer {raw}"})
    response = client.post(
        f"{PROGRAM}/objectives", json.dumps(objective_data()), content_type="application/json"
    )
    assert response.status_code == 201


def test_session_auth_works_for_get(world: World, login: Any) -> None:
    response = login(world.mentor).get(f"{BASE}/me")
    assert response.status_code == 200
    assert response.json()["email"] == world.mentor.email


def test_session_post_without_csrf_token_is_refused(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.coordinator)
    response = client.post(
        f"{PROGRAM}/objectives", json.dumps(objective_data()), content_type="application/json"
    )
    assert response.status_code == 403
    assert not Objective.objects.exists()


def test_session_post_with_csrf_token_is_accepted(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.coordinator)
    secret = "k" * 32  # a well-formed CSRF secret, as the csrftoken cookie would hold
    client.cookies["csrftoken"] = secret
    response = client.post(
        f"{PROGRAM}/objectives",
        json.dumps(objective_data()),
        content_type="application/json",
        headers={"x-csrftoken": secret},
    )
    assert response.status_code == 201


def test_token_use_sets_last_used_at(world: World) -> None:
    token, raw = create_api_token(world.mentor, by=world.mentor, name="sync")
    assert token.last_used_at is None
    Client(headers={"authorization": f"Bearer {raw}"}).get(f"{BASE}/me")
    token.refresh_from_db()
    assert token.last_used_at is not None


# --- organizations -----------------------------------------------------------------------


def test_organization_list_shows_only_my_organizations(world: World) -> None:
    response = api(world.mentee).get(f"{BASE}/organizations")
    assert response.status_code == 200
    assert [o["slug"] for o in response.json()] == ["northwind"]
    assert response.json()[0]["is_admin"] is False


def test_organization_list_marks_administered_organizations(world: World) -> None:
    response = api(world.org_admin).get(f"{BASE}/organizations")
    assert response.json() == [
        {"slug": "northwind", "name": "Northwind", "description": "", "is_admin": True}
    ]


def test_organization_list_of_outsider_does_not_include_northwind(world: World) -> None:
    slugs = [o["slug"] for o in api(world.outsider).get(f"{BASE}/organizations").json()]
    assert slugs == [world.other_program.organization.slug]


def test_organization_detail_allowed_for_member(world: World) -> None:
    response = api(world.mentor).get(ORG)
    assert response.status_code == 200
    assert response.json()["slug"] == "northwind"
    assert response.json()["is_admin"] is False


def test_organization_detail_is_404_for_outsider(world: World) -> None:
    response = api(world.outsider).get(ORG)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# --- programs ----------------------------------------------------------------------------


def test_program_list_allowed_for_member(world: World) -> None:
    response = api(world.mentee).get(f"{ORG}/programs")
    assert response.status_code == 200
    assert [p["slug"] for p in response.json()] == ["spring"]
    assert response.json()[0]["my_role"] == "mentee"


def test_program_list_of_admin_shows_every_program(world: World) -> None:
    ProgramFactory(organization=world.organization, slug="autumn")
    response = api(world.org_admin).get(f"{ORG}/programs")
    assert sorted(p["slug"] for p in response.json()) == ["autumn", "spring"]
    assert {p["my_role"] for p in response.json()} == {None}


def test_program_list_of_member_hides_programs_they_are_not_in(world: World) -> None:
    ProgramFactory(organization=world.organization, slug="autumn")
    response = api(world.mentor).get(f"{ORG}/programs")
    assert [p["slug"] for p in response.json()] == ["spring"]


def test_program_list_hides_programs_that_declined_the_person(world: World) -> None:
    autumn = ProgramFactory(organization=world.organization, slug="autumn")
    MembershipFactory(program=autumn, user=world.mentor, status=MembershipStatus.DECLINED)
    client = api(world.mentor)
    assert client.get(f"{ORG}/programs/autumn").status_code == 404
    assert [p["slug"] for p in client.get(f"{ORG}/programs").json()] == ["spring"]


def test_program_list_is_404_for_outsider(world: World) -> None:
    response = api(world.outsider).get(f"{ORG}/programs")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_program_detail_allowed_for_applicant(world: World) -> None:
    ObjectiveFactory(program=world.program)
    response = api(world.applicant).get(PROGRAM)
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "spring"
    assert body["organization"] == "northwind"
    assert body["status"] == "active"
    assert body["my_role"] is None  # not approved yet
    assert [o["statement"] for o in body["objectives"]] == [
        "Mentees feel ready for their next role"
    ]


def test_program_detail_is_404_for_outsider(world: World) -> None:
    response = api(world.outsider).get(PROGRAM)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_program_create_allowed_for_org_admin(world: World) -> None:
    response = api(world.org_admin).post(
        f"{ORG}/programs",
        {"name": "Autumn Cohort", "starts_on": "2031-09-01", "max_choices": 5},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "autumn-cohort"
    assert body["status"] == "draft"
    assert body["ends_on"] == "2032-03-01"  # 182 days later by default
    assert body["max_choices"] == 5
    assert body["my_role"] == "coordinator"
    program = Program.objects.get(organization=world.organization, slug="autumn-cohort")
    assert program.memberships.get().user == world.org_admin
    entry = last_audit("program.created")
    assert entry.actor == world.org_admin
    assert entry.program == program


def test_program_create_is_403_for_coordinator_who_is_not_org_admin(world: World) -> None:
    before = Program.objects.count()
    response = api(world.coordinator).post(f"{ORG}/programs", {"name": "Autumn"})
    assert response.status_code == 403
    assert Program.objects.count() == before


def test_program_create_is_404_for_outsider(world: World) -> None:
    before = Program.objects.count()
    response = api(world.outsider).post(f"{ORG}/programs", {"name": "Autumn"})
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert Program.objects.count() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Autumn", "max_choices": 50}, "max_choices"),
        ({"name": "Autumn", "max_choices": 0}, "max_choices"),
        ({"name": "Autumn", "program_type": "solo"}, "program_type"),
        ({"name": "Autumn", "matching_mode": "lottery"}, "matching_mode"),
        ({"name": ""}, "name"),
        ({"name": "Autumn", "starts_on": "not a date"}, "starts_on"),
        ({"name": "Autumn", "starts_on": "2031-09-01", "ends_on": "2031-08-01"}, "ends_on"),
        ({"name": "Autumn", "starts_on": "2031-09-01", "ends_on": "2031-09-01"}, "ends_on"),
    ],
)
def test_program_create_with_bad_input_is_422_naming_the_field(
    world: World, payload: dict[str, Any], field: str
) -> None:
    client = api(world.org_admin)
    counts = (Program.objects.count(), Membership.objects.count(), AuditEntry.objects.count())
    response = client.post(f"{ORG}/programs", payload)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert field in response.json()["detail"] or response.json()["field"] == "ends_on"
    assert (
        Program.objects.count(),
        Membership.objects.count(),
        AuditEntry.objects.count(),
    ) == counts


def test_program_create_with_malformed_json_is_422(world: World) -> None:
    before = Program.objects.count()
    response = api(world.org_admin).client.post(
        f"{ORG}/programs", "{not json", content_type="application/json"
    )
    assert response.status_code in {400, 422}
    assert Program.objects.count() == before


def test_program_patch_allowed_for_coordinator(world: World) -> None:
    response = api(world.coordinator).patch(
        PROGRAM, {"name": "Spring 2031", "max_choices": 4, "meeting_cadence": "weekly"}
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Spring 2031"
    assert response.json()["my_role"] == "coordinator"
    world.program.refresh_from_db()
    assert (world.program.name, world.program.max_choices, world.program.meeting_cadence) == (
        "Spring 2031",
        4,
        "weekly",
    )
    assert world.program.slug == "spring"  # the address does not move
    entry = last_audit("program.updated")
    assert entry.actor == world.coordinator
    assert entry.changes["name"] == ["Spring", "Spring 2031"]


def test_program_patch_allowed_for_org_admin(world: World) -> None:
    response = api(world.org_admin).patch(PROGRAM, {"description": "Hello"})
    assert response.status_code == 200
    assert response.json()["description"] == "Hello"


def test_program_patch_is_403_for_mentor(world: World) -> None:
    response = api(world.mentor).patch(PROGRAM, {"name": "Mine now"})
    assert response.status_code == 403
    world.program.refresh_from_db()
    assert world.program.name == "Spring"


def test_program_patch_is_404_for_outsider(world: World) -> None:
    response = api(world.outsider).patch(PROGRAM, {"name": "Mine now"})
    assert response.status_code == 404
    world.program.refresh_from_db()
    assert world.program.name == "Spring"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"max_choices": 50}, "max_choices"),
        ({"program_type": "solo"}, "program_type"),
        ({"meeting_cadence": "daily"}, "meeting_cadence"),
        ({"ends_on": "2000-01-01"}, "ends_on"),
        ({"name": "Renamed", "ends_on": "2000-01-01"}, "ends_on"),
    ],
)
def test_program_patch_with_bad_input_is_422_and_changes_nothing(
    world: World, payload: dict[str, Any], field: str
) -> None:
    client = api(world.coordinator)
    audit_before = AuditEntry.objects.count()
    response = client.patch(PROGRAM, payload)
    assert response.status_code == 422
    assert response.json()["field"] == field
    refreshed = Program.objects.get(pk=world.program.pk)
    assert (refreshed.name, refreshed.ends_on, refreshed.max_choices) == (
        "Spring",
        world.program.ends_on,
        3,
    )
    assert AuditEntry.objects.count() == audit_before


def as_draft(program: Program) -> None:
    Program.objects.filter(pk=program.pk).update(status=ProgramStatus.DRAFT)


def test_program_status_valid_transition_changes_status(world: World) -> None:
    as_draft(world.program)
    response = api(world.coordinator).post(f"{PROGRAM}/status", {"status": "enrolling"})
    assert response.status_code == 200
    assert response.json()["status"] == "enrolling"
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.ENROLLING
    entry = last_audit("program.status_changed")
    assert entry.actor == world.coordinator
    assert entry.changes == {"status": ["draft", "enrolling"]}


def test_program_status_invalid_transition_is_422_naming_next_stages(world: World) -> None:
    as_draft(world.program)
    response = api(world.coordinator).post(f"{PROGRAM}/status", {"status": "active"})
    assert response.status_code == 422
    assert response.json()["field"] == "status"
    assert "possible next stages: Enrolling" in response.json()["detail"]
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.DRAFT


def test_program_status_unknown_value_is_422(world: World) -> None:
    as_draft(world.program)
    response = api(world.coordinator).post(f"{PROGRAM}/status", {"status": "paused"})
    assert response.status_code == 422
    assert response.json()["field"] == "status"
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.DRAFT


def test_program_status_is_403_for_mentor(world: World) -> None:
    response = api(world.mentor).post(f"{PROGRAM}/status", {"status": "closing"})
    assert response.status_code == 403
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.ACTIVE


def test_program_status_is_404_for_outsider(world: World) -> None:
    response = api(world.outsider).post(f"{PROGRAM}/status", {"status": "closing"})
    assert response.status_code == 404
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.ACTIVE


def test_program_status_back_to_draft_with_mentorships_is_422_with_the_reason(
    world: World, pair: Any
) -> None:
    Program.objects.filter(pk=world.program.pk).update(status=ProgramStatus.ENROLLING)
    response = api(world.coordinator).post(f"{PROGRAM}/status", {"status": "draft"})
    assert response.status_code == 422
    assert response.json()["field"] == "status"
    assert response.json()["detail"].startswith(
        "Spring cannot go back to draft: 2 mentorships are under way"
    )
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.ENROLLING


def test_a_draft_program_is_404_to_its_participants(world: World) -> None:
    as_draft(world.program)
    assert api(world.mentee).get(PROGRAM).status_code == 404
    assert [p["slug"] for p in api(world.mentee).get(f"{ORG}/programs").json()] == []
    assert api(world.coordinator).get(PROGRAM).json()["status"] == "draft"


# --- objectives --------------------------------------------------------------------------


def test_objective_create_allowed_for_coordinator(world: World) -> None:
    response = api(world.coordinator).post(f"{PROGRAM}/objectives", objective_data())
    assert response.status_code == 201
    objective = Objective.objects.get()
    assert response.json()["id"] == objective.pk
    assert objective.program == world.program
    assert objective.statement == "Mentees feel ready for promotion"
    entry = last_audit("objective.added")
    assert entry.actor == world.coordinator
    assert entry.program == world.program


def test_objective_create_is_403_for_mentee(world: World) -> None:
    response = api(world.mentee).post(f"{PROGRAM}/objectives", objective_data())
    assert response.status_code == 403
    assert not Objective.objects.exists()


def test_objective_create_without_target_is_422(world: World) -> None:
    data = objective_data()
    del data["target_value"]
    response = api(world.coordinator).post(f"{PROGRAM}/objectives", data)
    assert response.status_code == 422
    assert response.json()["field"] == "target_value"
    assert not Objective.objects.exists()


def test_objective_delete_allowed_for_coordinator(world: World) -> None:
    objective = ObjectiveFactory(program=world.program)
    response = api(world.coordinator).delete(f"{PROGRAM}/objectives/{objective.pk}")
    assert response.status_code == 204
    assert not Objective.objects.exists()
    entry = last_audit("objective.removed")
    assert entry.actor == world.coordinator
    assert entry.target_id == str(objective.pk)


def test_objective_delete_is_403_for_mentor(world: World) -> None:
    objective = ObjectiveFactory(program=world.program)
    response = api(world.mentor).delete(f"{PROGRAM}/objectives/{objective.pk}")
    assert response.status_code == 403
    assert Objective.objects.filter(pk=objective.pk).exists()


def test_objective_delete_of_another_programs_objective_is_404(world: World) -> None:
    elsewhere = ObjectiveFactory(program=world.other_program)
    response = api(world.coordinator).delete(f"{PROGRAM}/objectives/{elsewhere.pk}")
    assert response.status_code == 404
    assert Objective.objects.filter(pk=elsewhere.pk).exists()


# --- memberships -------------------------------------------------------------------------


def test_membership_list_allowed_for_coordinator(world: World) -> None:
    response = api(world.coordinator).get(f"{PROGRAM}/memberships")
    assert response.status_code == 200
    emails = {m["user"]["email"] for m in response.json()}
    assert emails == {
        world.coordinator.email,
        world.mentor.email,
        world.mentee.email,
        world.applicant.email,
    }


def test_membership_list_is_403_for_mentee(world: World) -> None:
    assert api(world.mentee).get(f"{PROGRAM}/memberships").status_code == 403


def test_membership_list_filters_by_role_status_and_search(world: World) -> None:
    client = api(world.coordinator)
    mentees = client.get(f"{PROGRAM}/memberships", role="mentee").json()
    assert {m["user"]["email"] for m in mentees} == {world.mentee.email, world.applicant.email}
    applied = client.get(f"{PROGRAM}/memberships", status="applied").json()
    assert [m["user"]["email"] for m in applied] == [world.applicant.email]
    both = client.get(f"{PROGRAM}/memberships", role="mentee", status="approved").json()
    assert [m["user"]["email"] for m in both] == [world.mentee.email]
    found = client.get(f"{PROGRAM}/memberships", q=world.mentor.email.upper()).json()
    assert [m["user"]["email"] for m in found] == [world.mentor.email]
    assert client.get(f"{PROGRAM}/memberships", q="nobody-has-this").json() == []


def test_membership_patch_allowed_for_coordinator(world: World) -> None:
    membership = Membership.objects.get(program=world.program, user=world.applicant)
    response = api(world.coordinator).patch(
        f"{PROGRAM}/memberships/{membership.pk}", {"status": "approved"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.APPROVED
    entry = last_audit("membership.changed")
    assert entry.actor == world.coordinator
    assert entry.changes == {"status": ["applied", "approved"]}


def test_membership_patch_is_403_for_mentor(world: World) -> None:
    membership = Membership.objects.get(program=world.program, user=world.applicant)
    response = api(world.mentor).patch(
        f"{PROGRAM}/memberships/{membership.pk}", {"status": "approved"}
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.APPLIED


def test_membership_patch_unknown_role_is_422(world: World) -> None:
    membership = Membership.objects.get(program=world.program, user=world.applicant)
    response = api(world.coordinator).patch(
        f"{PROGRAM}/memberships/{membership.pk}", {"role": "boss"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "role"
    membership.refresh_from_db()
    assert membership.role == Role.MENTEE


def test_membership_patch_of_last_coordinator_is_422(world: World) -> None:
    membership = Membership.objects.get(program=world.program, user=world.coordinator)
    response = api(world.coordinator).patch(
        f"{PROGRAM}/memberships/{membership.pk}", {"role": "mentor"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "role"
    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR


def test_membership_patch_of_another_programs_membership_is_404(world: World) -> None:
    elsewhere = Membership.objects.get(program=world.other_program, user=world.outsider)
    response = api(world.coordinator).patch(
        f"{PROGRAM}/memberships/{elsewhere.pk}", {"role": "mentee"}
    )
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.role == Role.COORDINATOR


# --- invitations -------------------------------------------------------------------------


def test_invitation_create_allowed_for_coordinator(world: World) -> None:
    response = api(world.coordinator).post(
        f"{PROGRAM}/invitations", {"email": "New.Person@Example.org", "role": "mentor"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "new.person@example.org"
    assert body["role"] == "mentor"
    assert body["state"] == "pending"
    invitation = Invitation.objects.get()
    assert invitation.invited_by == world.coordinator
    entry = last_audit("invitation.created")
    assert entry.actor == world.coordinator
    assert entry.program == world.program


def test_invitation_create_is_403_for_mentee(world: World) -> None:
    response = api(world.mentee).post(
        f"{PROGRAM}/invitations", {"email": "new@example.org", "role": "mentee"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_invitation_of_existing_member_is_422_on_email(world: World) -> None:
    response = api(world.coordinator).post(
        f"{PROGRAM}/invitations", {"email": world.mentor.email.upper(), "role": "mentee"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "email"
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "role": "mentee"}, "email"),
        ({"email": "a b@example.org", "role": "mentee"}, "email"),
        ({"email": "new@example.org", "role": "admin"}, "role"),
        ({"role": "mentee"}, "email"),
    ],
)
def test_invitation_create_with_bad_input_is_422_naming_the_field(
    world: World, payload: dict[str, Any], field: str
) -> None:
    response = api(world.coordinator).post(f"{PROGRAM}/invitations", payload)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert response.json()["detail"].startswith(f"{field}: ")
    assert not Invitation.objects.exists()


# --- tenancy: the outsider sees nothing of northwind --------------------------------------


def outsider_requests(world: World) -> list[tuple[str, str, Any]]:
    objective = ObjectiveFactory(program=world.program)
    membership = Membership.objects.get(program=world.program, user=world.mentee)
    return [
        ("get", ORG, None),
        ("get", f"{ORG}/programs", None),
        ("post", f"{ORG}/programs", {"name": "Sneaky"}),
        ("get", PROGRAM, None),
        ("patch", PROGRAM, {"name": "Sneaky"}),
        ("post", f"{PROGRAM}/status", {"status": "enrolling"}),
        ("post", f"{PROGRAM}/objectives", objective_data()),
        ("delete", f"{PROGRAM}/objectives/{objective.pk}", None),
        ("get", f"{PROGRAM}/memberships", None),
        ("patch", f"{PROGRAM}/memberships/{membership.pk}", {"role": "mentor"}),
        ("post", f"{PROGRAM}/invitations", {"email": "x@example.org", "role": "mentee"}),
    ]


def call(client: Api, method: str, path: str, data: Any) -> Any:
    if method in {"get", "delete"}:
        return getattr(client, method)(path)
    return getattr(client, method)(path, data)


def test_outsider_gets_404_from_every_northwind_endpoint(world: World) -> None:
    client = api(world.outsider)
    audit_before = AuditEntry.objects.count()
    for method, path, data in outsider_requests(world):
        response = call(client, method, path, data)
        assert (method, path, response.status_code) == (method, path, 404)
        assert response.json() == NOT_FOUND
    assert AuditEntry.objects.count() == audit_before
    assert not Invitation.objects.exists()


def test_missing_organization_and_program_look_like_not_yours(world: World) -> None:
    client = api(world.outsider)
    not_yours = client.get(PROGRAM)
    for path in [
        f"{BASE}/organizations/nowhere",
        f"{BASE}/organizations/nowhere/programs",
        f"{BASE}/organizations/nowhere/programs/spring",
        f"{ORG}/programs/nothing-here",
        f"{ORG}/programs/nothing-here/memberships",
    ]:
        response = client.get(path)
        assert (path, response.status_code, response.content) == (
            path,
            404,
            not_yours.content,
        )


def test_admin_of_another_organization_gets_404(world: World) -> None:
    from tests.factories import OrganizationAdminFactory

    stranger = OrganizationAdminFactory().user
    assert api(stranger).get(PROGRAM).status_code == 404
    assert api(stranger).get(ORG).status_code == 404


# --- notifications -----------------------------------------------------------------------


def test_notification_list_shows_only_mine_and_read_marks_read(world: World) -> None:
    from tandem.notifications.enums import NotificationKind
    from tandem.notifications.services import notify

    mine = notify(
        world.mentor, kind=NotificationKind.WELCOME, program=world.program, context={"role": "x"}
    )
    notify(
        world.mentee, kind=NotificationKind.WELCOME, program=world.program, context={"role": "x"}
    )
    client = api(world.mentor)
    response = client.get(f"{BASE}/notifications")
    assert [n["id"] for n in response.json()] == [mine.pk]
    assert response.json()[0]["read"] is False
    assert client.post(f"{BASE}/notifications/{mine.pk}/read").status_code == 204
    assert client.get(f"{BASE}/notifications", unread="true").json() == []


def test_notification_read_of_someone_elses_is_404(world: World) -> None:
    from tandem.notifications.enums import NotificationKind
    from tandem.notifications.services import notify

    theirs = notify(
        world.mentee, kind=NotificationKind.WELCOME, program=world.program, context={"role": "x"}
    )
    assert api(world.mentor).post(f"{BASE}/notifications/{theirs.pk}/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- OpenAPI -----------------------------------------------------------------------------


def test_openapi_schema_lists_the_paths(db: Any) -> None:
    response = Client().get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/me",
        "/api/v1/organizations",
        "/api/v1/organizations/{org}",
        "/api/v1/organizations/{org}/programs",
        "/api/v1/organizations/{org}/programs/{program}",
        "/api/v1/organizations/{org}/programs/{program}/status",
        "/api/v1/organizations/{org}/programs/{program}/objectives",
        "/api/v1/organizations/{org}/programs/{program}/objectives/{objective_id}",
        "/api/v1/organizations/{org}/programs/{program}/memberships",
        "/api/v1/organizations/{org}/programs/{program}/memberships/{membership_id}",
        "/api/v1/organizations/{org}/programs/{program}/invitations",
        "/api/v1/notifications",
        "/api/v1/notifications/{notification_id}/read",
    ]:
        assert path in paths


# --- N+1 guards --------------------------------------------------------------------------


def count_queries(django_assert_num_queries: Any, client: Api, path: str) -> int:
    """Run the request once to learn its query count, then assert it under the fixture."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # warm up: the first use of a token records last_used_at
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    with django_assert_num_queries(len(queries)):
        client.get(path)
    return len(queries)


def test_program_list_query_count_does_not_grow_with_programs(
    world: World, django_assert_num_queries: Any
) -> None:
    client = api(world.org_admin)
    ObjectiveFactory(program=world.program)
    with_one = count_queries(django_assert_num_queries, client, f"{ORG}/programs")
    for slug in ["autumn", "winter"]:
        program = ProgramFactory(organization=world.organization, slug=slug)
        ObjectiveFactory(program=program)
        ObjectiveFactory(program=program)
        MembershipFactory(program=program, user=world.org_admin, role=Role.COORDINATOR)
    assert len(client.get(f"{ORG}/programs").json()) == 3
    with django_assert_num_queries(with_one):
        client.get(f"{ORG}/programs")


def test_membership_list_query_count_does_not_grow_with_members(
    world: World, django_assert_num_queries: Any
) -> None:
    program = ProgramFactory(organization=world.organization, slug="small")
    MembershipFactory(program=program, user=world.coordinator, role=Role.COORDINATOR)
    client = api(world.coordinator)
    path = f"{ORG}/programs/small/memberships"
    with_one = count_queries(django_assert_num_queries, client, path)
    for _ in range(2):
        MembershipFactory(program=program, user=UserFactory())
    assert len(client.get(path).json()) == 3
    with django_assert_num_queries(with_one):
        client.get(path)


def test_membership_list_refuses_an_unknown_role_filter(world: World, login: Any) -> None:
    response = login(world.coordinator).get(
        "/api/v1/organizations/northwind/programs/spring/memberships", {"role": "wizard"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "role"
