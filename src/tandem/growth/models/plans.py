"""The mentee's development plan (the "strategy document"), versioned so that both members see
what changed since the mentor last reviewed it, and the mentor's review comments."""

from __future__ import annotations

from django.db import models

from tandem.growth.models.goals import Goal

#: The plan's sections, in order: (field, label).
PLAN_SECTIONS = (
    ("strengths", "Strengths"),
    ("areas", "Areas to develop"),
    ("actions", "Actions and resources"),
    ("tracking", "How progress will be tracked"),
)


class DevelopmentPlan(models.Model):
    """One per mentee per mentorship; its goals are linked, its text is versioned."""

    mentorship = models.ForeignKey(
        "mentoring.Mentorship", on_delete=models.CASCADE, related_name="plans"
    )
    owner = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="development_plans"
    )
    strengths = models.TextField(blank=True)
    areas = models.TextField(blank=True)
    actions = models.TextField(blank=True)
    tracking = models.TextField(blank=True)
    goals = models.ManyToManyField(Goal, blank=True, related_name="plans")
    #: The number of the latest :class:`PlanVersion` (0 before the first save).
    version = models.PositiveIntegerField(default=0)
    #: The version the mentor last reviewed (0 = never).
    reviewed_version = models.PositiveIntegerField(default=0)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "programs.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "programs.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mentorship", "owner"], name="one_plan_per_mentee"),
        ]

    def __str__(self) -> str:
        return f"Development plan {self.pk}"


class PlanVersion(models.Model):
    """The plan's text as saved: ``sections`` maps each field of PLAN_SECTIONS to its text."""

    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    sections = models.JSONField(default=dict)
    author = models.ForeignKey(
        "programs.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_once"),
        ]

    def __str__(self) -> str:
        return f"Plan {self.plan_id} v{self.number}"


class PlanComment(models.Model):
    """The mentor's (or the mentee's) comment on a version of the plan, optionally on a
    section of it."""

    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="comments")
    version = models.PositiveIntegerField()
    section = models.CharField(max_length=20, blank=True)
    author = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment {self.pk} on plan {self.plan_id}"
