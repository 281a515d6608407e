"""Applying to a program, reviewing applications, and bulk invitations."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.accounts.models import User
from tandem.core.models import AuditEntry
from tandem.enrolment.enums import QuestionKind
from tandem.enrolment.models import Application, ProfileQuestion
from tandem.enrolment.rules.applications import (
    can_bulk_invite,
    can_export_participants,
    can_import_participants,
    can_review_applications,
    may_apply,
)
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tandem.programs.access import resolve_access
from tandem.programs.enums import EnrolmentAccess, MembershipStatus, ProgramStatus, Role
from tandem.programs.models import Invitation, Membership, Program
from tandem.programs.signup import AccountAdapter
from tests.conftest import World
from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def join_url(program: Program) -> str:
    return f"/join/{program.organization.slug}/{program.slug}/"


def without_csrf(html: str) -> str:
    """The page without its CSRF tokens, which differ on every response."""
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def open_program(world: World, access: str = EnrolmentAccess.PUBLIC) -> Program:
    Program.objects.filter(pk=world.program.pk).update(
        status=ProgramStatus.ENROLLING, enrolment_access=access
    )
    world.program.refresh_from_db()
    return world.program


# --- rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [can_review_applications, can_bulk_invite, can_import_participants, can_export_participants],
)
def test_coordinator_rules_allow_coordinators_and_admins_only(world: World, rule: Any) -> None:
    for allowed in (world.coordinator, world.org_admin):
        assert rule(resolve_access(allowed, "northwind", "spring"))
    for denied in (world.mentor, world.mentee, world.applicant):
        assert not rule(resolve_access(denied, "northwind", "spring"))


def test_may_apply_follows_enrolment_access(world: World) -> None:
    stranger = UserFactory()
    program = open_program(world, EnrolmentAccess.PUBLIC)
    assert may_apply(stranger, program)
    program = open_program(world, EnrolmentAccess.ORGANIZATION)
    assert not may_apply(stranger, program)
    assert may_apply(world.org_admin, program)
    other = ProgramFactory(organization=world.organization)
    member_elsewhere = MembershipFactory(program=other).user
    assert may_apply(member_elsewhere, program)
    program = open_program(world, EnrolmentAccess.INVITATION)
    assert not may_apply(world.org_admin, program)
    Program.objects.filter(pk=program.pk).update(
        status=ProgramStatus.DRAFT, enrolment_access=EnrolmentAccess.PUBLIC
    )
    program.refresh_from_db()
    assert not may_apply(stranger, program)


# --- the enrolment page --------------------------------------------------------------------


def test_join_page_of_a_public_program_invites_visitors_to_sign_up(
    world: World, client: Client
) -> None:
    program = open_program(world)
    response = client.get(join_url(program))
    assert response.status_code == 200
    assert "Create an account to apply" in response.text
    assert client.session["enrolment_program"] == "northwind/spring"


def test_public_program_opens_sign_up_and_returns_to_the_join_page(
    world: World, client: Client
) -> None:
    closed = client.get("/accounts/signup/")
    assert closed.templates[0].name == "account/signup_closed.html"
    program = open_program(world)
    client.get(join_url(program))
    assert client.get("/accounts/signup/").templates[0].name == "account/signup.html"
    response = client.post(
        "/accounts/signup/",
        {
            "email": "newcomer@example.org",
            "password1": "a-long-enough-password",
            "password2": "a-long-enough-password",
            "full_name": "New Comer",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email="newcomer@example.org").exists()
    # The adapter sends them back to the enrolment page to apply.
    assert AccountAdapter().get_signup_redirect_url(response.wsgi_request) == join_url(program)


def test_sign_up_stays_closed_for_an_invitation_only_program(world: World, client: Client) -> None:
    program = open_program(world, EnrolmentAccess.INVITATION)
    client.get(join_url(program))
    assert "enrolment_program" not in client.session
    client.post(
        "/accounts/signup/",
        {
            "email": "newcomer@example.org",
            "password1": "a-long-enough-password",
            "password2": "a-long-enough-password",
        },
    )
    assert not User.objects.filter(email="newcomer@example.org").exists()


def test_apply_to_a_public_program_creates_an_application_and_tells_coordinators(
    world: World, login: Any
) -> None:
    program = open_program(world)
    person = UserFactory()
    response = login(person).post(
        join_url(program), {"role": "mentor", "motivation": "I like helping people grow."}
    )
    assert response.status_code == 302
    assert response["Location"] == world.url()
    membership = Membership.objects.get(program=program, user=person)
    assert (membership.role, membership.status) == (Role.MENTOR, MembershipStatus.APPLIED)
    assert membership.application.motivation == "I like helping people grow."
    notification = Notification.objects.get(kind=NotificationKind.APPLICATION_RECEIVED)
    assert notification.recipient == world.coordinator
    assert notification.url == world.url("applications/")
    assert AuditEntry.objects.filter(action="application.submitted").count() == 1
    # The applicant can now open the program page, which says they are waiting.
    home = login(person).get(world.url())
    assert '<h2 id="standing-heading">Your application is waiting for approval</h2>' in home.text


def test_organization_program_lets_organization_people_apply_and_refuses_others(
    world: World, login: Any
) -> None:
    program = open_program(world, EnrolmentAccess.ORGANIZATION)
    stranger = UserFactory()
    page = login(stranger).get(join_url(program))
    assert page.status_code == 200
    assert "Only people already in Northwind can apply" in page.text
    refused = login(stranger).post(join_url(program), {"role": "mentee", "motivation": "Hi"})
    assert refused.status_code == 422
    assert not Membership.objects.filter(user=stranger).exists()
    colleague = MembershipFactory(program=world.other_program).user  # another organization
    assert (
        login(colleague).post(join_url(program), {"role": "mentee", "motivation": "x"}).status_code
        == 422
    )
    insider = MembershipFactory(program=ProgramFactory(organization=world.organization)).user
    response = login(insider).post(join_url(program), {"role": "mentee", "motivation": "Hi"})
    assert response.status_code == 302
    assert Membership.objects.get(program=program, user=insider).status == MembershipStatus.APPLIED


def test_invitation_only_program_is_not_found_for_visitors_and_non_members(
    world: World, login: Any, client: Client
) -> None:
    program = open_program(world, EnrolmentAccess.INVITATION)
    missing = client.get("/join/northwind/nothing-here/")
    anonymous = client.get(join_url(program))
    assert (anonymous.status_code, without_csrf(anonymous.text)) == (
        404,
        without_csrf(missing.text),
    )
    person = UserFactory()
    page = login(person).get(join_url(program))
    not_there = login(person).get("/join/northwind/nothing-here/")
    assert (page.status_code, without_csrf(page.text)) == (404, without_csrf(not_there.text))
    response = login(person).post(join_url(program), {"role": "mentee", "motivation": "Hi"})
    assert response.status_code == 404
    assert "Spring" not in response.text
    assert not Membership.objects.filter(user=person).exists()


def test_invitation_only_program_join_page_still_answers_its_members(
    world: World, login: Any
) -> None:
    program = open_program(world, EnrolmentAccess.INVITATION)
    page = login(world.mentee).get(join_url(program))
    assert page.status_code == 200
    assert "You already have a place in this program" in page.text


@pytest.mark.parametrize("status", [ProgramStatus.DRAFT, ProgramStatus.CLOSED])
def test_join_page_is_404_for_draft_closed_and_missing_programs(
    world: World, client: Client, status: ProgramStatus
) -> None:
    Program.objects.filter(pk=world.program.pk).update(
        status=status, enrolment_access=EnrolmentAccess.PUBLIC
    )
    assert client.get(join_url(world.program)).status_code == 404
    assert client.get("/join/northwind/nothing-here/").status_code == 404


def test_join_page_says_applications_are_closed_while_matching(world: World, login: Any) -> None:
    Program.objects.filter(pk=world.program.pk).update(
        status=ProgramStatus.MATCHING, enrolment_access=EnrolmentAccess.PUBLIC
    )
    person = UserFactory()
    page = login(person).get(join_url(world.program))
    assert "Applications are closed" in page.text
    response = login(person).post(join_url(world.program), {"role": "mentee", "motivation": "x"})
    assert response.status_code == 422
    assert not Membership.objects.filter(user=person).exists()


def test_join_page_shows_an_existing_place_instead_of_the_form(world: World, login: Any) -> None:
    program = open_program(world)
    page = login(world.applicant).get(join_url(program))
    assert "waiting for a coordinator's decision" in page.text
    again = login(world.applicant).post(join_url(program), {"role": "mentor", "motivation": "x"})
    assert again.status_code == 422
    assert "already have a place" in again.text


def test_apply_form_comes_back_filled_with_errors(world: World, login: Any) -> None:
    program = open_program(world)
    response = login(UserFactory()).post(join_url(program), {"motivation": "Keep this text"})
    assert response.status_code == 422
    assert "Keep this text" in response.text
    assert "This field is required." in response.text


def test_anonymous_post_to_join_goes_to_login(world: World, client: Client) -> None:
    program = open_program(world)
    response = client.post(join_url(program), {"role": "mentee", "motivation": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the review queue ----------------------------------------------------------------------


def applicant_membership(world: World) -> Membership:
    return Membership.objects.get(program=world.program, user=world.applicant)


@pytest.mark.parametrize("who", ["coordinator", "org_admin"])
def test_review_queue_shows_applications_to_coordinators(
    world: World, login: Any, who: str
) -> None:
    Application.objects.create(membership=applicant_membership(world), motivation="Please!")
    ProfileQuestion.objects.create(
        program=world.program, key="goals", label="Goals", kind=QuestionKind.TEXT, required=True
    )
    response = login(getattr(world, who)).get(world.url("applications/"))
    assert response.status_code == 200
    assert "Please!" in response.text
    assert world.applicant.email in response.text
    assert "1 required missing" in response.text


@pytest.mark.parametrize("who", ["mentor", "mentee", "applicant"])
def test_review_queue_is_forbidden_to_participants(world: World, login: Any, who: str) -> None:
    client = login(getattr(world, who))
    assert client.get(world.url("applications/")).status_code == 403
    membership = applicant_membership(world)
    decide = client.post(
        world.url(f"applications/{membership.pk}/decide/"), {"decision": "approved"}
    )
    assert decide.status_code == 403
    bulk = client.post(world.url("applications/approve/"), {"selected": [membership.pk]})
    assert bulk.status_code == 403
    assert applicant_membership(world).status == MembershipStatus.APPLIED


def test_review_queue_is_404_for_outsiders(world: World, login: Any) -> None:
    assert login(world.outsider).get(world.url("applications/")).status_code == 404


def test_review_queue_has_no_n_plus_one(world: World, login: Any) -> None:
    client = login(world.coordinator)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(world.url("applications/")).status_code == 200
        return len(queries)

    Application.objects.create(membership=applicant_membership(world), motivation="one")
    one = count()
    for _ in range(2):
        membership = MembershipFactory(program=world.program, status=MembershipStatus.APPLIED)
        Application.objects.create(membership=membership, motivation="more")
    assert count() == one


@pytest.mark.parametrize(
    ("decision", "title"),
    [
        ("approved", "your application is approved"),
        ("waitlisted", "You are on the waiting list"),
        ("declined", "Your application to Spring"),
    ],
)
def test_decision_is_recorded_notified_and_audited(
    world: World, login: Any, decision: str, title: str
) -> None:
    membership = applicant_membership(world)
    response = login(world.coordinator).post(
        world.url(f"applications/{membership.pk}/decide/"),
        {"decision": decision, "message": "See you at the kick-off."},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="application-{membership.pk}"' in response.text
    assert "Decision saved" in response.text
    membership.refresh_from_db()
    assert membership.status == decision
    application = membership.application
    assert application.decided_by == world.coordinator
    assert application.decision_message == "See you at the kick-off."
    notification = Notification.objects.get(
        recipient=world.applicant, kind=NotificationKind.APPLICATION_DECIDED
    )
    assert title in notification.title
    assert "See you at the kick-off." in notification.body
    entry = AuditEntry.objects.get(action="application.decided")
    assert entry.changes["status"] == ["applied", decision]


def test_waitlisted_person_can_be_approved_later(world: World, login: Any) -> None:
    membership = applicant_membership(world)
    client = login(world.coordinator)
    client.post(world.url(f"applications/{membership.pk}/decide/"), {"decision": "waitlisted"})
    queue = client.get(world.url("applications/"))
    assert "1 on the waiting list" in queue.text
    response = client.post(
        world.url(f"applications/{membership.pk}/decide/"), {"decision": "approved"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.APPROVED


def test_deciding_an_approved_member_is_refused_with_a_reason(world: World, login: Any) -> None:
    mentee = Membership.objects.get(program=world.program, user=world.mentee)
    response = login(world.coordinator).post(
        world.url(f"applications/{mentee.pk}/decide/"),
        {"decision": "declined"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "there is no application to decide" in response.text
    mentee.refresh_from_db()
    assert mentee.status == MembershipStatus.APPROVED


def test_bulk_approve_approves_the_selected_only(world: World, login: Any) -> None:
    first = applicant_membership(world)
    second = MembershipFactory(program=world.program, status=MembershipStatus.APPLIED)
    third = MembershipFactory(program=world.program, status=MembershipStatus.APPLIED)
    client = login(world.coordinator)
    asked = client.post(
        world.url("applications/approve/"),
        {"selected": [first.pk, third.pk], "message": "Welcome!"},
    )
    assert asked.status_code == 200
    assert "This approves 2 applications and notifies 2 people" in asked.text
    assert Membership.objects.get(pk=first.pk).status == MembershipStatus.APPLIED
    response = client.post(
        world.url("applications/approve/"),
        {"selected": [first.pk, third.pk], "message": "Welcome!", "confirm": "1"},
    )
    assert response.status_code == 302
    statuses = dict(
        Membership.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list(
            "pk", "status"
        )
    )
    assert statuses == {
        first.pk: MembershipStatus.APPROVED,
        second.pk: MembershipStatus.APPLIED,
        third.pk: MembershipStatus.APPROVED,
    }
    assert Notification.objects.filter(kind=NotificationKind.APPLICATION_DECIDED).count() == 2


def test_bulk_approve_refuses_people_not_in_the_queue(world: World, login: Any) -> None:
    mentee = Membership.objects.get(program=world.program, user=world.mentee)
    login(world.coordinator).post(
        world.url("applications/approve/"), {"selected": [mentee.pk], "confirm": "1"}
    )
    assert not Notification.objects.filter(kind=NotificationKind.APPLICATION_DECIDED).exists()


# --- bulk invitations ----------------------------------------------------------------------


def test_bulk_invitations_page_is_for_coordinators(world: World, login: Any) -> None:
    assert login(world.coordinator).get(world.url("invitations/bulk/")).status_code == 200
    assert login(world.org_admin).get(world.url("invitations/bulk/")).status_code == 200
    for who in (world.mentor, world.mentee):
        client = login(who)
        assert client.get(world.url("invitations/bulk/")).status_code == 403
        denied = client.post(world.url("invitations/bulk/"), {"addresses": "a@example.org"})
        assert denied.status_code == 403
    assert login(world.outsider).get(world.url("invitations/bulk/")).status_code == 404
    assert not Invitation.objects.exists()


def test_bulk_invitations_send_everyone_and_skip_members_and_duplicates(
    world: World, login: Any
) -> None:
    pending = InvitationFactory(program=world.program, email="pending@example.org")
    text = "\n".join(
        [
            "ana@example.org, bob@example.org",
            "Carla@Example.org, mentor",
            "",
            "ana@example.org",
            world.mentor.email.upper(),
            "pending@example.org",
        ]
    )
    client = login(world.coordinator)
    checked = client.post(
        world.url("invitations/bulk/"), {"addresses": text, "role": "mentee", "message": "Hi"}
    )
    assert checked.status_code == 200
    assert "This e-mails 4 people (1 of them again) and skips 2 addresses." in checked.text
    assert not Invitation.objects.exclude(pk=pending.pk).exists()
    response = client.post(
        world.url("invitations/bulk/"),
        {"addresses": text, "role": "mentee", "message": "Hi", "confirm": "1"},
    )
    assert response.status_code == 200
    roles = dict(Invitation.objects.filter(program=world.program).values_list("email", "role"))
    assert roles == {
        "ana@example.org": "mentee",
        "bob@example.org": "mentee",
        "carla@example.org": "mentor",
        "pending@example.org": "mentee",
    }
    pending.refresh_from_db()
    assert pending.send_count == 1
    assert "Line 4: ana@example.org — Already listed on line 1." in response.text
    assert f"Line 5: {world.mentor.email} — Already in the program (approved)." in response.text
    assert "sent again" in response.text


def test_bulk_invitations_with_bad_lines_send_nothing_and_name_each_line(
    world: World, login: Any
) -> None:
    text = "ana@example.org\nnot-an-address\nbob@example.org, captain\nmentor\n"
    response = login(world.coordinator).post(
        world.url("invitations/bulk/"), {"addresses": text, "role": "mentee"}
    )
    assert response.status_code == 422
    assert "Line 2: “not-an-address” — This is not a valid e-mail address." in response.text
    assert "Line 3: “captain” — This is not a valid e-mail address." in response.text
    assert "Line 4: “mentor” — A role goes after a single address" in response.text
    assert "ana@example.org" in response.text  # the form comes back filled
    assert not Invitation.objects.exists()
