"""The goals API contract: writing a goal with every field, validation that names the field,
the mentor's suggestions, status changes, stale versions, milestones and progress, comments
that tell the other member, read-only tokens, and schemas at least as strict as the columns."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from tandem.accounts.enums import TokenScope
from tandem.accounts.services import create_api_token
from tandem.api.routers import goals as router
from tandem.core.models import AuditEntry
from tandem.growth.enums import GoalStatus
from tandem.growth.models import Goal, GoalComment, Milestone, ProgressCheckIn, Skill
from tandem.growth.services import goals as services
from tandem.growth.services.vocabulary import ensure_starter_skills
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tests.api.test_api import api
from tests.api.test_schema_strictness import problems_of
from tests.conftest import World
from tests.factories import MembershipFactory, ObjectiveFactory
from tests.growth.support import goal_of
from tests.mentoring.factories import Pair, make_pair

pytestmark = pytest.mark.django_db

PROGRAM = "/api/v1/organizations/northwind/programs/spring"


def goals_path(pair: Pair, suffix: str = "") -> str:
    return f"{PROGRAM}/mentorships/{pair.mentorship.pk}/goals{suffix}"


def in_a_month() -> str:
    return (timezone.localdate() + dt.timedelta(days=30)).isoformat()


def create(world: World, pair: Pair, **fields: Any) -> Any:
    return api(world.mentee).post(goals_path(pair), {"statement": "Chair a meeting", **fields})


# --- writing a goal -------------------------------------------------------------------------


def test_create_with_every_field(world: World, pair: Pair) -> None:
    objective = ObjectiveFactory(program=world.program)
    ensure_starter_skills(world.program)
    clarity, writing = Skill.objects.filter(program=world.program, name__in=["Clarity", "Writing"])
    template = world.program.goal_templates.first()
    deadline = in_a_month()
    response = api(world.mentee).post(
        goals_path(pair),
        {
            "statement": "Lead two committee meetings",
            "measure": "Two meetings chaired, feedback from two members",
            "target": "2 meetings",
            "achievable": "I already take the minutes",
            "relevant": "The committee needs a deputy chair",
            "deadline": deadline,
            "project": "Spring budget round",
            "objective_id": objective.pk,
            "skill_ids": [clarity.pk, writing.pk],
            "progress_mode": "manual",
            "template_id": template.pk,
            "activate": True,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    goal = Goal.objects.get()
    assert body["id"] == goal.pk
    assert body["mentorship_id"] == pair.mentorship.pk
    assert body["owner"] == {"membership_id": pair.mentee.pk, "name": world.mentee.display_name}
    assert body["suggested_by"] is None
    assert (body["statement"], body["measure"], body["target"]) == (
        "Lead two committee meetings",
        "Two meetings chaired, feedback from two members",
        "2 meetings",
    )
    assert (body["achievable"], body["relevant"], body["project"]) == (
        "I already take the minutes",
        "The committee needs a deputy chair",
        "Spring budget round",
    )
    assert body["deadline"] == deadline
    assert body["objective_id"] == objective.pk
    assert sorted(body["skill_ids"]) == sorted([clarity.pk, writing.pk])
    assert (body["status"], body["progress"], body["progress_mode"]) == ("active", 0, "manual")
    assert (body["version"], body["shared_with_program"], body["milestones"]) == (1, False, [])
    assert goal.template_id == template.pk
    assert goal.status == GoalStatus.ACTIVE
    assert goal.deadline == dt.date.fromisoformat(deadline)
    assert AuditEntry.objects.filter(action="goal.created", target_id=str(goal.pk)).count() == 1


def test_a_new_goal_is_a_draft_with_the_smart_helpers_prompts(world: World, pair: Pair) -> None:
    response = create(world, pair, statement="Improve my presentation skills")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft"
    codes = {p["code"] for p in body["prompts"]}
    assert {"no_measure", "no_deadline"} <= codes, codes
    assert any(p["field"] == "statement" for p in body["prompts"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("statement", "x" * (services.STATEMENT_MAX + 1)),
        ("statement", ""),
        ("measure", "m" * (services.MEASURE_MAX + 1)),
        ("target", "9" * (services.TARGET_MAX + 1)),
        ("achievable", "a" * (services.TEXT_MAX + 1)),
        ("relevant", "r" * (services.TEXT_MAX + 1)),
        ("project", "p" * (services.PROJECT_MAX + 1)),
        ("deadline", "next friday"),
        ("deadline", 20270101),
        ("deadline", "2027-02-30"),
        ("objective_id", "the first"),
        ("skill_ids", "clarity"),
        ("progress_mode", "vibes"),
        ("activate", "perhaps"),
    ],
)
def test_create_refuses_bad_input_with_422_naming_the_field(
    world: World, pair: Pair, field: str, value: Any
) -> None:
    body = {"statement": "Chair a meeting", field: value}
    response = api(world.mentee).post(goals_path(pair), body)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert response.json()["detail"].startswith(f"{field}: ")
    assert Goal.objects.count() == 0


def test_a_statement_at_the_limit_is_accepted(world: World, pair: Pair) -> None:
    response = create(world, pair, statement="x" * services.STATEMENT_MAX, target="9" * 200)
    assert response.status_code == 201, response.content
    assert len(Goal.objects.get().statement) == services.STATEMENT_MAX


def test_an_objective_of_another_program_is_refused_plainly(world: World, pair: Pair) -> None:
    elsewhere = ObjectiveFactory(program=world.other_program)
    response = create(world, pair, objective_id=elsewhere.pk)
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Choose one of the program's objectives.",
        "field": "objective_id",
    }
    missing = create(world, pair, objective_id=elsewhere.pk + 1000)
    assert missing.json() == response.json()
    assert Goal.objects.count() == 0


def test_skills_and_templates_of_another_program_are_refused(world: World, pair: Pair) -> None:
    ensure_starter_skills(world.other_program)
    skill = Skill.objects.filter(program=world.other_program).first()
    assert skill is not None
    response = create(world, pair, skill_ids=[skill.pk])
    assert (response.status_code, response.json()["field"]) == (422, "skill_ids")
    template = world.other_program.goal_templates.first()
    response = create(world, pair, template_id=template.pk)
    assert (response.status_code, response.json()["field"]) == (422, "template_id")
    assert Goal.objects.count() == 0


def test_the_mentor_cannot_create_a_goal(world: World, pair: Pair) -> None:
    response = api(world.mentor).post(goals_path(pair), {"statement": "Chair a meeting"})
    assert response.status_code == 422
    assert "suggest" in response.json()["detail"]
    assert Goal.objects.count() == 0


def test_markdown_with_scripts_in_a_comment_is_sanitised(world: World, pair: Pair) -> None:
    goal = goal_of(pair)
    response = api(world.mentor).post(
        goals_path(pair, f"/{goal.pk}/comments"),
        {"text": "**Good** <script>alert(1)</script>"},
    )
    assert response.status_code == 201
    assert "<script" not in response.json()["text_html"]
    assert "<strong>Good</strong>" in response.json()["text_html"]


# --- suggestions ----------------------------------------------------------------------------


def suggest(world: World, pair: Pair, **fields: Any) -> Any:
    return api(world.mentor).post(
        goals_path(pair, "/suggestions"), {"statement": "Chair one meeting", **fields}
    )


def test_the_mentor_suggests_and_the_mentee_accepts(world: World, pair: Pair) -> None:
    response = suggest(world, pair, measure="One meeting chaired")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "suggested"
    assert body["owner"]["membership_id"] == pair.mentee.pk
    assert body["suggested_by"]["membership_id"] == pair.mentor.pk
    note = Notification.objects.get(kind=NotificationKind.GOAL_SUGGESTED)
    assert note.recipient == world.mentee
    status = goals_path(pair, f"/{body['id']}/status")
    refused = api(world.mentor).post(status, {"action": "accept"})
    assert refused.status_code == 422
    assert Goal.objects.get().status == GoalStatus.SUGGESTED
    accepted = api(world.mentee).post(status, {"action": "accept"})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "draft"
    assert accepted.json()["version"] == 2
    assert Goal.objects.get().status == GoalStatus.DRAFT


def test_the_mentee_declines_a_suggestion_and_the_mentor_cannot(world: World, pair: Pair) -> None:
    goal_id = suggest(world, pair).json()["id"]
    status = goals_path(pair, f"/{goal_id}/status")
    assert api(world.mentor).post(status, {"action": "decline"}).status_code == 422
    assert Goal.objects.count() == 1
    declined = api(world.mentee).post(status, {"action": "decline"})
    assert declined.status_code == 204
    assert Goal.objects.count() == 0
    assert AuditEntry.objects.filter(action="goal.declined").count() == 1
    again = api(world.mentee).post(status, {"action": "accept"})
    assert again.status_code == 404


def test_the_mentee_cannot_suggest_and_a_suggestion_needs_a_mentee_of_the_mentorship(
    world: World, pair: Pair
) -> None:
    assert (
        api(world.mentee).post(goals_path(pair, "/suggestions"), {"statement": "X"}).status_code
        == 422
    )
    stranger = pair.other.members.get(role="mentee").membership
    response = suggest(world, pair, mentee_id=stranger.pk)
    assert response.status_code == 422
    assert response.json()["field"] == "mentee_id"
    assert Goal.objects.count() == 0


def test_a_suggestion_cannot_be_edited_or_given_steps_before_it_is_accepted(
    world: World, pair: Pair
) -> None:
    goal_id = suggest(world, pair).json()["id"]
    edit = api(world.mentee).patch(
        goals_path(pair, f"/{goal_id}"), {"version": 1, "statement": "Y"}
    )
    assert edit.status_code == 422
    step = api(world.mentee).post(goals_path(pair, f"/{goal_id}/milestones"), {"title": "A"})
    assert step.status_code == 422
    assert Goal.objects.get().statement == "Chair one meeting"
    assert Milestone.objects.count() == 0


# --- status ---------------------------------------------------------------------------------


def test_status_changes_and_dropping_needs_a_reason(world: World, pair: Pair) -> None:
    goal_id = create(world, pair).json()["id"]
    status = goals_path(pair, f"/{goal_id}/status")
    client = api(world.mentee)
    assert client.post(status, {"action": "activate"}).json()["status"] == "active"
    assert client.post(status, {"action": "activate"}).status_code == 422
    achieved = client.post(status, {"action": "achieve"}).json()
    assert achieved["status"] == "achieved"
    assert achieved["achieved_at"] is not None
    reopened = client.post(status, {"action": "reopen"}).json()
    assert (reopened["status"], reopened["achieved_at"]) == ("active", None)
    no_reason = client.post(status, {"action": "drop"})
    assert no_reason.status_code == 422
    assert no_reason.json()["field"] == "reason"
    blank = client.post(status, {"action": "drop", "reason": "   "})
    assert (blank.status_code, blank.json()["field"]) == (422, "reason")
    long = client.post(status, {"action": "drop", "reason": "x" * (services.REASON_MAX + 1)})
    assert (long.status_code, long.json()["field"]) == (422, "reason")
    assert Goal.objects.get().status == GoalStatus.ACTIVE
    dropped = client.post(status, {"action": "drop", "reason": "Priorities changed"}).json()
    assert (dropped["status"], dropped["dropped_reason"]) == ("dropped", "Priorities changed")
    assert client.post(status, {"action": "vanish"}).json()["field"] == "action"


def test_the_mentor_cannot_change_the_goals_status(world: World, pair: Pair) -> None:
    goal_id = create(world, pair).json()["id"]
    status = goals_path(pair, f"/{goal_id}/status")
    for action in ("activate", "achieve", "drop", "reopen"):
        response = api(world.mentor).post(status, {"action": action, "reason": "x"})
        assert response.status_code == 422, action
        assert "Only the mentee" in response.json()["detail"]
    assert Goal.objects.get().status == GoalStatus.DRAFT


# --- editing and stale versions -------------------------------------------------------------


def test_a_stale_version_is_409_naming_what_changed_and_nothing_is_written(
    world: World, pair: Pair
) -> None:
    goal_id = create(world, pair, measure="One meeting").json()["id"]
    path = goals_path(pair, f"/{goal_id}")
    client = api(world.mentee)
    first = client.patch(path, {"version": 1, "statement": "Chair two", "measure": "Two"})
    assert first.status_code == 200, first.content
    assert first.json()["version"] == 2
    stale = client.patch(path, {"version": 1, "target": "3 meetings"})
    assert stale.status_code == 409
    assert stale.json()["field"] == "version"
    assert "(the goal, how it is measured)" in stale.json()["detail"]
    assert stale.json()["changed"] == ["statement", "measure"]
    assert "Nothing was overwritten" in stale.json()["detail"]
    goal = Goal.objects.get()
    assert (goal.statement, goal.measure, goal.target, goal.version) == ("Chair two", "Two", "", 2)
    fresh = client.patch(path, {"version": 2, "target": "3 meetings"})
    assert fresh.status_code == 200
    assert Goal.objects.get().target == "3 meetings"


def test_a_409_names_the_changed_fields_as_the_api_does(world: World, pair: Pair) -> None:
    objective = ObjectiveFactory(program=world.program)
    goal_id = create(world, pair).json()["id"]
    path = goals_path(pair, f"/{goal_id}")
    client = api(world.mentee)
    assert client.patch(path, {"version": 1, "objective_id": objective.pk}).status_code == 200
    assert client.post(f"{path}/status", {"action": "activate"}).status_code == 200
    stale = client.patch(path, {"version": 1, "project": "Budget"})
    assert stale.status_code == 409
    assert stale.json()["changed"] == ["status", "objective_id"]  # the latest first
    assert Goal.objects.get().project == ""


def test_patch_changes_only_the_fields_sent(world: World, pair: Pair) -> None:
    deadline = in_a_month()
    goal_id = create(world, pair, measure="One meeting", deadline=deadline).json()["id"]
    path = goals_path(pair, f"/{goal_id}")
    response = api(world.mentee).patch(path, {"version": 1, "project": "Budget"})
    assert response.status_code == 200
    goal = Goal.objects.get()
    assert (goal.statement, goal.measure, goal.project) == (
        "Chair a meeting",
        "One meeting",
        "Budget",
    )
    assert goal.deadline == dt.date.fromisoformat(deadline)


def test_patch_with_null_text_leaves_it_as_it_is(world: World, pair: Pair) -> None:
    goal_id = create(world, pair, measure="One meeting").json()["id"]
    path = goals_path(pair, f"/{goal_id}")
    response = api(world.mentee).patch(path, {"version": 1, "statement": None, "measure": None})
    assert response.status_code == 200, response.content
    goal = Goal.objects.get()
    assert (goal.statement, goal.measure) == ("Chair a meeting", "One meeting")


def test_patch_refuses_a_too_long_statement_naming_it(world: World, pair: Pair) -> None:
    goal_id = create(world, pair).json()["id"]
    response = api(world.mentee).patch(
        goals_path(pair, f"/{goal_id}"), {"version": 1, "statement": "x" * 301}
    )
    assert (response.status_code, response.json()["field"]) == (422, "statement")
    assert Goal.objects.get().version == 1


def test_the_mentee_shares_a_goal_with_the_program(world: World, pair: Pair) -> None:
    goal_id = create(world, pair).json()["id"]
    response = api(world.mentee).patch(
        goals_path(pair, f"/{goal_id}"), {"version": 1, "shared_with_program": True}
    )
    assert response.status_code == 200
    assert response.json()["shared_with_program"] is True
    assert Goal.objects.get().shared_with_program is True


def test_a_goal_moves_only_to_a_mentorship_the_mentee_is_in(world: World, pair: Pair) -> None:
    goal_id = create(world, pair).json()["id"]
    path = goals_path(pair, f"/{goal_id}")
    refused = api(world.mentee).patch(path, {"version": 1, "mentorship_id": pair.other.pk})
    assert refused.status_code == 422
    assert refused.json()["field"] == "mentorship_id"
    assert Goal.objects.get().mentorship_id == pair.mentorship.pk
    second = make_pair(
        world.program,
        mentor=MembershipFactory(program=world.program, role="mentor"),
        mentee=pair.mentee,
    )
    moved = api(world.mentee).patch(path, {"version": 1, "mentorship_id": second.pk})
    assert moved.status_code == 200, moved.content
    assert moved.json()["mentorship_id"] == second.pk
    assert Goal.objects.get().mentorship_id == second.pk


def test_a_patch_refused_in_part_writes_nothing(world: World, pair: Pair) -> None:
    goal_id = create(world, pair).json()["id"]
    response = api(world.mentee).patch(
        goals_path(pair, f"/{goal_id}"),
        {
            "version": 1,
            "statement": "Chair two meetings",
            "shared_with_program": True,
            "mentorship_id": pair.other.pk,
        },
    )
    assert (response.status_code, response.json()["field"]) == (422, "mentorship_id")
    goal = Goal.objects.get()
    assert (goal.statement, goal.shared_with_program, goal.version) == (
        "Chair a meeting",
        False,
        1,
    )
    assert goal.mentorship_id == pair.mentorship.pk


# --- milestones and progress ----------------------------------------------------------------


def test_milestones_add_patch_and_done_move_progress(world: World, pair: Pair) -> None:
    deadline = timezone.localdate() + dt.timedelta(days=30)
    goal_id = create(world, pair, deadline=deadline.isoformat()).json()["id"]
    steps = goals_path(pair, f"/{goal_id}/milestones")
    mentee, mentor = api(world.mentee), api(world.mentor)
    for title in ("Draft the agenda", "Book the room", "Chair it"):
        response = mentee.post(steps, {"title": title, "owner": pair.mentee.pk})
        assert response.status_code == 201, response.content
    milestones = response.json()["milestones"]
    assert [m["title"] for m in milestones] == ["Draft the agenda", "Book the room", "Chair it"]
    assert response.json()["progress"] == 0
    ids = [m["id"] for m in milestones]
    late = (deadline + dt.timedelta(days=3)).isoformat()
    patched = mentor.patch(f"{steps}/{ids[2]}", {"title": "Chair the meeting", "due_on": late})
    assert patched.status_code == 200, patched.content
    third = patched.json()["milestones"][2]
    assert (third["title"], third["due_on"], third["after_deadline"]) == (
        "Chair the meeting",
        late,
        True,
    )
    assert "milestone_after_deadline" in {p["code"] for p in patched.json()["prompts"]}
    progress = []
    for milestone_id, client in zip(ids, (mentee, mentor, mentee), strict=True):
        done = client.patch(f"{steps}/{milestone_id}", {"done": True})
        assert done.status_code == 200
        progress.append(done.json()["progress"])
    # Rounded down: 100% only once every step is done.
    assert progress == [33, 66, 100]
    assert Goal.objects.get().progress == 100
    undone = mentee.patch(f"{steps}/{ids[0]}", {"done": False})
    assert undone.json()["progress"] == 66
    assert [m["done"] for m in undone.json()["milestones"]] == [False, True, True]


def test_a_milestone_owner_must_be_a_member_and_the_title_is_limited(
    world: World, pair: Pair
) -> None:
    goal_id = create(world, pair).json()["id"]
    steps = goals_path(pair, f"/{goal_id}/milestones")
    stranger = pair.other.members.get(role="mentee").membership
    response = api(world.mentee).post(steps, {"title": "Step", "owner": stranger.pk})
    assert (response.status_code, response.json()["field"]) == (422, "owner")
    long = api(world.mentee).post(steps, {"title": "x" * (services.MILESTONE_TITLE_MAX + 1)})
    assert (long.status_code, long.json()["field"]) == (422, "title")
    bad_date = api(world.mentee).post(steps, {"title": "Step", "due_on": "soon"})
    assert (bad_date.status_code, bad_date.json()["field"]) == (422, "due_on")
    assert Milestone.objects.count() == 0


def test_a_milestone_of_another_goal_is_404(world: World, pair: Pair) -> None:
    first, second = goal_of(pair), goal_of(pair, statement="Another goal")
    step = services.add_milestone(first, by=pair.mentee, title="Step")
    response = api(world.mentee).patch(
        goals_path(pair, f"/{second.pk}/milestones/{step.pk}"), {"done": True}
    )
    assert response.status_code == 404
    assert Milestone.objects.get().done_at is None


def test_check_in_sets_progress_by_hand_within_0_100(world: World, pair: Pair) -> None:
    goal_id = create(world, pair, progress_mode="manual", activate=True).json()["id"]
    path = goals_path(pair, f"/{goal_id}/check-ins")
    for bad in (-1, 101, "half"):
        response = api(world.mentee).post(path, {"progress": bad})
        assert (response.status_code, response.json()["field"]) == (422, "progress"), bad
    response = api(world.mentee).post(path, {"progress": 40, "note": "Agenda drafted"})
    assert response.status_code == 201
    assert (response.json()["progress"], response.json()["note"]) == (40, "Agenda drafted")
    assert Goal.objects.get().progress == 40
    assert ProgressCheckIn.objects.count() == 1


def test_check_in_on_a_goal_counted_by_milestones_is_refused(world: World, pair: Pair) -> None:
    goal_id = create(world, pair).json()["id"]
    response = api(world.mentee).post(goals_path(pair, f"/{goal_id}/check-ins"), {"progress": 50})
    assert (response.status_code, response.json()["field"]) == (422, "progress")
    assert ProgressCheckIn.objects.count() == 0


# --- comments -------------------------------------------------------------------------------


def test_a_comment_tells_the_other_member_only(world: World, pair: Pair) -> None:
    goal = goal_of(pair)
    step = services.add_milestone(goal, by=pair.mentee, title="Draft the agenda")
    path = goals_path(pair, f"/{goal.pk}/comments")
    response = api(world.mentor).post(path, {"text": "Start with the budget"})
    assert response.status_code == 201, response.content
    assert response.json()["author"]["membership_id"] == pair.mentor.pk
    assert response.json()["milestone_id"] is None
    notes = Notification.objects.filter(kind=NotificationKind.GOAL_COMMENTED)
    assert [n.recipient_id for n in notes] == [world.mentee.pk]
    on_step = api(world.mentee).post(path, {"text": "Done today", "milestone_id": step.pk})
    assert on_step.status_code == 201
    assert on_step.json()["milestone_id"] == step.pk
    recipients = sorted(notes.values_list("recipient_id", flat=True))
    assert recipients == sorted([world.mentee.pk, world.mentor.pk])
    latest = notes.order_by("id").last()
    assert latest is not None
    assert latest.recipient == world.mentor
    assert "Draft the agenda" in latest.body
    assert GoalComment.objects.filter(milestone=step).get().text == "Done today"


def test_a_comment_on_a_milestone_of_another_goal_is_refused(world: World, pair: Pair) -> None:
    first, second = goal_of(pair), goal_of(pair, statement="Another goal")
    step = services.add_milestone(first, by=pair.mentee, title="Step")
    response = api(world.mentor).post(
        goals_path(pair, f"/{second.pk}/comments"), {"text": "Hi", "milestone_id": step.pk}
    )
    assert (response.status_code, response.json()["field"]) == (422, "milestone_id")
    empty = api(world.mentor).post(goals_path(pair, f"/{second.pk}/comments"), {"text": ""})
    assert (empty.status_code, empty.json()["field"]) == (422, "text")
    assert GoalComment.objects.count() == 0
    assert Notification.objects.filter(kind=NotificationKind.GOAL_COMMENTED).count() == 0


# --- tokens ---------------------------------------------------------------------------------


def test_a_read_only_token_reads_but_cannot_write(world: World, pair: Pair) -> None:
    goal = goal_of(pair)
    step = services.add_milestone(goal, by=pair.mentee, title="Step")
    _, raw = create_api_token(world.mentee, by=world.mentee, name="ro", scope=TokenScope.READ)
    client = Client(headers={"authorization": f"Bearer {raw}"})
    assert client.get(goals_path(pair)).status_code == 200
    assert client.get(goals_path(pair, f"/{goal.pk}")).status_code == 200
    writes = [
        ("post", goals_path(pair), {"statement": "New"}),
        ("post", goals_path(pair, "/suggestions"), {"statement": "New"}),
        ("patch", goals_path(pair, f"/{goal.pk}"), {"version": 1, "statement": "Changed"}),
        ("post", goals_path(pair, f"/{goal.pk}/status"), {"action": "activate"}),
        ("post", goals_path(pair, f"/{goal.pk}/check-ins"), {"progress": 10}),
        ("post", goals_path(pair, f"/{goal.pk}/milestones"), {"title": "Another"}),
        ("patch", goals_path(pair, f"/{goal.pk}/milestones/{step.pk}"), {"done": True}),
        ("post", goals_path(pair, f"/{goal.pk}/comments"), {"text": "Hi"}),
    ]
    for method, path, body in writes:
        response = getattr(client, method)(path, body, content_type="application/json")
        assert response.status_code == 403, path
        assert "read-only" in response.json()["detail"]
    goal.refresh_from_db()
    assert (goal.statement, goal.status, goal.version) == (
        "Lead two committee meetings",
        GoalStatus.DRAFT,
        1,
    )
    assert (Goal.objects.count(), Milestone.objects.count(), GoalComment.objects.count()) == (
        1,
        1,
        0,
    )
    assert Milestone.objects.get().done_at is None


# --- schemas against the model --------------------------------------------------------------


#: Schema field → model field where the names differ.
GOAL_FIELDS = {"objective_id": "objective", "skill_ids": "skills"}


@pytest.mark.parametrize(
    ("schema", "label"),
    [
        (router.GoalIn, "growth.Goal"),
        (router.SuggestionIn, "growth.Goal"),
        (router.GoalPatch, "growth.Goal"),
        (router.MilestoneIn, "growth.Milestone"),
        (router.MilestonePatch, "growth.Milestone"),
        (router.CommentIn, "growth.GoalComment"),
        (router.CheckInIn, "growth.ProgressCheckIn"),
    ],
)
def test_goal_schemas_are_as_strict_as_the_columns(schema: Any, label: str) -> None:
    assert problems_of(schema, apps.get_model(label)) == []


def test_every_text_field_of_goal_in_is_bounded_by_its_column() -> None:
    """Walk GoalIn: every str field names a Goal column, and its max_length is at most the
    column's (TextFields are bounded by the service's limit); a drift either way fails."""
    from annotated_types import MaxLen

    model = apps.get_model("growth.Goal")
    columns = {f.name: f for f in model._meta.get_fields() if hasattr(f, "column")}
    for name, info in router.GoalIn.model_fields.items():
        if info.annotation is not str:
            continue
        column = columns[GOAL_FIELDS.get(name, name)]
        limit = min(m.max_length for m in info.metadata if isinstance(m, MaxLen))
        if column.max_length is not None:
            assert limit == column.max_length, name
        else:
            assert limit == services.TEXT_MAX, name
    reason = router.StatusIn.model_fields["reason"]
    assert min(m.max_length for m in reason.metadata if isinstance(m, MaxLen)) == (
        model._meta.get_field("dropped_reason").max_length
    )


def test_the_schema_walk_covers_every_goal_in_field() -> None:
    model = apps.get_model("growth.Goal")
    columns = {f.name for f in model._meta.get_fields()}
    not_columns = {"template_id", "activate", "mentee_id"}
    fields = set(router.SuggestionIn.model_fields)
    assert {GOAL_FIELDS.get(n, n) for n in fields - not_columns} <= columns
