"""Mentorships for tests, made through the services that make them in the product."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tandem.accounts.models import User
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.mentoring.services.mentorships import PairSpec, create_group, create_pair
from tandem.programs.enums import Role
from tandem.programs.models import Membership, Program
from tests.conftest import World
from tests.factories import MembershipFactory


def membership_of(user: User, program: Program) -> Membership:
    return Membership.objects.get(user=user, program=program)


def make_pair(program: Program, *, mentor: Membership, mentee: Membership) -> Mentorship:
    relationship = create_pair(
        program,
        PairSpec(mentee_id=mentee.pk, mentor_id=mentor.pk, source="manual", explanation="Test"),
    )
    assert relationship.mentorship is not None
    return relationship.mentorship


def make_group(
    program: Program, *, facilitators: list[Membership], mentees: list[Membership]
) -> Mentorship:
    for mentee in mentees:
        create_pair(
            program,
            PairSpec(mentee_id=mentee.pk, mentor_id=facilitators[0].pk, source="manual"),
        )
    group = create_group(
        program,
        name="Harbour",
        facilitator_ids=[f.pk for f in facilitators],
        mentee_ids=[m.pk for m in mentees],
    )
    # create_pair made pair mentorships first; a group's mentees belong to the group's only.
    Mentorship.objects.filter(
        program=program, kind="pair", members__membership__in=mentees
    ).delete()
    assert group.mentorship is not None
    return group.mentorship


@dataclass
class Pair:
    """The world's mentor and mentee in one mentorship, plus a second pair of strangers."""

    mentorship: Mentorship
    mentor: Membership
    mentee: Membership
    #: Another pair of the same program: participants who are not in ``mentorship``.
    other: Mentorship
    other_mentor: User
    other_mentee: User

    def member(self, membership: Membership) -> MentorshipMember:
        return self.mentorship.members.get(membership=membership)


@pytest.fixture
def pair(world: World) -> Pair:
    mentor = membership_of(world.mentor, world.program)
    mentee = membership_of(world.mentee, world.program)
    mentorship = make_pair(world.program, mentor=mentor, mentee=mentee)
    other_mentor = MembershipFactory(program=world.program, role=Role.MENTOR)
    other_mentee = MembershipFactory(program=world.program, role=Role.MENTEE)
    other = make_pair(world.program, mentor=other_mentor, mentee=other_mentee)
    return Pair(
        mentorship=mentorship,
        mentor=mentor,
        mentee=mentee,
        other=other,
        other_mentor=other_mentor.user,
        other_mentee=other_mentee.user,
    )


def workspace_url(world: World, mentorship: Mentorship, suffix: str = "") -> str:
    return world.url(f"mentorships/{mentorship.pk}/{suffix}")


def everyone(world: World, pair: Pair) -> dict[str, Any]:
    """The privacy matrix's four viewers: a member, another participant, a coordinator, an
    outsider (a coordinator of another organization)."""
    return {
        "member": world.mentee,
        "other_participant": pair.other_mentee,
        "coordinator": world.coordinator,
        "outsider": world.outsider,
    }
