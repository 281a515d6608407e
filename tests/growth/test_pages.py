"""Who reaches the goals pages: members read and write, everyone else gets 404; the
coordinator's alignment page never shows a goal's text its mentee did not share."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.growth.services import goals as services
from tests.conftest import World
from tests.growth.support import goal_of
from tests.mentoring.factories import Pair, workspace_url


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("mentee", 200), ("mentor", 200), ("other", 404), ("coordinator", 404), ("outsider", 404)],
)
def test_goals_page_is_for_members_only(
    world: World, pair: Pair, login: Any, viewer: str, status: int
) -> None:
    goal = goal_of(pair, statement="Chair the spring budget meeting zq17")
    people = {
        "mentee": world.mentee,
        "mentor": world.mentor,
        "other": pair.other_mentee,
        "coordinator": world.coordinator,
        "outsider": world.outsider,
    }
    client = login(people[viewer])
    base = workspace_url(world, pair.mentorship, "goals/")
    response = client.get(base)
    assert response.status_code == status
    if status == 200:
        assert "zq17" in response.text
    post = client.post(base + f"{goal.pk}/comments/", {"text": "Hello"})
    assert post.status_code == (302 if status == 200 else 404)


def test_alignment_shows_counts_but_never_unshared_text(
    world: World, pair: Pair, login: Any
) -> None:
    goal_of(pair, statement="Private statement xk42")
    shared = goal_of(pair, statement="Shared statement sh88")
    services.share_goal(shared, by=pair.mentee, shared=True)
    text = login(world.coordinator).get(world.url("goals/alignment/")).text
    assert "xk42" not in text
    assert "sh88" in text
    assert "2 goals" in text
    assert login(world.mentee).get(world.url("goals/alignment/")).status_code == 403


def test_goals_page_gives_each_goal_forms_of_their_own(
    world: World, pair: Pair, login: Any
) -> None:
    first = goal_of(pair, statement="Chair the spring budget meeting")
    second = goal_of(pair, statement="Write the committee's annual report")
    text = login(world.mentee).get(workspace_url(world, pair.mentorship, "goals/")).text
    for goal in (first, second):
        for field in ("milestone-title", "milestone-due_on", "comment-text", "drop-reason"):
            assert text.count(f'id="goal-{goal.pk}-{field}"') == 1, field
            assert text.count(f'for="goal-{goal.pk}-{field}"') == 1, field
    assert 'id="id_title"' not in text
    assert 'id="id_text"' not in text


def test_goals_page_says_a_step_is_added_and_a_comment_posted(
    world: World, pair: Pair, login: Any
) -> None:
    goal = goal_of(pair)
    client = login(world.mentor)
    base = workspace_url(world, pair.mentorship, "goals/")
    step = client.post(base + f"{goal.pk}/milestones/", {"title": "Book the room"}, follow=True)
    assert [str(m) for m in step.context["messages"]] == ["Step added: “Book the room”."]
    comment = client.post(base + f"{goal.pk}/comments/", {"text": "Good plan"}, follow=True)
    assert [str(m) for m in comment.context["messages"]] == ["Your comment is posted."]


def test_goals_page_is_in_the_growth_tools(world: World, pair: Pair, login: Any) -> None:
    goals = workspace_url(world, pair.mentorship, "goals/")
    client = login(world.mentee)
    assert f'<a href="{goals}" aria-current="page">Goals</a>' in client.get(goals).text
    journal = client.get(workspace_url(world, pair.mentorship, "journal/")).text
    assert f'<a href="{goals}">Goals</a>' in journal
