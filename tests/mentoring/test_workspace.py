"""The mentorship's workspace: what its members see, who else may open it, the status banners,
the "my mentorship" link and the links from the participant's pages."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.utils import timezone

from tandem.mentoring.enums import RelationshipStatus
from tandem.mentoring.models import Meeting, Mentorship, Message
from tandem.mentoring.queries.workspace import next_step, time_zone_of
from tandem.programs.enums import Role
from tests.conftest import World
from tests.factories import MembershipFactory
from tests.mentoring.factories import Pair, everyone, make_group, make_pair, workspace_url


def test_workspace_shows_who_is_in_it_with_contact_and_local_time(
    world: World, pair: Pair, login: Any
) -> None:
    mentor = world.mentor
    mentor.pronouns, mentor.time_zone = "she/her", "Asia/Tokyo"
    mentor.save()
    pair.mentor.answers = {"skills_offered": ["Negotiation"], "industry": "Logistics"}
    pair.mentor.save()
    pair.mentee.answers = {"skills_wanted": ["negotiation"], "industry": "Logistics"}
    pair.mentee.save()
    response = login(world.mentee).get(workspace_url(world, pair.mentorship))
    assert response.status_code == 200
    text = response.text
    assert "Your shared space" in text
    assert f'{mentor.display_name} <span class="muted">(she/her)</span>' in text
    assert f'<a href="mailto:{mentor.email}">{mentor.email}</a>' in text
    assert "Asia/Tokyo" in text
    tokyo_now = timezone.now().astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert tokyo_now.strftime("%A") in text
    assert f"{mentor.get_short_name()} offers Negotiation, which you want to grow." in text
    assert "You both work in Logistics." in text
    assert "Industry: Logistics" in text
    assert "Schedule your first meeting" in text
    assert 'id="messages-panel"' in text
    assert "mentoring/workspace.css" in text


def test_workspace_has_no_inline_script_or_style(world: World, pair: Pair, login: Any) -> None:
    text = login(world.mentee).get(workspace_url(world, pair.mentorship)).text
    main = text[text.index("<main") : text.index("</main>")]
    assert "<script" not in main
    assert "style=" not in main
    assert " onclick" not in main


def test_workspace_of_a_group_names_the_facilitator(world: World, login: Any) -> None:
    facilitator = MembershipFactory(program=world.program, role=Role.MENTOR)
    mentees = [MembershipFactory(program=world.program, role=Role.MENTEE) for _ in range(2)]
    mentorship = make_group(world.program, facilitators=[facilitator], mentees=mentees)
    response = login(mentees[0].user).get(workspace_url(world, mentorship))
    assert response.status_code == 200
    assert "<h1>Harbour</h1>" in response.text
    assert "Facilitator" in response.text
    assert mentees[1].user.display_name in response.text


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("member", 200), ("other_participant", 404), ("coordinator", 404), ("outsider", 404)],
)
def test_workspace_privacy_matrix(
    world: World, pair: Pair, login: Any, viewer: str, status: int
) -> None:
    Message.objects.create(mentorship=pair.mentorship, author=pair.mentor, body="Secret plan")
    response = login(everyone(world, pair)[viewer]).get(workspace_url(world, pair.mentorship))
    assert response.status_code == status
    assert ("Secret plan" in response.text) is (status == 200)


def test_workspace_of_a_missing_mentorship_is_the_same_404(
    world: World, pair: Pair, login: Any
) -> None:
    response = login(world.mentee).get(world.url("mentorships/999999/"))
    assert response.status_code == 404


@pytest.mark.parametrize("count", [1, 30])
def test_workspace_query_count_is_constant(
    world: World, pair: Pair, login: Any, django_assert_num_queries: Any, count: int
) -> None:
    start = timezone.now() - dt.timedelta(days=60)
    Meeting.objects.bulk_create(
        [
            Meeting(
                mentorship=pair.mentorship,
                start=start + dt.timedelta(days=2 * n),
                duration_minutes=45,
                timezone="Europe/Berlin",
            )
            for n in range(count)
        ]
    )
    Message.objects.bulk_create(
        [Message(mentorship=pair.mentorship, author=pair.mentor, body="x") for _ in range(count)]
    )
    client = login(world.mentee)
    url = workspace_url(world, pair.mentorship)
    client.get(url)
    # 18 for the workspace's own panels, 2 for the goals panel (goals, celebrations) and 3 for
    # the "Your growth" panel (plans, the mentee's self-assessments, feedback requests).
    with django_assert_num_queries(23):
        response = client.get(url)
    assert response.status_code == 200


def test_proposed_mentorship_shows_confirm_and_decline(
    world: World, pair: Pair, login: Any
) -> None:
    Mentorship.objects.filter(pk=pair.mentorship.pk).update(
        status=RelationshipStatus.PROPOSED, confirm_by=timezone.now() + dt.timedelta(days=5)
    )
    pair.mentorship.members.update(confirmed_at=None)
    text = login(world.mentee).get(workspace_url(world, pair.mentorship)).text
    assert "Please confirm this match" in text
    assert "Confirm this match</button>" in text
    assert "Decline and tell the coordinators</button>" in text
    assert "Confirm this match, or decline it and say why." in text


@pytest.mark.parametrize(
    ("status", "banner"),
    [
        (RelationshipStatus.CLOSING, "Your mentorship is closing"),
        (RelationshipStatus.COMPLETED, "Your mentorship is complete"),
        (RelationshipStatus.ENDED_EARLY, "This mentorship has ended"),
    ],
)
def test_workspace_banners(
    world: World, pair: Pair, login: Any, status: RelationshipStatus, banner: str
) -> None:
    Mentorship.objects.filter(pk=pair.mentorship.pk).update(status=status)
    text = login(world.mentee).get(workspace_url(world, pair.mentorship)).text
    assert banner in text
    read_only = status != RelationshipStatus.CLOSING
    assert ("The conversation is read-only" in text) is read_only
    assert ("Send</button>" in text) is not read_only


def test_next_step_follows_the_figures(pair: Pair) -> None:
    mentorship = Mentorship.objects.get(pk=pair.mentorship.pk)
    mentor = pair.member(pair.mentor)
    assert next_step(mentorship, mentor).anchor == "#meetings"
    mentorship.meetings_scheduled, mentorship.records_missing = 2, 1
    assert next_step(mentorship, mentor).text.startswith("Write the record")
    assert next_step(mentorship, pair.member(pair.mentee)).text.startswith("Set your next")
    mentorship.next_meeting_at = timezone.now()
    mentorship.action_items_open = 2
    assert next_step(mentorship, pair.member(pair.mentee)).text == (
        "Work on your 2 open action items before you meet."
    )


def test_time_zone_comes_from_the_account_or_the_profile(pair: Pair) -> None:
    membership = pair.mentee
    membership.user.time_zone = "UTC"
    membership.answers = {"time_zone": "America/Lima"}
    assert time_zone_of(membership) == "America/Lima"
    membership.answers = {"time_zone": "Not/AZone"}
    assert time_zone_of(membership) == "UTC"
    membership.user.time_zone = "Europe/Paris"
    membership.answers = {"time_zone": "America/Lima"}
    assert time_zone_of(membership) == "Europe/Paris"


# --- getting there ---------------------------------------------------------------------------


def test_my_mentorship_redirects_to_the_only_one(world: World, pair: Pair, login: Any) -> None:
    response = login(world.mentee).get(world.url("my-mentorship/"))
    assert response.status_code == 302
    assert response["Location"] == workspace_url(world, pair.mentorship)


def test_my_mentorship_offers_a_choice_between_several(
    world: World, pair: Pair, login: Any
) -> None:
    second = MembershipFactory(program=world.program, role=Role.MENTEE)
    other = make_pair(world.program, mentor=pair.mentor, mentee=second)
    response = login(world.mentor).get(world.url("my-mentorship/"))
    assert response.status_code == 200
    assert workspace_url(world, pair.mentorship) in response.text
    assert workspace_url(world, other) in response.text
    assert second.user.display_name in response.text


def test_my_mentorship_without_one_says_so(world: World, login: Any) -> None:
    response = login(world.mentee).get(world.url("my-mentorship/"))
    assert response.status_code == 200
    assert "You do not have a shared space yet" in response.text


def test_my_mentorship_is_for_participants(world: World, login: Any) -> None:
    assert login(world.coordinator).get(world.url("my-mentorship/")).status_code == 403
    assert login(world.outsider).get(world.url("my-mentorship/")).status_code == 404


def test_home_and_program_page_link_to_the_shared_space(
    world: World, pair: Pair, login: Any
) -> None:
    client = login(world.mentee)
    link = f'href="{world.url("my-mentorship/")}"'
    assert link in client.get("/").text
    assert link in client.get(world.url()).text
    assert link not in login(world.coordinator).get("/").text


def test_my_match_links_to_the_workspace(world: World, pair: Pair, login: Any) -> None:
    text = login(world.mentee).get(world.url("match/")).text
    assert f'href="{workspace_url(world, pair.mentorship)}"' in text
    assert "Open your shared space" in text
