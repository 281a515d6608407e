"""The demo's reflection data: plans, assessments, journal entries and feedback in the seeded
mentorships, and every growth page of a seeded mentorship renders for its members."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.demo.seed import seed_demo
from tandem.growth.enums import AssessmentStage
from tandem.growth.models import Assessment, DevelopmentPlan, Feedback, JournalEntry, PlanVersion

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
    for suffix in ("", "plan/", "skills/", "swot/", "journal/", "feedback/"):
        assert client.get(base + suffix).status_code == 200, suffix


def test_seeding_twice_adds_nothing() -> None:
    seed_demo(participants=60, seed=7)
    plans = DevelopmentPlan.objects.count()
    seed_demo(participants=60, seed=7)
    assert DevelopmentPlan.objects.count() == plans
