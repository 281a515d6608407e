"""The growth stage's models, one module per concept (re-exported here for Django)."""

from tandem.growth.models.goals import (
    Celebration,
    Goal,
    GoalComment,
    GoalTemplate,
    Milestone,
    ProgressCheckIn,
    Skill,
)
from tandem.growth.models.plans import PLAN_SECTIONS, DevelopmentPlan, PlanComment, PlanVersion
from tandem.growth.models.reflection import (
    Assessment,
    Feedback,
    FeedbackRequest,
    JournalEntry,
    SkillRating,
    Swot,
)

__all__ = [
    "PLAN_SECTIONS",
    "Assessment",
    "Celebration",
    "DevelopmentPlan",
    "Feedback",
    "FeedbackRequest",
    "Goal",
    "GoalComment",
    "GoalTemplate",
    "JournalEntry",
    "Milestone",
    "PlanComment",
    "PlanVersion",
    "ProgressCheckIn",
    "Skill",
    "SkillRating",
    "Swot",
]
