"""The program's stages hold: going back to draft with mentorships under way is refused,
every change that notifies people, completes mentorships or hides the program is confirmed
on a page that states its numbers, and a draft is its coordinators' alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tandem.accounts.services import create_api_token
from tandem.core.errors import ServiceError
from tandem.mentoring.enums import RelationshipStatus
from tandem.mentoring.models import Mentorship
from tandem.mentoring.services.mentorships import change_program_status
from tandem.mentoring.services.stages import plan_stage_change
from tandem.programs.enums import ProgramStatus, Role
from tandem.programs.models import Program
from tests.conftest import World
from tests.factories import MembershipFactory
from tests.mentoring.factories import Pair


def _at(program: Program, status: ProgramStatus) -> None:
    Program.objects.filter(pk=program.pk).update(status=status)
    program.refresh_from_db()


def test_back_to_draft_refused_while_mentorships_are_under_way(world: World, pair: Pair) -> None:
    _at(world.program, ProgramStatus.ENROLLING)
    with pytest.raises(ServiceError) as refused:
        change_program_status(world.program, to=ProgramStatus.DRAFT, by=world.coordinator)
    assert refused.value.message == (
        "Spring cannot go back to draft: 2 mentorships are under way, and a draft is hidden "
        "from everyone but its coordinators. End those mentorships first, or keep enrolment "
        "open."
    )
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.ENROLLING


def test_back_to_draft_without_mentorships_says_who_stops_seeing_it(world: World) -> None:
    _at(world.program, ProgramStatus.ENROLLING)
    plan = plan_stage_change(world.program, to=ProgramStatus.DRAFT, by=world.coordinator)
    assert plan.refused == ""
    assert plan.hides_from == 2  # the approved mentor and mentee; the applicant is not in yet
    assert plan.consequences == [
        "The 2 mentors and mentees in it will no longer see the program until you open "
        "enrolment again; their places, profiles and answers are kept."
    ]
    assert plan.needs_confirmation


def test_closing_early_states_mentorships_completed_and_people_notified(
    world: World, pair: Pair
) -> None:
    _at(world.program, ProgramStatus.CLOSING)
    plan = plan_stage_change(world.program, to=ProgramStatus.CLOSED, by=world.coordinator)
    days = (world.program.ends_on - timezone.localdate()).days
    # coordinator excluded: mentor, mentee, the other pair's two people
    assert plan.completes == 2
    assert plan.notifies == 4
    assert plan.consequences == [
        "This completes 2 mentorships and notifies 4 people.",
        f"Spring is planned to end on {world.program.ends_on:%-d %B %Y}, in {days} days: "
        "closing it now ends it early.",
    ]


def test_closing_on_the_end_date_is_not_called_early(world: World, pair: Pair) -> None:
    Program.objects.filter(pk=world.program.pk).update(
        status=ProgramStatus.CLOSING,
        starts_on=timezone.localdate() - dt.timedelta(days=100),
        ends_on=timezone.localdate(),
    )
    world.program.refresh_from_db()
    plan = plan_stage_change(world.program, to=ProgramStatus.CLOSED, by=world.coordinator)
    assert not plan.is_early
    assert plan.consequences == ["This completes 2 mentorships and notifies 4 people."]


def test_opening_enrolment_needs_no_confirmation(world: World) -> None:
    _at(world.program, ProgramStatus.DRAFT)
    plan = plan_stage_change(world.program, to=ProgramStatus.ENROLLING, by=world.coordinator)
    assert plan.refused == ""
    assert not plan.needs_confirmation


def test_stage_form_shows_the_numbers_before_closing(world: World, pair: Pair, login: Any) -> None:
    _at(world.program, ProgramStatus.CLOSING)
    client = login(world.coordinator)
    page = client.post(world.url("status/"), {"status": ProgramStatus.CLOSED})
    assert page.status_code == 200
    text = page.content.decode()
    assert "This completes 2 mentorships and notifies 4 people." in text
    assert 'name="confirm" value="1"' in text
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.CLOSING
    assert Mentorship.objects.filter(status=RelationshipStatus.ACTIVE).count() == 2
    # the confirmation page is also a plain GET
    shown = client.get(world.url("status/"), {"status": ProgramStatus.CLOSED})
    assert "This completes 2 mentorships" in shown.content.decode()
    done = client.post(world.url("status/"), {"status": ProgramStatus.CLOSED, "confirm": "1"})
    assert done.status_code == 302
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.CLOSED
    assert Mentorship.objects.filter(status=RelationshipStatus.COMPLETED).count() == 2


def test_stage_form_refuses_back_to_draft_with_the_reason(
    world: World, pair: Pair, login: Any
) -> None:
    _at(world.program, ProgramStatus.ENROLLING)
    client = login(world.coordinator)
    response = client.post(
        world.url("status/"), {"status": ProgramStatus.DRAFT, "confirm": "1"}, follow=True
    )
    assert "Spring cannot go back to draft: 2 mentorships are under way" in (
        response.content.decode()
    )
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.ENROLLING


def test_stage_confirmation_page_denied_to_participants(world: World, login: Any) -> None:
    response = login(world.mentee).get(world.url("status/"), {"status": ProgramStatus.CLOSING})
    assert response.status_code == 403
    world.program.refresh_from_db()
    assert world.program.status == ProgramStatus.ACTIVE


@pytest.mark.parametrize("suffix", ["", "profile/", "match/", "getting-ready/", "my-mentorship/"])
def test_a_draft_answers_404_to_participants_and_opens_for_coordinators(
    world: World, login: Any, suffix: str
) -> None:
    _at(world.program, ProgramStatus.DRAFT)
    assert login(world.mentee).get(world.url(suffix)).status_code == 404
    assert login(world.mentor).get(world.url(suffix)).status_code == 404
    assert login(world.coordinator).get(world.url()).status_code == 200
    assert login(world.org_admin).get(world.url()).status_code == 200


def test_a_draft_is_left_out_of_a_participants_lists_web_and_api(world: World, login: Any) -> None:
    _at(world.program, ProgramStatus.DRAFT)
    client = login(world.mentee)
    home = client.get("/")
    assert [m.program.name for m in home.context["memberships"]] == []
    _, raw = create_api_token(world.mentee, by=world.mentee, name="tests")
    api = Client(headers={"authorization": f"Bearer {raw}"})
    assert api.get("/api/v1/organizations/northwind/programs").json() == []
    assert api.get("/api/v1/organizations/northwind/programs/spring").status_code == 404
    coordinator = login(world.coordinator)
    assert [m.program.name for m in coordinator.get("/").context["memberships"]] == ["Spring"]
    co = MembershipFactory(program=world.program, role=Role.COORDINATOR)
    assert login(co.user).get(world.url()).status_code == 200


def test_beginning_closure_early_says_so_and_counts_who_is_told(world: World) -> None:
    plan = plan_stage_change(world.program, to=ProgramStatus.CLOSING, by=world.coordinator)
    days = (world.program.ends_on - timezone.localdate()).days
    assert plan.completes == 0
    assert plan.consequences == [
        "This notifies 2 people.",
        f"Spring is planned to end on {world.program.ends_on:%-d %B %Y}, in {days} days: "
        "you are beginning its closure early.",
    ]


def test_closing_ends_matches_still_waiting_for_confirmation(world: World, pair: Pair) -> None:
    from tandem.mentoring.models import Relationship
    from tests.mentoring.factories import make_pair

    _at(world.program, ProgramStatus.CLOSING)
    waiting = make_pair(
        world.program,
        mentor=MembershipFactory(program=world.program, role=Role.MENTOR),
        mentee=MembershipFactory(program=world.program, role=Role.MENTEE),
    )
    Mentorship.objects.filter(pk=waiting.pk).update(status=RelationshipStatus.PROPOSED)
    Relationship.objects.filter(mentorship=waiting).update(status=RelationshipStatus.PROPOSED)

    plan = plan_stage_change(world.program, to=ProgramStatus.CLOSED, by=world.coordinator)
    assert "1 match still waiting for confirmation ends without starting." in plan.consequences

    change_program_status(world.program, to=ProgramStatus.CLOSED, by=world.coordinator)
    waiting.refresh_from_db()
    assert waiting.status == RelationshipStatus.ENDED_EARLY
    assert waiting.ended_by == world.coordinator
    assert Relationship.objects.get(mentorship=waiting).status == RelationshipStatus.ENDED_EARLY
    assert not Mentorship.objects.filter(
        program=world.program, status__in=(RelationshipStatus.PROPOSED, RelationshipStatus.ACTIVE)
    ).exists()
