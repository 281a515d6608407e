"""Choices of the growth stage: goals, their progress, assessments and celebrations."""

from __future__ import annotations

from django.db import models


class GoalStatus(models.TextChoices):
    """suggested (by the mentor, waiting for the mentee) → draft → active → achieved / dropped."""

    SUGGESTED = "suggested", "Suggested by your mentor"
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    ACHIEVED = "achieved", "Achieved"
    DROPPED = "dropped", "Dropped"


#: Goal states that count towards a program's figures (a suggestion nobody accepted does not).
COUNTED_GOAL_STATUSES = (GoalStatus.DRAFT, GoalStatus.ACTIVE, GoalStatus.ACHIEVED)


class ProgressMode(models.TextChoices):
    MILESTONES = "milestones", "From the milestones done"
    MANUAL = "manual", "Set by hand"


class SkillSource(models.TextChoices):
    SOFT = "soft", "Soft skill"
    PROGRAM = "program", "The program's own skill"


class AssessmentStage(models.TextChoices):
    START = "start", "At the start"
    MIDPOINT = "midpoint", "At the mid-point"
    END = "end", "At the end"


class AssessorRole(models.TextChoices):
    """Who rated the mentee's skills: the mentee themselves, or their mentor (shown to the
    mentee only)."""

    SELF = "self", "Self-assessment"
    MENTOR = "mentor", "Mentor's view"


class CelebrationKind(models.TextChoices):
    MILESTONE_DONE = "milestone_done", "Milestone done"
    GOAL_ACHIEVED = "goal_achieved", "Goal achieved"
