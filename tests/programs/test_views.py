from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from tandem.core.models import AuditEntry
from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
from tandem.programs.models import Invitation, Membership, Objective, Program
from tests.conftest import World
from tests.factories import MembershipFactory, ObjectiveFactory, ProgramFactory

pytestmark = pytest.mark.django_db

# (suffix under the program URL, people allowed, people denied with 403)
COORDINATOR_PAGES = ["members/", "settings/", "audit/"]


def status_of(client: Client, url: str, method: str = "get", **data: Any) -> int:
    return getattr(client, method)(url, data).status_code


@pytest.mark.parametrize("who", ["coordinator", "org_admin", "mentor", "mentee", "applicant"])
def test_program_home_is_visible_to_everyone_in_the_program(
    world: World, login: Any, who: str
) -> None:
    response = login(getattr(world, who)).get(world.url())
    assert response.status_code == 200
    assert world.program.name in response.text


def test_program_home_is_404_for_an_outsider(world: World, login: Any) -> None:
    response = login(world.outsider).get(world.url())
    assert response.status_code == 404


def test_program_home_is_404_for_a_missing_program_exactly_like_for_an_outsider(
    world: World, login: Any
) -> None:
    client = login(world.outsider)
    not_yours = client.get(world.url())
    missing = client.get("/o/northwind/p/does-not-exist/")
    no_org = client.get("/o/nowhere/p/spring/")
    assert not_yours.status_code == missing.status_code == no_org.status_code == 404

    def without_csrf(text: str) -> str:
        return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', "", text)

    assert without_csrf(not_yours.text) == without_csrf(missing.text) == without_csrf(no_org.text)


def test_program_home_sends_anonymous_visitors_to_log_in(world: World, client: Client) -> None:
    response = client.get(world.url())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_declined_member_cannot_see_the_program(world: World, login: Any) -> None:
    Membership.objects.filter(user=world.applicant).update(status=MembershipStatus.DECLINED)
    assert login(world.applicant).get(world.url()).status_code == 404


def test_coordinator_home_shows_real_figures_and_objectives(world: World, login: Any) -> None:
    ObjectiveFactory(program=world.program, statement="Pairs keep meeting", target_value=90)
    MembershipFactory.create_batch(2, program=world.program, role=Role.MENTOR)
    response = login(world.coordinator).get(world.url())
    figures = response.context["figures"]
    assert figures.totals_by_role == {"coordinator": 1, "mentor": 3, "mentee": 2}
    assert figures.by_role_and_status["mentee"] == {"approved": 1, "applied": 1}
    assert "Pairs keep meeting" in response.text
    assert "90%" in response.text


def test_participant_home_shows_their_role_and_no_figures(world: World, login: Any) -> None:
    response = login(world.mentee).get(world.url())
    assert "figures" not in response.context
    assert "You take part as <strong>mentee</strong>" in response.text


def test_applicant_home_says_approval_is_pending(world: World, login: Any) -> None:
    response = login(world.applicant).get(world.url())
    assert "waiting for a coordinator" in response.text


@pytest.mark.parametrize("suffix", COORDINATOR_PAGES)
@pytest.mark.parametrize("who", ["coordinator", "org_admin"])
def test_coordinator_pages_allow_coordinators_and_org_admins(
    world: World, login: Any, suffix: str, who: str
) -> None:
    assert login(getattr(world, who)).get(world.url(suffix)).status_code == 200


@pytest.mark.parametrize("suffix", COORDINATOR_PAGES)
@pytest.mark.parametrize("who", ["mentor", "mentee", "applicant"])
def test_coordinator_pages_refuse_participants(
    world: World, login: Any, suffix: str, who: str
) -> None:
    assert login(getattr(world, who)).get(world.url(suffix)).status_code == 403


@pytest.mark.parametrize("suffix", COORDINATOR_PAGES)
def test_coordinator_pages_are_404_for_outsiders(world: World, login: Any, suffix: str) -> None:
    assert login(world.outsider).get(world.url(suffix)).status_code == 404


def test_program_settings_save_and_audit(world: World, login: Any) -> None:
    program = world.program
    data = {
        "name": "Spring 2027",
        "description": "Leadership mentoring",
        "program_type": "group",
        "starts_on": "2027-03-01",
        "ends_on": "2027-08-31",
        "meeting_cadence": "monthly",
        "matching_mode": "both",
        "max_choices": 3,
        "enrolment_access": "invitation",
    }
    response = login(world.coordinator).post(world.url("settings/"), data)
    assert response.status_code == 302
    program.refresh_from_db()
    assert (program.name, program.program_type, program.ends_on) == (
        "Spring 2027",
        "group",
        dt.date(2027, 8, 31),
    )
    entry = AuditEntry.objects.get(action="program.updated")
    assert entry.actor == world.coordinator
    assert entry.changes["name"] == ["Spring", "Spring 2027"]


def test_program_settings_refuse_an_end_before_the_start_and_keep_the_input(
    world: World, login: Any
) -> None:
    data = {
        "name": "Renamed",
        "description": "",
        "program_type": "one_to_one",
        "starts_on": "2027-03-01",
        "ends_on": "2027-02-01",
        "meeting_cadence": "monthly",
        "matching_mode": "admin",
        "max_choices": 3,
        "enrolment_access": "invitation",
    }
    response = login(world.coordinator).post(world.url("settings/"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["ends_on"] == [
        "The end date must be after the start date."
    ]
    assert 'value="Renamed"' in response.text
    assert Program.objects.get(pk=world.program.pk).name == "Spring"


def test_program_settings_post_is_refused_for_a_mentor(world: World, login: Any) -> None:
    response = login(world.mentor).post(world.url("settings/"), {"name": "Hijacked"})
    assert response.status_code == 403
    assert Program.objects.get(pk=world.program.pk).name == "Spring"


def test_status_change_follows_the_lifecycle(world: World, login: Any) -> None:
    Program.objects.filter(pk=world.program.pk).update(status=ProgramStatus.DRAFT)
    client = login(world.coordinator)
    client.post(world.url("status/"), {"status": "enrolling"})
    assert Program.objects.get(pk=world.program.pk).status == ProgramStatus.ENROLLING
    response = client.post(world.url("status/"), {"status": "closed"}, follow=True)
    assert Program.objects.get(pk=world.program.pk).status == ProgramStatus.ENROLLING
    assert "cannot become closed" in response.text


def test_status_change_is_refused_for_a_mentee(world: World, login: Any) -> None:
    response = login(world.mentee).post(world.url("status/"), {"status": "closing", "confirm": "1"})
    assert response.status_code == 403
    assert Program.objects.get(pk=world.program.pk).status == ProgramStatus.ACTIVE


def test_starting_the_program_notifies_participants(world: World, login: Any) -> None:
    Program.objects.filter(pk=world.program.pk).update(status=ProgramStatus.MATCHING)
    client = login(world.coordinator)
    asked = client.post(world.url("status/"), {"status": "active"})
    assert "This notifies 2 people." in asked.text  # the approved mentor and mentee
    assert not world.mentee.notifications.exists()
    client.post(world.url("status/"), {"status": "active", "confirm": "1"})
    assert world.mentee.notifications.get().title == "Spring is now active"
    assert not world.coordinator.notifications.exists()


OBJECTIVE = {
    "statement": "Mentees feel ready",
    "metric": "readiness 4+",
    "baseline_value": "30",
    "target_value": "75",
    "unit": "%",
    "deadline": "2027-09-01",
}


def test_objective_add_with_htmx_returns_the_fragment(world: World, login: Any) -> None:
    response = login(world.coordinator).post(
        world.url("objectives/"), OBJECTIVE, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="objectives"')
    assert "<html" not in response.text
    assert Objective.objects.get().statement == "Mentees feel ready"


def test_objective_add_invalid_returns_422_with_errors_and_input(world: World, login: Any) -> None:
    response = login(world.coordinator).post(
        world.url("objectives/"),
        {**OBJECTIVE, "target_value": "lots"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Enter a number." in response.text
    assert 'value="Mentees feel ready"' in response.text
    assert not Objective.objects.exists()


def test_objective_add_is_refused_for_a_mentor(world: World, login: Any) -> None:
    assert login(world.mentor).post(world.url("objectives/"), OBJECTIVE).status_code == 403
    assert not Objective.objects.exists()


def test_objective_edit_and_remove(world: World, login: Any) -> None:
    objective = ObjectiveFactory(program=world.program)
    client = login(world.coordinator)
    assert client.get(world.url(f"objectives/{objective.pk}/")).status_code == 200
    client.post(world.url(f"objectives/{objective.pk}/"), {**OBJECTIVE, "statement": "Edited"})
    assert Objective.objects.get().statement == "Edited"
    client.post(world.url(f"objectives/{objective.pk}/remove/"))
    assert not Objective.objects.exists()


def test_objective_of_another_program_is_404(world: World, login: Any) -> None:
    foreign = ObjectiveFactory(program=world.other_program)
    client = login(world.coordinator)
    assert client.post(world.url(f"objectives/{foreign.pk}/remove/")).status_code == 404
    assert Objective.objects.filter(pk=foreign.pk).exists()


def test_objective_remove_is_refused_for_a_mentee(world: World, login: Any) -> None:
    objective = ObjectiveFactory(program=world.program)
    assert (
        login(world.mentee).post(world.url(f"objectives/{objective.pk}/remove/")).status_code == 403
    )
    assert Objective.objects.filter(pk=objective.pk).exists()


def test_member_list_filters_by_role_status_and_search(world: World, login: Any) -> None:
    client = login(world.coordinator)
    response = client.get(world.url("members/"), {"role": "mentee", "status": "applied"})
    assert [m.user for m in response.context["page"]] == [world.applicant]
    response = client.get(world.url("members/"), {"q": world.mentor.email[:8]})
    assert world.mentor in [m.user for m in response.context["page"]]


def test_member_list_htmx_returns_only_the_table(world: World, login: Any) -> None:
    response = login(world.coordinator).get(
        world.url("members/"),
        {"role": "mentor"},
        headers={"HX-Request": "true", "HX-Target": "member-table"},
    )
    assert response.text.lstrip().startswith('<div id="member-table"')


def test_member_list_query_count_does_not_grow_with_members(
    world: World, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(world.coordinator)
    client.get(world.url("members/"))  # warm-up: session, content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(world.url("members/"))
    MembershipFactory.create_batch(3, program=world.program, role=Role.MENTOR)
    with CaptureQueriesContext(connection) as many:
        client.get(world.url("members/"))
    assert len(many) == len(few)


def test_member_change_updates_role_and_status(world: World, login: Any) -> None:
    membership = Membership.objects.get(user=world.applicant)
    login(world.coordinator).post(
        world.url(f"members/{membership.pk}/"), {"role": "mentor", "status": "approved"}
    )
    membership.refresh_from_db()
    assert (membership.role, membership.status) == ("mentor", "approved")
    assert world.applicant.notifications.get().kind == "membership_changed"


def test_member_change_refuses_to_remove_the_last_coordinator(world: World, login: Any) -> None:
    membership = Membership.objects.get(user=world.coordinator)
    response = login(world.org_admin).post(
        world.url(f"members/{membership.pk}/"),
        {"role": "mentor", "status": "approved"},
        follow=True,
    )
    assert "only coordinator" in response.text
    assert Membership.objects.get(pk=membership.pk).role == Role.COORDINATOR


def test_member_change_is_refused_for_a_mentor(world: World, login: Any) -> None:
    membership = Membership.objects.get(user=world.applicant)
    response = login(world.mentor).post(
        world.url(f"members/{membership.pk}/"), {"role": "mentor", "status": "approved"}
    )
    assert response.status_code == 403
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.APPLIED


def test_invitation_create_sends_the_email(
    world: World, login: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.coordinator).post(
            world.url("invitations/"),
            {"email": "New.Person@Example.org", "role": "mentor", "message": "Join us!"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.send_count) == (
        "new.person@example.org",
        "mentor",
        1,
    )
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new.person@example.org"]
    assert f"http://testserver/invitations/{invitation.token}/" in mailoutbox[0].body
    assert "Join us!" in mailoutbox[0].body


def test_invitation_of_an_existing_member_is_refused_with_the_field(
    world: World, login: Any
) -> None:
    response = login(world.coordinator).post(
        world.url("invitations/"), {"email": world.mentee.email, "role": "mentee"}
    )
    assert response.status_code == 422
    assert response.context["invitation_form"].errors["email"] == [
        f"{world.mentee.email} already has a place in Spring."
    ]
    assert not Invitation.objects.exists()


def test_invitation_create_is_refused_for_a_mentee(world: World, login: Any) -> None:
    response = login(world.mentee).post(
        world.url("invitations/"), {"email": "x@example.org", "role": "mentee"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_invitation_resend_and_revoke(
    world: World, login: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.factories import InvitationFactory

    invitation = InvitationFactory(program=world.program)
    client = login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(world.url(f"invitations/{invitation.pk}/resend/"))
    assert len(mailoutbox) == 1
    client.post(world.url(f"invitations/{invitation.pk}/revoke/"))
    invitation.refresh_from_db()
    assert invitation.state == "revoked"


def test_invitation_revoke_is_refused_for_a_mentor(world: World, login: Any) -> None:
    from tests.factories import InvitationFactory

    invitation = InvitationFactory(program=world.program)
    assert (
        login(world.mentor).post(world.url(f"invitations/{invitation.pk}/revoke/")).status_code
        == 403
    )
    invitation.refresh_from_db()
    assert invitation.state == "pending"


def test_invitation_accept_by_the_invited_user_creates_the_membership(
    world: World, login: Any
) -> None:
    from tests.factories import InvitationFactory, UserFactory

    person = UserFactory(email="invitee@example.org")
    invitation = InvitationFactory(
        program=world.program, email=person.email, role=Role.MENTOR, invited_by=world.coordinator
    )
    response = login(person).post(f"/invitations/{invitation.token}/")
    assert response.status_code == 302
    membership = Membership.objects.get(user=person)
    assert (membership.role, membership.status) == ("mentor", "approved")
    assert world.coordinator.notifications.get().kind == "invitation_accepted"


def test_invitation_accept_by_another_user_is_refused(world: World, login: Any) -> None:
    from tests.factories import InvitationFactory

    invitation = InvitationFactory(program=world.program, email="someone@example.org")
    response = login(world.outsider).post(f"/invitations/{invitation.token}/", follow=True)
    assert "was sent to someone@example.org" in response.text
    assert not Membership.objects.filter(user=world.outsider, program=world.program).exists()


def test_expired_invitation_page_says_so(world: World, client: Client) -> None:
    from django.utils import timezone

    from tests.factories import InvitationFactory

    invitation = InvitationFactory(
        program=world.program, expires_at=timezone.now() - dt.timedelta(days=1)
    )
    response = client.get(f"/invitations/{invitation.token}/")
    assert response.status_code == 410
    assert "has been expired" in response.text


def test_audit_log_lists_program_entries_only(world: World, login: Any) -> None:
    from tandem.programs import services

    services.update_program(world.program, by=world.coordinator, name="Spring renamed")
    services.update_program(world.other_program, by=world.outsider, name="Other renamed")
    response = login(world.coordinator).get(world.url("audit/"))
    labels = [entry.target_label for entry in response.context["page"]]
    assert labels == ["Spring renamed"]


def test_organization_home_lists_programs_for_admins_and_own_programs_for_members(
    world: World, login: Any
) -> None:
    hidden = ProgramFactory(organization=world.organization, name="Autumn", slug="autumn")
    admin_page = login(world.org_admin).get("/o/northwind/")
    assert {p.name for p in admin_page.context["programs"]} == {"Spring", "Autumn"}
    member_page = login(world.mentee).get("/o/northwind/")
    assert [p.name for p in member_page.context["programs"]] == ["Spring"]
    assert hidden.name not in member_page.text


def test_organization_home_is_404_for_outsiders(world: World, login: Any) -> None:
    assert login(world.outsider).get("/o/northwind/").status_code == 404


def test_organization_audit_is_for_admins_only(world: World, login: Any) -> None:
    assert login(world.org_admin).get("/o/northwind/audit/").status_code == 200
    assert login(world.coordinator).get("/o/northwind/audit/").status_code == 403


def test_program_create_by_org_admin(world: World, login: Any) -> None:
    data = {
        "name": "Autumn Circle",
        "description": "",
        "program_type": "peer",
        "starts_on": "2027-09-01",
        "ends_on": "2028-01-31",
        "meeting_cadence": "weekly",
        "matching_mode": "self_select",
        "max_choices": 3,
        "enrolment_access": "invitation",
    }
    response = login(world.org_admin).post("/o/northwind/programs/new/", data)
    program = Program.objects.get(name="Autumn Circle")
    assert response["Location"] == "/o/northwind/p/autumn-circle/"
    assert program.memberships.get().user == world.org_admin
    assert program.status == ProgramStatus.DRAFT


def test_program_create_is_refused_for_a_coordinator_who_is_not_org_admin(
    world: World, login: Any
) -> None:
    assert login(world.coordinator).get("/o/northwind/programs/new/").status_code == 403


def test_organization_create_is_for_site_staff(world: World, login: Any) -> None:
    assert login(world.coordinator).get("/organizations/new/").status_code == 403
    world.coordinator.is_staff = True
    world.coordinator.save()
    response = login(world.coordinator).post(
        "/organizations/new/", {"name": "Lyon Chapter", "slug": "lyon", "description": ""}
    )
    assert response["Location"] == "/o/lyon/"


def test_home_lists_the_persons_programs(world: World, login: Any) -> None:
    response = login(world.mentee).get("/")
    assert [m.program for m in response.context["memberships"]] == [world.program]
    assert response.context["organizations"] == []


def test_home_query_count_does_not_grow_with_programs(world: World, login: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.mentee)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(3):
        MembershipFactory(user=world.mentee, program__enrolling=True)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/")
    assert len(response.context["memberships"]) == 4
    assert len(many) == len(few)


def test_welcome_page_for_anonymous_visitors(client: Client, db: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "Log in" in response.text
