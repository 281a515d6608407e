from __future__ import annotations

import pytest

from tandem.mentoring.enums import EndReason, MemberRole, MentorshipKind, RelationshipStatus
from tandem.mentoring.models import Mentorship, Relationship
from tandem.mentoring.services.mentorships import change_program_status, end_relationship
from tandem.programs.enums import ProgramStatus, Role
from tandem.programs.models import Program
from tests.conftest import World
from tests.factories import MembershipFactory
from tests.mentoring.factories import Pair, make_group


def test_pair_mentorship_has_both_members_and_carries_the_relationship(pair: Pair) -> None:
    mentorship = pair.mentorship
    assert mentorship.kind == MentorshipKind.PAIR
    assert mentorship.status == RelationshipStatus.ACTIVE
    assert {(m.membership_id, m.role) for m in mentorship.members.all()} == {
        (pair.mentor.pk, MemberRole.MENTOR),
        (pair.mentee.pk, MemberRole.MENTEE),
    }
    assert Relationship.objects.get(mentorship=mentorship).mentee_id == pair.mentee.pk
    assert mentorship.ends_on == mentorship.program.ends_on


def test_group_mentorship_is_one_mentorship_for_all_its_members(world: World) -> None:
    facilitator = MembershipFactory(program=world.program, role=Role.MENTOR)
    mentees = [MembershipFactory(program=world.program, role=Role.MENTEE) for _ in range(3)]
    mentorship = make_group(world.program, facilitators=[facilitator], mentees=mentees)
    assert mentorship.kind == MentorshipKind.GROUP
    assert mentorship.group.name == "Harbour"
    assert mentorship.members.count() == 4
    assert mentorship.members.get(membership=facilitator).is_facilitator
    assert set(mentorship.relationships.values_list("mentee_id", flat=True)) == {
        m.pk for m in mentees
    }


def test_ending_a_pair_early_ends_its_mentorship(world: World, pair: Pair) -> None:
    relationship = Relationship.objects.get(mentorship=pair.mentorship)
    end_relationship(relationship, by=world.mentee, reason=EndReason.SCHEDULES)
    mentorship = Mentorship.objects.get(pk=pair.mentorship.pk)
    assert mentorship.status == RelationshipStatus.ENDED_EARLY
    assert mentorship.ended_by == world.mentee
    assert mentorship.end_reason == EndReason.SCHEDULES


def test_closing_the_program_completes_its_mentorships(world: World, pair: Pair) -> None:
    # published early, in an enrolling program: the rest of the stages, to the close
    Program.objects.filter(pk=world.program.pk).update(status=ProgramStatus.ENROLLING)
    for stage in (ProgramStatus.MATCHING, ProgramStatus.ACTIVE, ProgramStatus.CLOSING):
        change_program_status(world.program, to=stage, by=world.coordinator)
    change_program_status(world.program, to=ProgramStatus.CLOSED, by=world.coordinator)
    assert set(Mentorship.objects.values_list("status", flat=True)) == {
        RelationshipStatus.COMPLETED
    }


@pytest.mark.parametrize("to", [ProgramStatus.CLOSING])
def test_other_stage_changes_leave_mentorships_alone(
    world: World, pair: Pair, to: ProgramStatus
) -> None:
    change_program_status(world.program, to=to, by=world.coordinator)
    assert Mentorship.objects.get(pk=pair.mentorship.pk).status == RelationshipStatus.ACTIVE
