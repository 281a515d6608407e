"""Relationship services: creating (rematch, manual), ending early, suggestions, completion."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.core.errors import ServiceError
from tandem.core.models import AuditEntry
from tandem.matches import pairing
from tandem.matches.enums import PairRuleKind
from tandem.matches.models import PairRule
from tandem.mentoring.enums import EndReason, RelationshipStatus
from tandem.mentoring.models import Relationship
from tandem.mentoring.services import mentorships
from tandem.mentoring.services.mentorships import change_program_status
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
from tandem.programs.models import Membership
from tests.conftest import World
from tests.factories import ProgramFactory
from tests.matches.relationships_support import make_ready, pair, person, ready_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world: World) -> dict[str, Any]:
    """The world's mentor (2 places) and mentee, ready, with the starter questions."""
    ready_program(world.program, world.coordinator)
    return {
        "mentor": make_ready(Membership.objects.get(user=world.mentor), 1, capacity=2),
        "mentee": make_ready(Membership.objects.get(user=world.mentee), 2),
    }


def test_create_relationship_scores_introduces_both_and_audits(
    world: World, people: dict[str, Any]
) -> None:
    relationship = pairing.create_relationship(
        world.program, mentee=people["mentee"], mentor=people["mentor"], by=world.coordinator
    )
    assert relationship.status == RelationshipStatus.ACTIVE
    assert relationship.source == Relationship.Source.MANUAL
    assert relationship.started_at is not None
    assert relationship.score is not None
    assert relationship.explanation
    introductions = Notification.objects.filter(kind=NotificationKind.MATCH_INTRODUCTION)
    assert {n.recipient for n in introductions} == {world.mentor, world.mentee}
    assert {n.url for n in introductions} == {world.url("match/")}
    assert AuditEntry.objects.filter(action="relationship.created_manual").count() == 1


def test_create_relationship_refuses_a_full_mentor(world: World, people: dict[str, Any]) -> None:
    mentor = make_ready(people["mentor"], 1, capacity=1)
    other = person(world.program, Role.MENTEE, 7)
    pair(world.program, mentor, other)
    with pytest.raises(ServiceError) as refused:
        pairing.create_relationship(
            world.program, mentee=people["mentee"], mentor=mentor, by=world.coordinator
        )
    assert refused.value.field == "mentor"
    assert "no place left (1 of 1 place taken)" in refused.value.message
    assert Relationship.objects.filter(mentee=people["mentee"]).count() == 0


def test_create_relationship_refuses_a_mentee_who_has_a_mentor(
    world: World, people: dict[str, Any]
) -> None:
    other_mentor = person(world.program, Role.MENTOR, 8, capacity=3)
    pair(world.program, other_mentor, people["mentee"])
    with pytest.raises(ServiceError) as refused:
        pairing.create_relationship(
            world.program, mentee=people["mentee"], mentor=people["mentor"], by=world.coordinator
        )
    assert refused.value.field == "mentee"
    assert "already has a mentor" in refused.value.message


def test_create_relationship_never_repeats_a_past_pair_even_in_another_program(
    world: World, people: dict[str, Any]
) -> None:
    earlier = ProgramFactory(organization=world.organization, slug="autumn")
    old_mentor = Membership.objects.create(
        program=earlier, user=world.mentor, role=Role.MENTOR, status=MembershipStatus.APPROVED
    )
    old_mentee = Membership.objects.create(
        program=earlier, user=world.mentee, role=Role.MENTEE, status=MembershipStatus.APPROVED
    )
    pair(earlier, old_mentor, old_mentee, status=RelationshipStatus.COMPLETED)
    with pytest.raises(ServiceError) as refused:
        pairing.create_relationship(
            world.program, mentee=people["mentee"], mentor=people["mentor"], by=world.coordinator
        )
    assert "paired before" in refused.value.message


def test_create_relationship_refuses_a_forbidden_pair_and_people_not_approved(
    world: World, people: dict[str, Any]
) -> None:
    PairRule.objects.create(
        program=world.program,
        mentee=people["mentee"],
        mentor=people["mentor"],
        kind=PairRuleKind.FORBID,
    )
    with pytest.raises(ServiceError, match="forbade"):
        pairing.create_relationship(
            world.program, mentee=people["mentee"], mentor=people["mentor"], by=world.coordinator
        )
    applicant = Membership.objects.get(user=world.applicant)
    with pytest.raises(ServiceError, match="not approved"):
        pairing.create_relationship(
            world.program, mentee=applicant, mentor=people["mentor"], by=world.coordinator
        )
    with pytest.raises(ServiceError, match="Pick a mentor"):
        pairing.create_relationship(
            world.program, mentee=people["mentee"], mentor=applicant, by=world.coordinator
        )


@pytest.mark.parametrize("who", ["mentor", "mentee", "coordinator"])
def test_end_relationship_by_each_side_tells_the_others(
    world: World, people: dict[str, Any], who: str
) -> None:
    relationship = pair(world.program, people["mentor"], people["mentee"])
    actor = getattr(world, who)
    mentorships.end_relationship(
        relationship, by=actor, reason=EndReason.SCHEDULES, note="Shift work changed."
    )
    relationship.refresh_from_db()
    assert relationship.status == RelationshipStatus.ENDED_EARLY
    assert relationship.ended_by == actor
    assert relationship.end_reason == EndReason.SCHEDULES
    assert relationship.end_note == "Shift work changed."
    told = set(
        Notification.objects.filter(kind=NotificationKind.RELATIONSHIP_ENDED).values_list(
            "recipient__email", flat=True
        )
    )
    assert told == {u.email for u in (world.mentor, world.mentee, world.coordinator)} - {
        actor.email
    }
    # The note is for coordinators only: never in a participant's notification.
    for notification in Notification.objects.filter(recipient__in=[world.mentor, world.mentee]):
        assert "Shift work" not in notification.body
    assert AuditEntry.objects.filter(action="relationship.ended_early").count() == 1


def test_end_relationship_twice_is_refused(world: World, people: dict[str, Any]) -> None:
    relationship = pair(world.program, people["mentor"], people["mentee"])
    mentorships.end_relationship(relationship, by=world.mentor, reason=EndReason.NOT_A_FIT)
    with pytest.raises(ServiceError, match="already ended early"):
        mentorships.end_relationship(relationship, by=world.mentee, reason=EndReason.NOT_A_FIT)


def test_rematch_suggestions_exclude_past_partners_and_full_mentors(
    world: World, people: dict[str, Any]
) -> None:
    relationship = pair(world.program, people["mentor"], people["mentee"])
    mentorships.end_relationship(relationship, by=world.mentor, reason=EndReason.PERSONAL)
    free = person(world.program, Role.MENTOR, 3, capacity=2)
    full = person(world.program, Role.MENTOR, 4, capacity=1)
    pair(world.program, full, person(world.program, Role.MENTEE, 9))
    suggestions = pairing.rematch_options(relationship)
    mentors = [s.mentor for s in suggestions]
    assert free in mentors
    assert full not in mentors
    assert people["mentor"] not in mentors  # the past partner, though they have a free place
    assert all(s.free_places >= 1 and s.explanation for s in suggestions)
    assert suggestions == sorted(suggestions, key=lambda s: -s.score)


def test_rematch_creates_a_rematch_relationship(world: World, people: dict[str, Any]) -> None:
    relationship = pair(world.program, people["mentor"], people["mentee"])
    mentorships.end_relationship(relationship, by=world.mentor, reason=EndReason.PERSONAL)
    free = person(world.program, Role.MENTOR, 3, capacity=2)
    created = pairing.create_relationship(
        world.program,
        mentee=people["mentee"],
        mentor=free,
        by=world.coordinator,
        source=Relationship.Source.REMATCH,
    )
    assert created.source == Relationship.Source.REMATCH
    assert not pairing.needs_rematch(relationship, {people["mentee"].pk})
    # ending again and going back to the first mentor is a repeat
    mentorships.end_relationship(created, by=world.coordinator, reason=EndReason.OTHER)
    with pytest.raises(ServiceError, match="paired before"):
        pairing.create_relationship(
            world.program, mentee=people["mentee"], mentor=people["mentor"], by=world.coordinator
        )


def test_start_relationship_moves_proposed_to_active(world: World, people: dict[str, Any]) -> None:
    relationship = pair(
        world.program, people["mentor"], people["mentee"], status=RelationshipStatus.PROPOSED
    )
    mentorships.start_relationship(relationship, by=world.coordinator)
    relationship.refresh_from_db()
    assert relationship.status == RelationshipStatus.ACTIVE
    assert relationship.started_at
    with pytest.raises(ServiceError, match="Only a proposed"):
        mentorships.start_relationship(relationship, by=world.coordinator)


def test_closing_the_program_completes_active_relationships(
    world: World, people: dict[str, Any]
) -> None:
    active = pair(world.program, people["mentor"], people["mentee"])
    ended = pair(
        world.program,
        people["mentor"],
        person(world.program, Role.MENTEE, 5),
        status=RelationshipStatus.ENDED_EARLY,
    )
    world.program.status = ProgramStatus.CLOSING
    world.program.save()
    change_program_status(world.program, to=ProgramStatus.CLOSED, by=world.coordinator)
    active.refresh_from_db()
    ended.refresh_from_db()
    assert active.status == RelationshipStatus.COMPLETED
    assert active.ended_at is not None
    assert active.ended_by == world.coordinator
    assert ended.status == RelationshipStatus.ENDED_EARLY
    assert AuditEntry.objects.filter(action="relationship.completed").count() == 1
