"""Confirming new matches in programs with match_confirmation_days > 0."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.matches import pairing
from tandem.mentoring.enums import EndReason, RelationshipStatus
from tandem.mentoring.models import Mentorship, Relationship
from tandem.mentoring.services import confirmation
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tests.conftest import World
from tests.mentoring.factories import make_pair, membership_of, workspace_url


@pytest.fixture
def proposed(world: World) -> Mentorship:
    world.program.match_confirmation_days = 5
    world.program.save()
    return make_pair(
        world.program,
        mentor=membership_of(world.mentor, world.program),
        mentee=membership_of(world.mentee, world.program),
    )


def test_new_match_starts_proposed_and_asks_both(world: World, proposed: Mentorship) -> None:
    assert proposed.status == RelationshipStatus.PROPOSED
    assert proposed.started_at is None
    assert proposed.confirm_by is not None
    assert Relationship.objects.get(mentorship=proposed).status == RelationshipStatus.PROPOSED
    asked = Notification.objects.filter(kind=NotificationKind.MATCH_TO_CONFIRM)
    assert {n.recipient for n in asked} == {world.mentor, world.mentee}
    assert asked.get(recipient=world.mentee).body.startswith(
        f"Your new match with {world.mentor.display_name} in Spring waits for your answer."
    )


def test_confirming_by_all_starts_the_mentorship(world: World, proposed: Mentorship) -> None:
    confirmation.confirm_match(proposed, by=membership_of(world.mentee, world.program))
    confirmation.confirm_match(proposed, by=membership_of(world.mentee, world.program))
    assert Mentorship.objects.get(pk=proposed.pk).status == RelationshipStatus.PROPOSED
    confirmation.confirm_match(proposed, by=membership_of(world.mentor, world.program))
    started = Mentorship.objects.get(pk=proposed.pk)
    assert started.status == RelationshipStatus.ACTIVE
    assert started.started_at is not None
    assert Relationship.objects.get(mentorship=proposed).status == RelationshipStatus.ACTIVE
    told = Notification.objects.filter(kind=NotificationKind.MENTORSHIP_STARTED)
    assert {n.recipient for n in told} == {world.mentor, world.mentee}


def test_declining_ends_it_and_the_mentee_needs_a_rematch(
    world: World, proposed: Mentorship
) -> None:
    confirmation.decline_match(
        proposed, by=membership_of(world.mentor, world.program), note="We work together"
    )
    ended = Mentorship.objects.get(pk=proposed.pk)
    assert ended.status == RelationshipStatus.ENDED_EARLY
    assert ended.end_reason == EndReason.NOT_A_FIT
    relationship = Relationship.objects.get(mentorship=proposed)
    assert relationship.status == RelationshipStatus.ENDED_EARLY
    assert pairing.needs_rematch(relationship, set())
    mentee = membership_of(world.mentee, world.program)
    assert mentee in pairing.mentees_without_mentor(world.program)
    note = Notification.objects.get(kind=NotificationKind.MATCH_DECLINED)
    assert note.recipient == world.coordinator
    assert '"We work together"' in note.body
    assert (
        "We work together"
        not in Notification.objects.get(
            recipient=world.mentee, kind=NotificationKind.RELATIONSHIP_ENDED
        ).body
    )


def test_declining_needs_a_reason(world: World, proposed: Mentorship) -> None:
    with pytest.raises(ServiceError) as raised:
        confirmation.decline_match(
            proposed, by=membership_of(world.mentee, world.program), note=" "
        )
    assert raised.value.field == "note"
    assert Mentorship.objects.get(pk=proposed.pk).status == RelationshipStatus.PROPOSED


def test_sweep_reminds_once_then_tells_the_coordinator(world: World, proposed: Mentorship) -> None:
    confirmation.confirm_match(proposed, by=membership_of(world.mentor, world.program))
    late = timezone.now() + dt.timedelta(days=6)
    assert confirmation.sweep_confirmations(now=late) == 1
    assert confirmation.sweep_confirmations(now=late) == 0
    reminder = Notification.objects.filter(
        kind=NotificationKind.MATCH_TO_CONFIRM, recipient=world.mentee
    ).order_by("-id")[0]
    assert reminder.title == "A reminder: please confirm your match in Spring"
    assert confirmation.sweep_confirmations(now=late + dt.timedelta(days=3)) == 1
    assert confirmation.sweep_confirmations(now=late + dt.timedelta(days=4)) == 0
    told = Notification.objects.get(
        kind=NotificationKind.MATCH_TO_CONFIRM, recipient=world.coordinator
    )
    assert told.body.startswith(f"{world.mentee.display_name} has not confirmed")


def test_confirm_and_decline_views(world: World, proposed: Mentorship, login: Any) -> None:
    client = login(world.mentee)
    response = client.post(workspace_url(world, proposed, "decline/"), {"note": ""})
    assert response.status_code == 422
    assert "This field is required." in response.text
    response = client.post(workspace_url(world, proposed, "confirm/"))
    assert response.status_code == 302
    assert (
        Mentorship.objects.get(pk=proposed.pk)
        .members.get(membership__user=world.mentee)
        .confirmed_at
    )
    other = login(world.coordinator).post(workspace_url(world, proposed, "confirm/"))
    assert other.status_code == 404
