"""What members take stock with: skills self-assessments (and the mentor's view of the same
skills), the SWOT worksheet, the private journal and SBI feedback."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tandem.growth.enums import AssessmentStage, AssessorRole
from tandem.growth.models.goals import Skill


class Assessment(models.Model):
    """One rating of a mentee's skills at a stage, by the mentee (self) or by their mentor.

    The mentor's view is shown to the mentee only. Program figures (skill growth, end minus
    start) read :class:`SkillRating` through ``program`` and never show one person's answers.
    """

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    mentorship = models.ForeignKey(
        "mentoring.Mentorship", on_delete=models.CASCADE, related_name="assessments"
    )
    #: The mentee whose skills are rated.
    subject = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="skill_assessments"
    )
    assessor = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=AssessorRole.choices)
    stage = models.CharField(max_length=10, choices=AssessmentStage.choices)
    #: Blank until submitted (a started assessment can be finished later).
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["mentorship", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship", "subject", "role", "stage"], name="assessment_once"
            ),
        ]
        indexes = [models.Index(fields=["program", "stage", "role"], name="assessment_stage")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.stage} of {self.subject_id}"


class SkillRating(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="ratings")
    score = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "skill"], name="rating_once_per_skill"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.skill_id}: {self.score}"


class Swot(models.Model):
    """The mentee's SWOT worksheet: private to them unless shared with the mentorship."""

    mentorship = models.ForeignKey(
        "mentoring.Mentorship", on_delete=models.CASCADE, related_name="swots"
    )
    owner = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    strengths = models.TextField(blank=True)
    weaknesses = models.TextField(blank=True)
    opportunities = models.TextField(blank=True)
    threats = models.TextField(blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mentorship", "owner"], name="one_swot_per_member"),
        ]

    def __str__(self) -> str:
        return f"SWOT {self.pk}"


class JournalEntry(models.Model):
    """A reflective journal entry, private to its author unless they share that entry with the
    mentorship. Coordinators never see entries nor how many there are."""

    mentorship = models.ForeignKey(
        "mentoring.Mentorship", on_delete=models.CASCADE, related_name="journal_entries"
    )
    author = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    #: The guide's prompt it answers, if any.
    prompt = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    shared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["mentorship", "author"], name="journal_author")]

    def __str__(self) -> str:
        return f"Journal entry {self.pk}"


class FeedbackRequest(models.Model):
    """A member asks another for feedback on a named topic."""

    mentorship = models.ForeignKey(
        "mentoring.Mentorship", on_delete=models.CASCADE, related_name="feedback_requests"
    )
    requester = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.topic


class Feedback(models.Model):
    """SBI feedback from one member to another: situation, behaviour, impact, and what to keep
    doing and what to try. Visible to the mentorship's members only."""

    mentorship = models.ForeignKey(
        "mentoring.Mentorship", on_delete=models.CASCADE, related_name="feedback"
    )
    author = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(
        FeedbackRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="answers"
    )
    situation = models.TextField()
    behaviour = models.TextField()
    impact = models.TextField()
    keep_doing = models.TextField(blank=True)
    try_next = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Feedback {self.pk}"
