"""The participant-copy matrix: every participant page, for every state a mentor or mentee can
be in, crossed with the program's stage, shows the headline that is true for them.

The states are built through the domain services (a pair created, ended early, completed), the
stage is set last, and each page is fetched as the person would: the program home, the
dashboard card, "my match", the checklist, the shared-space chooser (while there is no shared
space) and, where mentees choose, the directory and the requests page.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tandem.enrolment.enums import Audience, QuestionKind
from tandem.enrolment.models import ProfileQuestion
from tandem.matches.enums import ParticipantState, RequestStatus
from tandem.matches.models import MentorRequest
from tandem.matches.participants import standing_of, standings_of
from tandem.mentoring.enums import EndReason
from tandem.mentoring.models import Relationship
from tandem.mentoring.services.mentorships import (
    PairSpec,
    complete_relationships,
    create_pair,
    end_relationship,
)
from tandem.programs.enums import MatchingMode, MembershipStatus, ProgramStatus, Role
from tandem.programs.models import Membership
from tests.conftest import World
from tests.factories import MembershipFactory, ProgramFactory

S = ParticipantState
P = ProgramStatus
STAGES = [P.ENROLLING, P.MATCHING, P.ACTIVE, P.CLOSING, P.CLOSED]

#: The headline each (state, stage) shows, when the coordinators match people. Written out in
#: full rather than derived, so that a change of words is a change of this table.
ADMIN_HEADLINES: dict[ParticipantState, dict[ProgramStatus, str]] = {
    S.NOT_READY: {
        P.ENROLLING: "Get ready to be matched",
        P.MATCHING: "Get ready to be matched",
        P.ACTIVE: "Get ready to be matched",
        P.CLOSING: "This program is closing",
        P.CLOSED: "This program has ended",
    },
    S.READY: {
        P.ENROLLING: "You are ready to be matched",
        P.MATCHING: "You are ready to be matched",
        P.ACTIVE: "You are ready to be matched",
        P.CLOSING: "This program is closing",
        P.CLOSED: "This program has ended",
    },
    S.MATCHED: {
        P.ENROLLING: "You are matched",
        P.MATCHING: "You are matched",
        P.ACTIVE: "Your mentorship is under way",
        P.CLOSING: "Your mentorship is closing",
        P.CLOSED: "This program has ended",
    },
    S.ENDED_EARLY: dict.fromkeys(STAGES, "Your mentorship ended early"),
    S.COMPLETED: dict.fromkeys(STAGES, "You completed your mentorship"),
}

#: Where mentees choose their mentors, the states that read differently.
CHOOSING_HEADLINES: dict[tuple[str, ParticipantState], dict[ProgramStatus, str]] = {
    (Role.MENTEE, S.READY): {
        P.ENROLLING: "You are ready: choose your mentors",
        P.MATCHING: "You are ready: choose your mentors",
        P.ACTIVE: "You are ready: choose your mentors",
        P.CLOSING: "This program is closing",
        P.CLOSED: "This program has ended",
    },
    (Role.MENTEE, S.REQUESTED): {
        P.MATCHING: "Your requests are with your mentors",
        P.ACTIVE: "Your requests are with your mentors",
    },
    (Role.MENTOR, S.REQUESTED): {
        P.MATCHING: "A mentee has asked you to be their mentor",
        P.ACTIVE: "A mentee has asked you to be their mentor",
    },
}

#: What the issue saw and must never come back: words that are false for these states.
FALSE_FOR = {
    S.MATCHED: ("Getting ready to be matched", "not matched yet", "Get ready to be matched"),
    S.ENDED_EARLY: ("not matched yet", "Getting ready to be matched"),
    S.COMPLETED: ("not matched yet", "Getting ready to be matched", "You are ready"),
}

STANDING = re.compile(r'<h2 id="standing-heading">(.*?)</h2>', re.S)
CARD = re.compile(r'<p class="card-standing"><strong>(.*?)</strong></p>', re.S)


def headline(text: str, pattern: re.Pattern[str] = STANDING) -> str:
    found = pattern.findall(text)
    assert len(found) == 1, f"expected one standing headline, found {found!r}"
    return html.unescape(found[0].strip())


def build(world: World, *, role: str, state: ParticipantState, mode: str) -> Membership:
    """The world's mentor or mentee (``role``) put in ``state``; the stage is set after."""
    program = world.program
    program.matching_mode = mode
    program.status = ProgramStatus.MATCHING
    program.save()
    ProfileQuestion.objects.create(
        program=program,
        key="hopes",
        label="What do you hope for?",
        kind=QuestionKind.TEXT,
        audience=Audience.BOTH,
        required=True,
    )
    mentor = Membership.objects.get(program=program, user=world.mentor)
    mentee = Membership.objects.get(program=program, user=world.mentee)
    me, other = (mentee, mentor) if role == Role.MENTEE else (mentor, mentee)
    other.answers = {"hopes": "To help"}
    other.save()
    if state != S.NOT_READY:
        me.answers = {"hopes": "To grow"}
        me.save()
    if state == S.REQUESTED:
        now = timezone.now()
        MentorRequest.objects.create(
            program=program,
            mentee=mentee,
            mentor=mentor,
            rank=1,
            status=RequestStatus.PENDING,
            asked_at=now,
            deadline=now + dt.timedelta(days=7),
        )
    if state in (S.MATCHED, S.ENDED_EARLY, S.COMPLETED):
        relationship = create_pair(
            program,
            PairSpec(mentee_id=mentee.pk, mentor_id=mentor.pk, source=Relationship.Source.MANUAL),
        )
        if state == S.ENDED_EARLY:
            end_relationship(relationship, by=world.coordinator, reason=EndReason.SCHEDULES)
        if state == S.COMPLETED:
            complete_relationships(program, by=world.coordinator)
    return me


def pages(role: str, mode: str, state: ParticipantState) -> list[str]:
    """The participant pages with a standing headline for this person."""
    found = ["", "match/", "getting-ready/"]
    if state in (S.NOT_READY, S.READY, S.REQUESTED):
        found.append("my-mentorship/")  # the chooser: no shared space yet
    if mode != MatchingMode.ADMIN and role == Role.MENTEE:
        found += ["mentors/", "requests/"]
    return found


def cases() -> list[Any]:
    found = []
    for role in (Role.MENTOR, Role.MENTEE):
        for state, by_stage in ADMIN_HEADLINES.items():
            for stage, expected in by_stage.items():
                found.append(pytest.param(role, MatchingMode.ADMIN, state, stage, expected))
    for (role, state), by_stage in CHOOSING_HEADLINES.items():
        for stage, expected in by_stage.items():
            found.append(pytest.param(role, MatchingMode.SELF_SELECT, state, stage, expected))
    for state in (S.MATCHED, S.ENDED_EARLY):  # the choosing program's mentee after a match
        for stage in (P.ACTIVE, P.CLOSED):
            expected = ADMIN_HEADLINES[state][stage]
            found.append(
                pytest.param(Role.MENTEE, MatchingMode.SELF_SELECT, state, stage, expected)
            )
    return found


@pytest.mark.parametrize(("role", "mode", "state", "stage", "expected"), cases())
def test_participant_pages_show_the_headline_of_their_state_and_stage(
    world: World,
    client: Client,
    role: str,
    mode: str,
    state: ParticipantState,
    stage: ProgramStatus,
    expected: str,
) -> None:
    me = build(world, role=role, state=state, mode=mode)
    world.program.status = stage
    world.program.save()
    assert standing_of(Membership.objects.select_related("program").get(pk=me.pk)).state == state
    client.force_login(me.user)
    for suffix in pages(role, mode, state):
        response = client.get(world.url(suffix))
        assert response.status_code == 200, suffix
        assert headline(response.text) == expected, suffix
        for words in FALSE_FOR.get(state, ()):
            assert words not in response.text, (suffix, words)
    assert headline(client.get("/").text, CARD) == expected


@pytest.mark.parametrize("role", [Role.MENTOR, Role.MENTEE])
def test_matched_pages_lead_to_the_shared_space(world: World, client: Client, role: str) -> None:
    me = build(world, role=role, state=S.MATCHED, mode=MatchingMode.ADMIN)
    world.program.status = ProgramStatus.ACTIVE
    world.program.save()
    client.force_login(me.user)
    home = client.get(world.url()).text
    assert f'<a class="button" href="{world.url("my-mentorship/")}">Open your shared space</a>' in (
        home
    )
    partner = world.mentor if role == Role.MENTEE else world.mentee
    assert f"You are matched with {partner.display_name}." in html.unescape(home)


def test_not_ready_lists_what_is_left_and_links_the_checklist(world: World, client: Client) -> None:
    me = build(world, role=Role.MENTEE, state=S.NOT_READY, mode=MatchingMode.ADMIN)
    client.force_login(me.user)
    home = html.unescape(client.get(world.url()).text)
    assert "Still to do: Profile: What do you hope for?." in home
    assert f'href="{world.url("getting-ready/")}">See your checklist</a>' in home


def test_the_applicant_is_told_the_application_waits(world: World, client: Client) -> None:
    client.force_login(world.applicant)
    text = client.get(world.url()).text
    assert headline(text) == "Your application is waiting for approval"


def test_a_waitlisted_person_is_told_they_wait_for_a_place(world: World, client: Client) -> None:
    Membership.objects.filter(user=world.applicant).update(status=MembershipStatus.WAITLISTED)
    client.force_login(world.applicant)
    assert headline(client.get(world.url()).text) == "You are on the waiting list"


def test_a_mentor_with_a_request_is_sent_to_answer_it(world: World, client: Client) -> None:
    me = build(world, role=Role.MENTOR, state=S.REQUESTED, mode=MatchingMode.SELF_SELECT)
    client.force_login(me.user)
    home = client.get(world.url()).text
    assert f'href="{world.url("requests/inbox/")}">Answer the request</a>' in home


def test_a_confirmation_waiting_for_the_person_says_so(world: World, client: Client) -> None:
    world.program.match_confirmation_days = 7
    world.program.save()
    me = build(world, role=Role.MENTEE, state=S.MATCHED, mode=MatchingMode.ADMIN)
    client.force_login(me.user)
    assert headline(client.get(world.url()).text) == "Confirm your match"


def test_a_draft_program_tells_a_ready_person_it_has_not_opened(world: World) -> None:
    me = build(world, role=Role.MENTEE, state=S.READY, mode=MatchingMode.ADMIN)
    world.program.status = ProgramStatus.DRAFT
    world.program.save()
    standing = standing_of(Membership.objects.select_related("program").get(pk=me.pk))
    assert standing.headline == "You are ready to be matched"
    assert standing.text.startswith("The program has not opened yet.")


def test_coordinators_have_no_standing(world: World, client: Client) -> None:
    coordinator = Membership.objects.get(program=world.program, user=world.coordinator)
    assert standings_of([coordinator]) == {}
    client.force_login(world.coordinator)
    assert 'id="standing-heading"' not in client.get(world.url()).text
    assert 'class="card-standing"' not in client.get("/").text


@pytest.mark.parametrize("count", [1, 3])
def test_the_dashboard_reads_standings_in_a_fixed_number_of_queries(
    world: World, client: Client, django_assert_num_queries: Any, count: int
) -> None:
    for index in range(count):
        program = ProgramFactory(organization=world.organization, status=ProgramStatus.ACTIVE)
        MembershipFactory(program=program, user=world.mentee, role=Role.MENTEE)
        if index == 0:
            mentor = MembershipFactory(program=program, role=Role.MENTOR)
            mentee = Membership.objects.get(program=program, user=world.mentee)
            create_pair(
                program,
                PairSpec(
                    mentee_id=mentee.pk, mentor_id=mentor.pk, source=Relationship.Source.MANUAL
                ),
            )
    client.force_login(world.mentee)
    client.get("/")  # warm the session and the site caches
    with django_assert_num_queries(14):
        response = client.get("/")
    assert len(CARD.findall(response.text)) == count + 1


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        (ProgramStatus.ACTIVE, "The program has started. Your program page shows where you stand"),
        (ProgramStatus.CLOSING, "If you are in a mentorship, plan a last meeting"),
    ],
)
def test_the_stage_message_promises_only_what_is_true_for_everyone(
    world: World, to: ProgramStatus, expected: str
) -> None:
    """Everyone approved gets it, matched or not: it sends them to their program page."""
    from django.template.loader import render_to_string

    body = render_to_string(
        "notifications/kinds/program_status.body.txt",
        {"status": to.label, "role": "Mentee", "program": world.program},
    )
    assert expected in body
    assert "meet your match" not in body
    assert "feedback" not in body


def test_the_shared_space_follows_the_program_into_closing(world: World, client: Client) -> None:
    me = build(world, role=Role.MENTEE, state=S.MATCHED, mode=MatchingMode.ADMIN)
    world.program.status = ProgramStatus.CLOSING
    world.program.save()
    client.force_login(me.user)
    response = client.get(world.url("my-mentorship/"), follow=True)
    next_step = re.search(
        r'<h2 id="next-step-heading">Your next step</h2>\s*<p>(.*?)[.:]', response.text
    )
    assert next_step is not None
    assert next_step.group(1) == "Your mentorship is closing"
