"""Self-selection pages: every role allowed and denied, the forms, htmx, N+1 guards."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.enrolment.models import MentorChoice
from tandem.enrolment.services.readiness import refresh_readiness
from tandem.matches import requests as services
from tandem.matches.enums import RequestStatus
from tandem.matches.models import MentorRequest
from tandem.matches.requests import DeclineReason
from tandem.matches.rules import (
    can_answer_requests,
    can_oversee_requests,
    can_send_requests,
)
from tandem.mentoring.models import Relationship
from tandem.programs.access import resolve_access
from tandem.programs.enums import MatchingMode, Role
from tandem.programs.models import Membership, Program
from tests.conftest import World
from tests.factories import MembershipFactory, UserFactory
from tests.matches.test_requests import Cascade, make_cascade, profile_answers

pytestmark = pytest.mark.django_db

PAGES = {
    "requests/": "mentee",
    "requests/inbox/": "mentor",
    "requests/overview/": "coordinator",
}
EVERYONE = ["coordinator", "org_admin", "mentor", "mentee", "applicant"]


@pytest.fixture
def cascade(world: World) -> Cascade:
    return make_cascade(world)


def allowed(page_role: str, who: str) -> bool:
    if page_role == "coordinator":
        return who in {"coordinator", "org_admin"}
    return who == page_role


# --- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "who_allowed", "who_denied"),
    [
        (can_send_requests, "mentee", "mentor"),
        (can_answer_requests, "mentor", "mentee"),
        (can_oversee_requests, "coordinator", "mentor"),
        (can_oversee_requests, "org_admin", "applicant"),
    ],
)
def test_request_rules_allow_one_role_and_deny_another(
    cascade: Cascade, rule: Any, who_allowed: str, who_denied: str
) -> None:
    world = cascade.world
    assert rule(resolve_access(getattr(world, who_allowed), "northwind", "spring"))
    assert not rule(resolve_access(getattr(world, who_denied), "northwind", "spring"))


@pytest.mark.parametrize("rule", [can_send_requests, can_answer_requests, can_oversee_requests])
def test_request_rules_deny_everyone_where_coordinators_match(world: World, rule: Any) -> None:
    make_cascade(world, mode=MatchingMode.ADMIN)
    for who in EVERYONE:
        assert not rule(resolve_access(getattr(world, who), "northwind", "spring"))


# --- roles per page -------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", list(PAGES))
@pytest.mark.parametrize("who", EVERYONE)
def test_request_pages_allow_their_role_and_deny_the_others(
    cascade: Cascade, login: Any, suffix: str, who: str
) -> None:
    response = login(getattr(cascade.world, who)).get(cascade.world.url(suffix))
    assert response.status_code == (200 if allowed(PAGES[suffix], who) else 403)


@pytest.mark.parametrize("suffix", list(PAGES))
def test_request_pages_are_404_for_an_outsider(cascade: Cascade, login: Any, suffix: str) -> None:
    assert login(cascade.world.outsider).get(cascade.world.url(suffix)).status_code == 404


@pytest.mark.parametrize(
    ("suffix", "who"),
    [
        ("requests/send/", "mentor"),
        ("requests/withdraw/", "coordinator"),
        ("requests/1/answer/", "mentor"),
        ("requests/1/accept/", "mentee"),
        ("requests/1/decline/", "coordinator"),
        ("requests/1/ask/", "mentee"),
        ("requests/overview/match/", "mentee"),
    ],
)
def test_request_actions_deny_other_roles(
    cascade: Cascade, login: Any, suffix: str, who: str
) -> None:
    response = login(getattr(cascade.world, who)).post(cascade.world.url(suffix), {})
    assert response.status_code == 403


# --- the mentee -----------------------------------------------------------------------------


def test_mentee_page_lists_choices_in_order_with_a_note_each(cascade: Cascade, login: Any) -> None:
    response = login(cascade.world.mentee).get(cascade.world.url("requests/"))
    names = [m.user.display_name for m in cascade.mentors]
    positions = [response.text.index(name) for name in names]
    assert positions == sorted(positions)
    for mentor in cascade.mentors:
        assert f'name="note_{mentor.pk}"' in response.text
    assert "Send my requests" in response.text


def test_mentee_sends_requests_with_notes(cascade: Cascade, login: Any) -> None:
    first = cascade.mentors[0]
    response = login(cascade.world.mentee).post(
        cascade.world.url("requests/send/"), {f"note_{first.pk}": "I admire your work."}
    )
    assert response.status_code == 302
    assert cascade.statuses() == ["pending", "queued", "queued"]
    assert cascade.request_to(0).message == "I admire your work."
    page = login(cascade.world.mentee).get(cascade.world.url("requests/"))
    assert "Withdraw my requests" in page.text
    assert "Waiting for the mentor" in page.text


def test_mentee_send_refused_comes_back_filled_with_the_reason(
    cascade: Cascade, login: Any
) -> None:
    Program.objects.filter(pk=cascade.program.pk).update(status="enrolling")
    first = cascade.mentors[0]
    response = login(cascade.world.mentee).post(
        cascade.world.url("requests/send/"), {f"note_{first.pk}": "Keep this text"}
    )
    assert response.status_code == 422
    assert "“Enrolling” stage" in response.text
    assert MentorRequest.objects.count() == 0


def test_mentee_answers_a_question_on_their_page(cascade: Cascade, login: Any) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    first = cascade.request_to(0)
    services.ask_for_information(first, by=cascade.mentors[0].user, question="Which team?")
    client = login(cascade.world.mentee)
    page = client.get(cascade.world.url("requests/"))
    assert "Which team?" in page.text
    assert "Paused until you answer" in page.text
    empty = client.post(
        cascade.world.url(f"requests/{first.pk}/answer/"), {f"r{first.pk}-answer": ""}
    )
    assert empty.status_code == 422
    assert "This field is required." in empty.text
    done = client.post(
        cascade.world.url(f"requests/{first.pk}/answer/"), {f"r{first.pk}-answer": "Data"}
    )
    assert done.status_code == 302
    first.refresh_from_db()
    assert first.status == RequestStatus.PENDING


def test_mentee_cannot_answer_someone_elses_request(cascade: Cascade, login: Any) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    other = MembershipFactory(program=cascade.program, role=Role.MENTEE)
    request = cascade.request_to(0)
    response = login(other.user).post(
        cascade.world.url(f"requests/{request.pk}/answer/"), {f"r{request.pk}-answer": "x"}
    )
    assert response.status_code == 404


def test_mentee_withdraws(cascade: Cascade, login: Any) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    response = login(cascade.world.mentee).post(cascade.world.url("requests/withdraw/"))
    assert response.status_code == 302
    assert cascade.statuses() == ["withdrawn"] * 3


# --- the mentor -----------------------------------------------------------------------------


def test_inbox_shows_highlights_note_score_and_deadline(cascade: Cascade, login: Any) -> None:
    services.send_requests(
        cascade.mentee, by=cascade.world.mentee, notes={cascade.mentors[0].pk: "Hi there"}
    )
    response = login(cascade.world.mentor).get(cascade.world.url("requests/inbox/"))
    assert cascade.world.mentee.display_name in response.text
    assert "Hi there" in response.text
    assert "how well your profiles fit" in response.text
    assert "Answer by" in response.text
    highlights = services.highlights(cascade.mentee)
    assert highlights[0] in response.text
    (entry,) = response.context["cards"]
    assert entry["entry"].score is not None
    assert cascade.mentors[1].user.display_name not in response.text


def test_mentor_declines_with_a_reason_over_htmx(cascade: Cascade, login: Any) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    request = cascade.request_to(0)
    client = login(cascade.world.mentor)
    url = cascade.world.url(f"requests/{request.pk}/decline/")
    missing = client.post(url, {}, headers={"HX-Request": "true"})
    assert missing.status_code == 422
    assert "This field is required." in missing.text
    done = client.post(
        url,
        {
            f"decline-{request.pk}-reason": DeclineReason.NOT_MY_AREA,
            f"decline-{request.pk}-note": "",
        },
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200
    assert "passes to their next choice" in done.text
    assert "<html" not in done.text
    assert cascade.statuses() == ["declined", "pending", "queued"]


def test_mentor_asks_a_question(cascade: Cascade, login: Any) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    request = cascade.request_to(0)
    response = login(cascade.world.mentor).post(
        cascade.world.url(f"requests/{request.pk}/ask/"), {f"ask-{request.pk}-question": "Why?"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.INFO_REQUESTED


def test_mentor_accepts_and_a_full_mentor_reads_why_not(cascade: Cascade, login: Any) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    request = cascade.request_to(0)
    other = MembershipFactory(program=cascade.program, role=Role.MENTEE)
    full = Relationship.objects.create(
        program=cascade.program, mentor=cascade.mentors[0], mentee=other, source="manual"
    )
    client = login(cascade.world.mentor)
    url = cascade.world.url(f"requests/{request.pk}/accept/")
    refused = client.post(url)
    assert refused.status_code == 422
    assert "You have no place left: 1 mentee already for 1 place." in refused.text
    full.delete()
    accepted = client.post(url)
    assert accepted.status_code == 302
    assert Relationship.objects.get(mentee=cascade.mentee).mentor == cascade.mentors[0]


def test_mentor_cannot_answer_a_request_sent_to_someone_else(cascade: Cascade, login: Any) -> None:
    services.send_requests(cascade.mentee, by=cascade.world.mentee)
    request = cascade.request_to(0)
    response = login(cascade.mentors[1].user).post(
        cascade.world.url(f"requests/{request.pk}/accept/")
    )
    assert response.status_code == 404


# --- coordinators ---------------------------------------------------------------------------


def decline_all(setup: Cascade) -> None:
    services.send_requests(setup.mentee, by=setup.world.mentee)
    for index, mentor in enumerate(setup.mentors):
        services.decline_request(setup.request_to(index), by=mentor.user, reason="other")


def test_overview_lists_unmatched_with_a_one_click_match(cascade: Cascade, login: Any) -> None:
    free = MembershipFactory(
        program=cascade.program, role=Role.MENTOR, user=UserFactory(full_name="Free Mentor")
    )
    free.answers = profile_answers(Role.MENTOR, 7)
    free.save()
    decline_all(cascade)
    client = login(cascade.world.coordinator)
    page = client.get(cascade.world.url("requests/overview/"))
    assert "Match with Free Mentor" in page.text
    assert "Unmatched after the cascade" in page.text
    matched = client.post(
        cascade.world.url("requests/overview/match/"),
        {"mentee": cascade.mentee.pk, "mentor": free.pk},
    )
    assert matched.status_code == 302
    relationship = Relationship.objects.get(mentee=cascade.mentee)
    assert relationship.mentor == free
    assert relationship.source == Relationship.Source.MANUAL


def test_overview_never_shows_the_private_notes(cascade: Cascade, login: Any) -> None:
    services.send_requests(
        cascade.mentee, by=cascade.world.mentee, notes={cascade.mentors[0].pk: "Secret story"}
    )
    page = login(cascade.world.coordinator).get(cascade.world.url("requests/overview/"))
    assert "Secret story" not in page.text
    assert cascade.world.mentor.display_name in page.text


def test_overview_match_refuses_a_mentor_of_another_program(cascade: Cascade, login: Any) -> None:
    stranger = MembershipFactory(program=cascade.world.other_program, role=Role.MENTOR)
    response = login(cascade.world.coordinator).post(
        cascade.world.url("requests/overview/match/"),
        {"mentee": cascade.mentee.pk, "mentor": stranger.pk},
    )
    assert response.status_code == 404


# --- N+1 guards -----------------------------------------------------------------------------


def add_mentees(setup: Cascade, count: int) -> list[Membership]:
    """``count`` more ready mentees, each asking the world's mentor first."""
    made = []
    for index in range(count):
        mentee = MembershipFactory(program=setup.program, role=Role.MENTEE)
        mentee.answers = profile_answers(Role.MENTEE, 20 + index)
        mentee.save()
        refresh_readiness(mentee)  # the answers were set behind the services' back
        MentorChoice.objects.create(mentee=mentee, mentor=setup.mentors[0], rank=1)
        MentorChoice.objects.create(mentee=mentee, mentor=setup.mentors[1], rank=2)
        services.send_requests(mentee, by=mentee.user)
        made.append(mentee)
    return made


def queries_for(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_inbox_query_count_does_not_grow_with_requests(cascade: Cascade, login: Any) -> None:
    client = login(cascade.world.mentor)
    url = cascade.world.url("requests/inbox/")
    add_mentees(cascade, 1)
    client.get(url)  # warm the criteria and caches
    one = queries_for(client, url)
    add_mentees(cascade, 2)
    assert queries_for(client, url) == one


def test_overview_query_count_does_not_grow_with_mentees(cascade: Cascade, login: Any) -> None:
    client = login(cascade.world.coordinator)
    url = cascade.world.url("requests/overview/")
    first = add_mentees(cascade, 1)
    services.decline_request(
        MentorRequest.objects.get(mentee=first[0], mentor=cascade.mentors[0]),
        by=cascade.mentors[0].user,
        reason="other",
    )
    services.decline_request(
        MentorRequest.objects.get(mentee=first[0], mentor=cascade.mentors[1]),
        by=cascade.mentors[1].user,
        reason="other",
    )
    client.get(url)
    one = queries_for(client, url)
    more = add_mentees(cascade, 2)
    for mentee in more:
        for mentor in cascade.mentors[:2]:
            services.decline_request(
                MentorRequest.objects.get(mentee=mentee, mentor=mentor),
                by=mentor.user,
                reason="other",
            )
    assert queries_for(client, url) == one
