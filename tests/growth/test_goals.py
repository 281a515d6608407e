"""The goal services: states, progress maths, celebrations once, stale versions, 0–100,
moving a goal, who may write, the audit log and the vocabulary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.core.models import AuditEntry
from tandem.growth.enums import CelebrationKind, GoalStatus, ProgressMode
from tandem.growth.models import Celebration, Goal, GoalComment, GoalTemplate, Skill
from tandem.growth.queries.goals import program_figures
from tandem.growth.services import goals as services
from tandem.growth.services import vocabulary
from tandem.growth.services.goals import GoalInput
from tandem.mentoring.enums import EndReason
from tandem.mentoring.models import Relationship
from tandem.mentoring.services.mentorships import end_relationship
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tandem.programs.models import Objective
from tests.conftest import World
from tests.growth.support import goal_of
from tests.mentoring.factories import Pair, make_pair, membership_of


def _objective(world: World, statement: str = "Grow the committee's leaders") -> Objective:
    return Objective.objects.create(
        program=world.program,
        statement=statement,
        metric="leaders",
        target_value=10,
        deadline=world.program.ends_on,
    )


def test_the_mentee_creates_a_draft_with_objective_and_skills(world: World, pair: Pair) -> None:
    objective = _objective(world)
    vocabulary.ensure_starter_skills(world.program)
    clarity = Skill.objects.get(program=world.program, name="Clarity")
    goal = goal_of(pair, objective_id=objective.pk, skill_ids=[clarity.pk])
    goal = Goal.objects.get(pk=goal.pk)
    assert goal.status == GoalStatus.DRAFT
    assert goal.owner == pair.mentee
    assert goal.program_id == world.program.pk
    assert goal.objective == objective
    assert list(goal.skills.all()) == [clarity]
    assert AuditEntry.objects.filter(action="goal.created", target_id=str(goal.pk)).count() == 1


def test_the_mentor_cannot_create_a_goal_but_suggests_one(world: World, pair: Pair) -> None:
    with pytest.raises(ServiceError, match="suggest"):
        services.create_goal(pair.mentorship, by=pair.mentor, data=GoalInput(statement="Lead"))
    goal = services.suggest_goal(
        pair.mentorship, by=pair.mentor, data=GoalInput(statement="Chair one meeting")
    )
    assert goal.status == GoalStatus.SUGGESTED
    assert goal.owner == pair.mentee
    assert goal.suggested_by == pair.mentor
    note = Notification.objects.get(kind=NotificationKind.GOAL_SUGGESTED)
    assert note.recipient == world.mentee
    accepted = services.accept_suggestion(goal, by=pair.mentee)
    assert accepted.status == GoalStatus.DRAFT


def test_a_declined_suggestion_is_removed(pair: Pair) -> None:
    goal = services.suggest_goal(pair.mentorship, by=pair.mentor, data=GoalInput(statement="X"))
    with pytest.raises(ServiceError):
        services.decline_suggestion(goal, by=pair.mentor)
    services.decline_suggestion(goal, by=pair.mentee)
    assert not Goal.objects.exists()
    assert AuditEntry.objects.filter(action="goal.declined").count() == 1


def test_participants_of_another_mentorship_cannot_write(pair: Pair) -> None:
    stranger = pair.other.members.get(role="mentee").membership
    with pytest.raises(ServiceError, match="Only the members"):
        services.create_goal(pair.mentorship, by=stranger, data=GoalInput(statement="Lead"))
    goal = goal_of(pair)
    with pytest.raises(ServiceError, match="Only the members"):
        services.add_milestone(goal, by=stranger, title="Sneak in")
    with pytest.raises(ServiceError, match="Only the members"):
        services.comment_on_goal(goal, by=stranger, text="Hi")


def test_only_the_owner_changes_the_goal(pair: Pair) -> None:
    goal = goal_of(pair)
    with pytest.raises(ServiceError, match="Only the mentee whose goal"):
        services.activate_goal(goal, by=pair.mentor)
    with pytest.raises(ServiceError, match="Only the mentee whose goal"):
        services.update_goal(goal, by=pair.mentor, data=GoalInput(statement="Mine"), version=1)


def test_states_draft_active_achieved_reopened_dropped(pair: Pair) -> None:
    goal = goal_of(pair)
    goal = services.activate_goal(goal, by=pair.mentee)
    assert goal.status == GoalStatus.ACTIVE
    with pytest.raises(ServiceError, match="Only a draft"):
        services.activate_goal(goal, by=pair.mentee)
    goal = services.achieve_goal(goal, by=pair.mentee)
    assert goal.status == GoalStatus.ACHIEVED
    assert goal.achieved_at is not None
    goal = services.reopen_goal(goal, by=pair.mentee)
    assert goal.status == GoalStatus.ACTIVE
    assert goal.achieved_at is None
    with pytest.raises(ServiceError) as raised:
        services.drop_goal(goal, by=pair.mentee, reason="   ")
    assert raised.value.field == "reason"
    goal = services.drop_goal(goal, by=pair.mentee, reason="Priorities changed")
    assert Goal.objects.get(pk=goal.pk).dropped_reason == "Priorities changed"
    assert Goal.objects.get(pk=goal.pk).status == GoalStatus.DROPPED


def test_progress_is_the_share_of_milestones_done(pair: Pair) -> None:
    goal = goal_of(pair)
    steps = [
        services.add_milestone(goal, by=pair.mentee, title=f"Step {n}", owner=pair.mentee)
        for n in range(3)
    ]
    assert Goal.objects.get(pk=goal.pk).progress == 0
    services.set_milestone_done(steps[0], by=pair.mentor, done=True)
    assert Goal.objects.get(pk=goal.pk).progress == 33
    services.set_milestone_done(steps[1], by=pair.mentee, done=True)
    assert Goal.objects.get(pk=goal.pk).progress == 66
    services.set_milestone_done(steps[2], by=pair.mentee, done=True)
    assert Goal.objects.get(pk=goal.pk).progress == 100
    services.remove_milestone(steps[2], by=pair.mentee)
    assert Goal.objects.get(pk=goal.pk).progress == 100
    services.set_milestone_done(steps[1], by=pair.mentee, done=False)
    assert Goal.objects.get(pk=goal.pk).progress == 50


def test_a_milestone_owner_must_be_a_member(pair: Pair) -> None:
    goal = goal_of(pair)
    stranger = pair.other.members.get(role="mentee").membership
    with pytest.raises(ServiceError) as raised:
        services.add_milestone(goal, by=pair.mentee, title="Step", owner=stranger)
    assert raised.value.field == "owner"


def test_a_milestone_done_celebrates_once_and_tells_both(world: World, pair: Pair) -> None:
    goal = goal_of(pair)
    step = services.add_milestone(goal, by=pair.mentee, title="Draft the agenda")
    services.set_milestone_done(step, by=pair.mentee, done=True)
    services.set_milestone_done(step, by=pair.mentee, done=False)
    services.set_milestone_done(step, by=pair.mentee, done=True)
    assert Celebration.objects.get().kind == CelebrationKind.MILESTONE_DONE
    notes = Notification.objects.filter(kind=NotificationKind.MILESTONE_DONE)
    assert sorted(n.recipient_id for n in notes) == sorted([world.mentor.pk, world.mentee.pk])
    assert "100%" in notes[0].body


def test_a_goal_achieved_twice_in_a_day_counts_once(world: World, pair: Pair) -> None:
    goal = goal_of(pair)
    now = timezone.now()
    services.achieve_goal(goal, by=pair.mentee, now=now)
    services.reopen_goal(goal, by=pair.mentee)
    services.achieve_goal(goal, by=pair.mentee, now=now + dt.timedelta(minutes=5))
    assert Celebration.objects.filter(kind=CelebrationKind.GOAL_ACHIEVED).count() == 1
    assert Notification.objects.filter(kind=NotificationKind.GOAL_ACHIEVED).count() == 2
    figures = program_figures(world.program, now=now)
    assert figures.achieved == 1
    assert figures.achieved_this_month == 1
    assert figures.goals_set == 1


def test_a_goal_achieved_again_on_another_day_celebrates_again(pair: Pair) -> None:
    goal = goal_of(pair)
    now = timezone.now()
    services.achieve_goal(goal, by=pair.mentee, now=now)
    services.reopen_goal(goal, by=pair.mentee)
    services.achieve_goal(goal, by=pair.mentee, now=now + dt.timedelta(days=2))
    assert Celebration.objects.count() == 2


def test_a_stale_version_is_told_what_changed_and_nothing_is_overwritten(pair: Pair) -> None:
    goal = goal_of(pair)
    services.update_goal(
        goal,
        by=pair.mentee,
        data=GoalInput(statement="Lead three committee meetings", deadline=goal.deadline),
        version=1,
    )
    with pytest.raises(services.StaleGoal) as raised:
        services.update_goal(
            goal, by=pair.mentee, data=GoalInput(statement="Something else"), version=1
        )
    assert raised.value.field == "version"
    assert "the goal" in raised.value.message
    assert "how it is measured" in raised.value.message
    assert "statement" in raised.value.changed
    fresh = Goal.objects.get(pk=goal.pk)
    assert fresh.statement == "Lead three committee meetings"
    assert fresh.version == 2


def test_check_in_sets_progress_by_hand_and_refuses_outside_0_100(pair: Pair) -> None:
    goal = goal_of(pair, progress_mode=ProgressMode.MANUAL)
    for bad in (-1, 101, 250):
        with pytest.raises(ServiceError) as raised:
            services.check_in(goal, by=pair.mentee, progress=bad, note="x")
        assert raised.value.field == "progress"
    services.check_in(goal, by=pair.mentee, progress=40, note="Half the agenda done")
    assert Goal.objects.get(pk=goal.pk).progress == 40
    assert goal.check_ins.get().note == "Half the agenda done"


def test_check_in_is_refused_on_a_goal_counted_by_milestones(pair: Pair) -> None:
    goal = goal_of(pair)
    with pytest.raises(ServiceError, match="from its milestones"):
        services.check_in(goal, by=pair.mentee, progress=50)


def test_moving_a_goal_to_a_mentorship_the_mentee_is_not_in_is_refused(pair: Pair) -> None:
    goal = goal_of(pair)
    with pytest.raises(ServiceError) as raised:
        services.move_goal(goal, by=pair.mentee, to=pair.other)
    assert raised.value.field == "mentorship"
    assert Goal.objects.get(pk=goal.pk).mentorship_id == pair.mentorship.pk


def test_moving_a_goal_to_another_mentorship_of_the_mentee(world: World, pair: Pair) -> None:
    goal = goal_of(pair)
    new_mentor = membership_of(pair.other_mentor, world.program)
    second = make_pair(world.program, mentor=new_mentor, mentee=pair.mentee)
    services.move_goal(goal, by=pair.mentee, to=second)
    assert Goal.objects.get(pk=goal.pk).mentorship_id == second.pk


def test_an_objective_of_another_program_is_refused(world: World, pair: Pair) -> None:
    elsewhere = Objective.objects.create(
        program=world.other_program,
        statement="Other",
        metric="m",
        target_value=1,
        deadline=world.other_program.ends_on,
    )
    with pytest.raises(ServiceError) as raised:
        goal_of(pair, objective_id=elsewhere.pk)
    assert raised.value.field == "objective"


def test_comments_by_the_mentor_on_a_goal_and_a_milestone_tell_the_mentee(
    world: World, pair: Pair
) -> None:
    goal = goal_of(pair)
    step = services.add_milestone(goal, by=pair.mentee, title="Draft the agenda")
    services.comment_on_goal(goal, by=pair.mentor, text="Great goal")
    services.comment_on_goal(goal, by=pair.mentor, text="Start here", milestone=step)
    assert GoalComment.objects.filter(milestone=step).get().text == "Start here"
    notes = Notification.objects.filter(kind=NotificationKind.GOAL_COMMENTED)
    assert {n.recipient_id for n in notes} == {world.mentee.pk}
    assert "Draft the agenda" in notes.order_by("id").last().body  # type: ignore[union-attr]


def test_an_ended_mentorship_is_read_only(world: World, pair: Pair) -> None:
    goal = goal_of(pair)
    relationship = Relationship.objects.get(mentorship=pair.mentorship)
    end_relationship(relationship, by=world.mentee, reason=EndReason.SCHEDULES)
    with pytest.raises(ServiceError, match="not active any more"):
        services.add_milestone(goal, by=pair.mentee, title="Late")


def test_text_is_limited_and_nul_refused(pair: Pair) -> None:
    with pytest.raises(ServiceError) as raised:
        goal_of(pair, statement="x" * 301)
    assert raised.value.field == "statement"
    with pytest.raises(ServiceError) as raised:
        goal_of(pair, statement="a\x00b")
    assert raised.value.field == "statement"


# --- vocabulary ---------------------------------------------------------------------------


def test_starter_skills_are_seeded_once_and_removals_stick(world: World) -> None:
    assert vocabulary.ensure_starter_skills(world.program) is True
    assert vocabulary.ensure_starter_skills(world.program) is False
    names = list(Skill.objects.filter(program=world.program).values_list("name", flat=True))
    assert names[:4] == ["Clarity", "Concision", "Writing", "Assertiveness"]
    assert "Empathy and humour" in names
    assert "Embracing change" in names
    assert all(s.assessed for s in Skill.objects.filter(program=world.program))
    assert GoalTemplate.objects.filter(program=world.program).count() == 6
    vocabulary.remove_skill(Skill.objects.get(name="Writing"), by=world.coordinator)
    vocabulary.ensure_starter_skills(world.program)
    assert not Skill.objects.filter(program=world.program, name="Writing").exists()


def test_the_coordinator_adds_renames_and_refuses_duplicate_skills(world: World) -> None:
    vocabulary.ensure_starter_skills(world.program)
    skill = vocabulary.add_skill(world.program, by=world.coordinator, name="  SQL  ")
    assert skill.name == "SQL"
    assert skill.source == "program"
    with pytest.raises(ServiceError) as raised:
        vocabulary.add_skill(world.program, by=world.coordinator, name="sql")
    assert raised.value.field == "name"
    vocabulary.rename_skill(skill, by=world.coordinator, name="Databases")
    assert Skill.objects.get(pk=skill.pk).name == "Databases"
    vocabulary.set_skill_assessed(skill, by=world.coordinator, assessed=False)
    assert Skill.objects.get(pk=skill.pk).assessed is False
