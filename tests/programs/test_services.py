from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.programs import services
from tandem.programs.enums import PROGRAM_TRANSITIONS, MembershipStatus, ProgramStatus, Role
from tandem.programs.models import Invitation, Membership, Program
from tests.conftest import World
from tests.factories import InvitationFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_organization_makes_the_creator_admin(user: object) -> None:
    organization = services.create_organization(name="Lyon Chapter", by=user)  # type: ignore[arg-type]
    assert organization.slug == "lyon-chapter"
    assert organization.staff.get().user == user


def test_create_organization_refuses_a_taken_address(user: object) -> None:
    OrganizationFactory(slug="lyon")
    with pytest.raises(ServiceError) as error:
        services.create_organization(name="Lyon", slug="lyon", by=user)  # type: ignore[arg-type]
    assert error.value.field == "slug"


def test_create_program_defaults_to_six_months_and_unique_slugs(world: World) -> None:
    first = services.create_program(world.organization, by=world.org_admin, name="Spring")
    assert first.slug == "spring-2"  # "spring" exists in the world fixture
    assert first.length_in_days == 182
    assert first.status == ProgramStatus.DRAFT
    coordinator = first.memberships.get()
    assert (coordinator.user, coordinator.role) == (world.org_admin, Role.COORDINATOR)


def test_create_program_refuses_end_before_start(world: World) -> None:
    start = timezone.localdate()
    with pytest.raises(ServiceError) as error:
        services.create_program(
            world.organization,
            by=world.org_admin,
            name="Bad",
            starts_on=start,
            ends_on=start - dt.timedelta(days=1),
        )
    assert error.value.field == "ends_on"
    assert not Program.objects.filter(name="Bad").exists()


@pytest.mark.parametrize("current", list(ProgramStatus))
@pytest.mark.parametrize("target", list(ProgramStatus))
def test_change_program_status_allows_exactly_the_listed_transitions(
    world: World, current: ProgramStatus, target: ProgramStatus
) -> None:
    Program.objects.filter(pk=world.program.pk).update(status=current)
    if target in PROGRAM_TRANSITIONS[current]:
        services.change_program_status(world.program, to=target, by=world.coordinator)
        assert Program.objects.get(pk=world.program.pk).status == target
    else:
        with pytest.raises(ServiceError):
            services.change_program_status(world.program, to=target, by=world.coordinator)
        assert Program.objects.get(pk=world.program.pk).status == current


def test_invite_twice_resends_the_pending_invitation(world: World) -> None:
    first = services.invite_person(
        world.program, email="A@B.org", role=Role.MENTEE, by=world.coordinator
    )
    second = services.invite_person(
        world.program, email="a@b.org", role=Role.MENTOR, by=world.coordinator
    )
    assert first.pk == second.pk
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.send_count) == (Role.MENTOR, 2)


def test_resend_of_an_accepted_invitation_is_refused(world: World) -> None:
    invitation = InvitationFactory(program=world.program, accepted_at=timezone.now())
    with pytest.raises(ServiceError, match="accepted"):
        services.resend_invitation(invitation, by=world.coordinator)


def test_accept_invitation_twice_is_refused(world: World) -> None:
    person = UserFactory()
    invitation = InvitationFactory(program=world.program, email=person.email)
    services.accept_invitation(invitation, user=person)
    with pytest.raises(ServiceError, match="has been accepted"):
        services.accept_invitation(invitation, user=person)
    assert Membership.objects.filter(user=person).count() == 1


def test_add_member_twice_names_the_email(world: World) -> None:
    with pytest.raises(ServiceError) as error:
        services.add_member(
            world.program, user=world.mentee, role=Role.MENTOR, by=world.coordinator
        )
    assert error.value.field == "email"
    assert Membership.objects.get(user=world.mentee).role == Role.MENTEE


def test_change_membership_keeps_at_least_one_coordinator(world: World) -> None:
    membership = Membership.objects.get(user=world.coordinator)
    with pytest.raises(ServiceError, match="only coordinator"):
        services.change_membership(
            membership, by=world.org_admin, status=MembershipStatus.WITHDRAWN
        )
    services.add_member(
        world.program, user=world.org_admin, role=Role.COORDINATOR, by=world.org_admin
    )
    services.change_membership(membership, by=world.org_admin, status=MembershipStatus.WITHDRAWN)
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.WITHDRAWN
