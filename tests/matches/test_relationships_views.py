"""The "my match" page, ending early, the coordinator's relationships page, rematch and manual
pairs: allowed and denied roles, privacy, N+1 guards."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.matches.enums import RunStatus
from tandem.matches.models import MatchRun, ProposedMatch
from tandem.matching.model import fit_percent
from tandem.mentoring.enums import EndReason, RelationshipStatus
from tandem.mentoring.models import Relationship
from tandem.mentoring.rules import mentorships as rules
from tandem.programs.access import resolve_access
from tandem.programs.enums import MatchingMode, ProgramStatus, Role
from tandem.programs.models import Membership
from tests.conftest import World
from tests.matches.relationships_support import make_ready, pair, person, ready_program

pytestmark = pytest.mark.django_db


def membership(user: Any) -> Membership:
    return Membership.objects.get(user=user)


@pytest.fixture
def matched(world: World) -> Relationship:
    ready_program(world.program, world.coordinator)
    mentor = make_ready(membership(world.mentor), 1, capacity=3)
    mentee = make_ready(membership(world.mentee), 2)
    return pair(world.program, mentor, mentee, explanation="You both work in logistics.")


# --- rules --------------------------------------------------------------------------------


def test_rules_allow_and_deny(world: World, matched: Relationship) -> None:
    def access(user: Any) -> Any:
        return resolve_access(user, "northwind", "spring")

    assert rules.can_view_my_match(access(world.mentee))
    assert not rules.can_view_my_match(access(world.coordinator))
    assert not rules.can_view_my_match(access(world.applicant))
    assert rules.can_manage_relationships(access(world.org_admin))
    assert not rules.can_manage_relationships(access(world.mentor))
    assert rules.can_end_relationship(access(world.mentor), matched)
    assert rules.can_end_relationship(access(world.coordinator), matched)
    other_mentor = person(world.program, Role.MENTOR, 3)
    assert not rules.can_end_relationship(access(other_mentor.user), matched)


# --- my match -----------------------------------------------------------------------------


def test_my_match_shows_the_mentee_their_mentor(
    world: World, login: Any, matched: Relationship
) -> None:
    response = login(world.mentee).get(world.url("match/"))
    assert response.status_code == 200
    text = response.text
    assert f"Your mentor: {world.mentor.display_name}" in text
    assert "You both work in logistics." in text
    assert world.mentor.email in text
    assert "Industry:" in text  # highlights


def test_my_match_shows_the_mentor_each_mentee_and_never_other_pairs(
    world: World, login: Any, matched: Relationship
) -> None:
    second = person(world.program, Role.MENTEE, 4)
    pair(world.program, matched.mentor, second, explanation="Second pair reason.")
    stranger_mentor = person(world.program, Role.MENTOR, 5)
    stranger_mentee = person(world.program, Role.MENTEE, 6)
    pair(world.program, stranger_mentor, stranger_mentee, explanation="Secret other pair.")
    response = login(world.mentor).get(world.url("match/"))
    text = response.text
    assert world.mentee.display_name in text
    assert second.user.display_name in text
    assert "Second pair reason." in text
    assert stranger_mentee.user.display_name not in text
    assert stranger_mentor.user.display_name not in text
    assert "Secret other pair." not in text


def test_my_match_lists_past_relationships_without_detail(
    world: World, login: Any, matched: Relationship
) -> None:
    matched.status = RelationshipStatus.ENDED_EARLY
    matched.end_note = "Private note for coordinators"
    matched.save()
    response = login(world.mentee).get(world.url("match/"))
    assert "Past relationships" in response.text
    assert world.mentor.display_name in response.text
    assert "You both work in logistics." not in response.text
    assert world.mentor.email not in response.text
    assert "Private note" not in response.text


@pytest.mark.parametrize(
    ("mode", "headline", "expected"),
    [
        (MatchingMode.ADMIN, "You are ready to be matched", "as soon as they publish the matches"),
        (
            MatchingMode.SELF_SELECT,
            "You are ready: choose your mentors",
            "you can send your requests as soon as matching starts",
        ),
        (
            MatchingMode.BOTH,
            "You are ready: choose your mentors",
            "The coordinators match whoever is left",
        ),
    ],
)
def test_my_match_before_matching_says_what_happens_next(
    world: World, login: Any, mode: str, headline: str, expected: str
) -> None:
    world.program.matching_mode = mode
    world.program.status = ProgramStatus.ENROLLING
    world.program.save()
    response = login(world.mentee).get(world.url("match/"))
    assert f'<h2 id="standing-heading">{headline}</h2>' in response.text
    assert expected in response.text
    assert "not matched" not in response.text


def test_proposed_matches_are_never_shown_before_publishing(world: World, login: Any) -> None:
    run = MatchRun.objects.create(program=world.program, name="Draft", status=RunStatus.DONE)
    ProposedMatch.objects.create(
        run=run,
        mentee=membership(world.mentee),
        mentor=membership(world.mentor),
        score=0.9,
        explanation="Draft reason nobody may see yet.",
    )
    for user in (world.mentee, world.mentor):
        response = login(user).get(world.url("match/"))
        assert '<h2 id="standing-heading">You are ready to be matched</h2>' in response.text
        assert "Draft reason" not in response.text
        other = world.mentor if user == world.mentee else world.mentee
        assert other.display_name not in response.text


@pytest.mark.parametrize("who", ["coordinator", "org_admin", "applicant"])
def test_my_match_is_for_approved_mentors_and_mentees_only(
    world: World, login: Any, who: str
) -> None:
    assert login(getattr(world, who)).get(world.url("match/")).status_code == 403


def test_my_match_is_404_for_an_outsider(world: World, login: Any) -> None:
    assert login(world.outsider).get(world.url("match/")).status_code == 404


# --- ending early -------------------------------------------------------------------------


def test_mentee_ends_early_through_the_confirmation_page(
    world: World, login: Any, matched: Relationship
) -> None:
    client = login(world.mentee)
    url = world.url(f"relationships/{matched.pk}/end/")
    page = client.get(url)
    assert page.status_code == 200
    assert "Ending early happens and is nobody's fault" in page.text
    missing = client.post(url, {"note": "Moving to another city"})
    assert missing.status_code == 422
    assert "This field is required" in missing.text
    assert "Moving to another city</textarea>" in missing.text  # filled again
    done = client.post(url, {"reason": EndReason.NEEDS_CHANGED, "note": "For coordinators"})
    assert done.status_code == 302
    assert done["Location"] == world.url("match/")
    matched.refresh_from_db()
    assert matched.status == RelationshipStatus.ENDED_EARLY
    assert matched.ended_by == world.mentee


def test_coordinator_ends_early_and_lands_on_rematch(
    world: World, login: Any, matched: Relationship
) -> None:
    response = login(world.coordinator).post(
        world.url(f"relationships/{matched.pk}/end/"), {"reason": EndReason.NOT_A_FIT}
    )
    assert response["Location"] == world.url(f"relationships/{matched.pk}/rematch/")


def test_another_mentor_cannot_end_a_pair(world: World, login: Any, matched: Relationship) -> None:
    other = person(world.program, Role.MENTOR, 3)
    url = world.url(f"relationships/{matched.pk}/end/")
    assert login(other.user).get(url).status_code == 403
    assert login(other.user).post(url, {"reason": "other"}).status_code == 403
    matched.refresh_from_db()
    assert matched.status == RelationshipStatus.ACTIVE


def test_end_page_is_404_from_another_program(world: World, login: Any) -> None:
    mentor = Membership.objects.create(
        program=world.other_program, user=world.mentor, role=Role.MENTOR, status="approved"
    )
    mentee = Membership.objects.create(
        program=world.other_program, user=world.mentee, role=Role.MENTEE, status="approved"
    )
    elsewhere = pair(world.other_program, mentor, mentee)
    response = login(world.mentee).get(world.url(f"relationships/{elsewhere.pk}/end/"))
    assert response.status_code == 404


# --- the coordinator's page ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "org_admin"])
def test_relationships_page_lists_pairs_for_coordinators(
    world: World, login: Any, matched: Relationship, who: str
) -> None:
    matched.status = RelationshipStatus.ENDED_EARLY
    matched.end_reason = EndReason.SCHEDULES
    matched.end_note = "Night shifts"
    matched.ended_by = world.mentor
    matched.save()
    response = login(getattr(world, who)).get(world.url("relationships/"))
    assert response.status_code == 200
    text = response.text
    assert "Our schedules do not fit" in text
    assert "Night shifts" in text
    assert f"Rematch {world.mentee.display_name}" in text
    assert fit_percent(matched.fit, 1) in text


@pytest.mark.parametrize("who", ["mentor", "mentee", "applicant"])
def test_relationships_page_is_denied_to_participants(world: World, login: Any, who: str) -> None:
    assert login(getattr(world, who)).get(world.url("relationships/")).status_code == 403
    assert login(getattr(world, who)).get(world.url("relationships/new/")).status_code == 403


def test_relationships_page_filters_by_status(
    world: World, login: Any, matched: Relationship
) -> None:
    other = pair(
        world.program,
        person(world.program, Role.MENTOR, 3),
        person(world.program, Role.MENTEE, 4),
        status=RelationshipStatus.COMPLETED,
    )
    response = login(world.coordinator).get(
        world.url("relationships/"),
        {"status": "completed"},
        headers={"HX-Request": "true", "HX-Target": "relationship-table"},
    )
    rows = [row["relationship"] for row in response.context["rows"]]
    assert rows == [other]
    assert "<h1>" not in response.text  # the fragment only


def test_relationships_page_queries_do_not_grow_with_rows(world: World, login: Any) -> None:
    ready_program(world.program, world.coordinator)
    client = login(world.coordinator)

    def add_pair(index: int) -> None:
        relationship = pair(
            world.program,
            person(world.program, Role.MENTOR, 10 + index),
            person(world.program, Role.MENTEE, 20 + index),
        )
        relationship.status = RelationshipStatus.ENDED_EARLY
        relationship.ended_by = world.coordinator
        relationship.save()

    add_pair(0)
    client.get(world.url("relationships/"))
    with CaptureQueriesContext(connection) as one:
        client.get(world.url("relationships/"))
    add_pair(1)
    add_pair(2)
    with CaptureQueriesContext(connection) as three:
        response = client.get(world.url("relationships/"))
    assert len(response.context["rows"]) == 3
    assert len(three) == len(one)


def test_my_match_queries_do_not_grow_with_mentees(world: World, login: Any) -> None:
    ready_program(world.program, world.coordinator)
    mentor = make_ready(membership(world.mentor), 1, capacity=5)
    client = login(world.mentor)
    pair(world.program, mentor, make_ready(membership(world.mentee), 2))
    with CaptureQueriesContext(connection) as one:
        client.get(world.url("match/"))
    pair(world.program, mentor, person(world.program, Role.MENTEE, 3))
    pair(world.program, mentor, person(world.program, Role.MENTEE, 4))
    with CaptureQueriesContext(connection) as three:
        response = client.get(world.url("match/"))
    assert len(response.context["current"]) == 3
    assert len(three) == len(one)


# --- rematch and manual pairs --------------------------------------------------------------


def test_rematch_page_suggests_and_matches_in_one_click(
    world: World, login: Any, matched: Relationship
) -> None:
    from tandem.mentoring.services.mentorships import end_relationship

    end_relationship(matched, by=world.mentor, reason=EndReason.PERSONAL)
    fresh = person(world.program, Role.MENTOR, 3, capacity=1)
    client = login(world.coordinator)
    url = world.url(f"relationships/{matched.pk}/rematch/")
    page = client.get(url)
    assert page.status_code == 200
    suggested = [s.mentor for s in page.context["suggestions"]]
    assert fresh in suggested
    assert matched.mentor not in suggested
    response = client.post(url, {"mentor": fresh.pk})
    assert response.status_code == 302
    created = Relationship.objects.get(mentee=matched.mentee, status=RelationshipStatus.ACTIVE)
    assert created.mentor == fresh
    assert created.source == Relationship.Source.REMATCH
    again = client.get(url)
    assert f"already has a mentor again: {fresh.user.display_name}" in again.text


def test_rematch_post_names_the_refusal(world: World, login: Any, matched: Relationship) -> None:
    from tandem.mentoring.services.mentorships import end_relationship

    end_relationship(matched, by=world.mentor, reason=EndReason.PERSONAL)
    response = login(world.coordinator).post(
        world.url(f"relationships/{matched.pk}/rematch/"), {"mentor": matched.mentor_id}
    )
    assert response.status_code == 422
    assert "paired before" in response.text


def test_rematch_page_is_denied_to_the_pair(
    world: World, login: Any, matched: Relationship
) -> None:
    url = world.url(f"relationships/{matched.pk}/rematch/")
    assert login(world.mentor).get(url).status_code == 403
    assert login(world.mentee).get(url).status_code == 403


def test_manual_pair_with_live_score_then_create(world: World, login: Any) -> None:
    ready_program(world.program, world.coordinator)
    mentor = make_ready(membership(world.mentor), 1, capacity=1)
    mentee = make_ready(membership(world.mentee), 2)
    client = login(world.coordinator)
    page = client.get(world.url("relationships/new/"))
    assert page.status_code == 200
    assert f'value="{mentee.pk}"' in page.text
    assert f'value="{mentor.pk}"' in page.text
    preview = client.get(
        world.url("relationships/new/"),
        {"mentee": mentee.pk, "mentor": mentor.pk},
        headers={"HX-Request": "true"},
    )
    assert "How well they fit" in preview.text
    assert f"fit <strong>{fit_percent(preview.context['preview']['score'].fit, 1)}" in preview.text
    assert preview.context["preview"]["score"].reasons[0] in preview.text
    created = client.post(
        world.url("relationships/new/"), {"mentee": mentee.pk, "mentor": mentor.pk}
    )
    assert created.status_code == 302
    assert Relationship.objects.get(mentee=mentee).source == Relationship.Source.MANUAL
    # now full and matched: neither is offered any more
    page = client.get(world.url("relationships/new/"))
    assert f'value="{mentee.pk}"' not in page.text
    assert f'value="{mentor.pk}"' not in page.text


def test_manual_pair_refusal_comes_back_filled_with_the_reason(world: World, login: Any) -> None:
    ready_program(world.program, world.coordinator)
    make_ready(membership(world.mentor), 1, capacity=1)
    mentee = make_ready(membership(world.mentee), 2)
    response = login(world.coordinator).post(
        world.url("relationships/new/"), {"mentee": mentee.pk, "mentor": ""}
    )
    assert response.status_code == 422
    assert "This field is required" in response.text
    assert f'value="{mentee.pk}" selected' in response.text
