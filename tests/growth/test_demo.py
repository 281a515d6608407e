"""The demo's reflection data: plans, assessments, journal entries and feedback in the seeded
mentorships, and every growth page of a seeded mentorship renders for its members."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.demo.seed import seed_demo
from tandem.growth.enums import AssessmentStage
from tandem.growth.models import (
    Assessment,
    Celebration,
    DevelopmentPlan,
    Feedback,
    Goal,
    JournalEntry,
    Milestone,
    PlanVersion,
)
from tandem.mentoring.models import Mentorship

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_reflection_and_its_pages_render(client: Client) -> None:
    seed_demo(participants=60, seed=7)
    assert DevelopmentPlan.objects.count() >= 3
    assert PlanVersion.objects.count() > DevelopmentPlan.objects.count()
    assert DevelopmentPlan.objects.filter(reviewed_version__gt=0).exists()
    stages = set(Assessment.objects.values_list("stage", flat=True))
    assert AssessmentStage.START in stages
    assert JournalEntry.objects.exists()
    assert Feedback.objects.exists()
    plan = DevelopmentPlan.objects.select_related("owner__user", "mentorship").first()
    assert plan is not None
    client.force_login(plan.owner.user)
    base = plan.mentorship.get_absolute_url()
    for suffix in ("", "plan/", "skills/", "swot/", "journal/", "feedback/", "goals/"):
        assert client.get(base + suffix).status_code == 200, suffix


def test_seeding_twice_adds_nothing() -> None:
    seed_demo(participants=60, seed=7)
    plans = DevelopmentPlan.objects.count()
    seed_demo(participants=60, seed=7)
    assert DevelopmentPlan.objects.count() == plans


def test_the_demo_seeds_goals_whose_progress_and_celebrations_follow_their_milestones() -> None:
    seed_demo(participants=60, seed=7)
    goals = list(Goal.objects.prefetch_related("milestones"))
    assert goals
    with_goals = {goal.mentorship_id for goal in goals}
    pairs = Mentorship.objects.filter(kind="pair", status="active", members__role="mentee")
    assert set(pairs.values_list("pk", flat=True)) <= with_goals
    assert any(goal.objective_id is not None for goal in goals)
    for goal in goals:
        milestones = list(goal.milestones.all())
        done = [m for m in milestones if m.done_at is not None]
        assert goal.progress == len(done) * 100 // len(milestones)
        assert goal.owner_id in goal.mentorship.members.values_list("membership_id", flat=True)
    done_milestones = Milestone.objects.exclude(done_at=None).count()
    assert Celebration.objects.filter(kind="milestone_done").count() == done_milestones
    achieved = Goal.objects.filter(status="achieved").count()
    assert Celebration.objects.filter(kind="goal_achieved").count() == achieved
    for celebration in Celebration.objects.select_related("milestone", "goal"):
        milestone, goal = celebration.milestone, celebration.goal
        happened = milestone.done_at if milestone else goal.achieved_at
        assert celebration.created_at == happened
