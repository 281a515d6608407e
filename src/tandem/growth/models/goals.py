"""SMART goals in a mentorship: the goal, its milestones, the mentor's comments, manual
progress check-ins, the program's goal templates and skills vocabulary, and the celebrations
of progress that the program's counters read."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tandem.growth.enums import CelebrationKind, GoalStatus, ProgressMode, SkillSource


class Skill(models.Model):
    """A skill of a program's vocabulary: the soft skills every program starts with and the
    program's own (technical) skills. Goals are tagged with them; self-assessments rate them."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="skills")
    name = models.CharField(max_length=80)
    #: Groups skills on forms ("Communication" holds clarity, concision, writing…).
    family = models.CharField(max_length=80, blank=True)
    source = models.CharField(max_length=10, choices=SkillSource.choices, default=SkillSource.SOFT)
    #: Rated in the skills self-assessment.
    assessed = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["program", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="skill_once_per_program"),
        ]

    def __str__(self) -> str:
        return self.name


class GoalTemplate(models.Model):
    """A goal a program offers as a starting point ("Lead a meeting of the committee by …")."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="goal_templates"
    )
    statement = models.CharField(max_length=300)
    measure = models.CharField(max_length=300, blank=True)
    target = models.CharField(max_length=200, blank=True)
    objective = models.ForeignKey(
        "programs.Objective", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["program", "position", "id"]

    def __str__(self) -> str:
        return self.statement


class Goal(models.Model):
    """A mentee's SMART goal in a mentorship. The mentee owns it; the mentor may suggest one,
    which the mentee accepts (it becomes a draft) or declines."""

    mentorship = models.ForeignKey(
        "mentoring.Mentorship", on_delete=models.CASCADE, related_name="goals"
    )
    #: Denormalised from the mentorship so that a program's figures read one table.
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    #: The mentee whose goal it is.
    owner = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="goals")
    #: Set when the mentor suggested it.
    suggested_by = models.ForeignKey(
        "programs.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template = models.ForeignKey(
        GoalTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # S, M, A, R, T.
    statement = models.CharField(max_length=300)
    measure = models.CharField(max_length=300, blank=True)
    target = models.CharField(max_length=200, blank=True)
    achievable = models.TextField(blank=True)
    relevant = models.TextField(blank=True)
    deadline = models.DateField(null=True, blank=True)
    #: The work project it is practised on.
    project = models.CharField(max_length=200, blank=True)
    objective = models.ForeignKey(
        "programs.Objective", null=True, blank=True, on_delete=models.SET_NULL, related_name="goals"
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="goals")

    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.DRAFT)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_mode = models.CharField(
        max_length=10, choices=ProgressMode.choices, default=ProgressMode.MILESTONES
    )
    dropped_reason = models.CharField(max_length=300, blank=True)
    achieved_at = models.DateTimeField(null=True, blank=True)
    #: The mentee chose to show this goal's text to the program's coordinators.
    shared_with_program = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: Bumped on every save through the services: a stale form is told what changed.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["mentorship", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="goal_progress_0_100"),
        ]
        indexes = [
            # Covers the program's goal counts (alignment totals, achievement figures): the
            # query reads this index and never the goals' rows.
            models.Index(
                fields=["program", "objective", "status", "progress", "achieved_at"],
                name="goal_counts",
            ),
            models.Index(fields=["program", "status"], name="goal_program_status"),
        ]

    def __str__(self) -> str:
        return self.statement


class Milestone(models.Model):
    """A step towards a goal, with a date and an owner."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=300)
    due_on = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        "programs.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        "programs.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["goal", "position", "due_on", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class GoalComment(models.Model):
    """A member's comment on a goal, or on one of its milestones."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="comments")
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.goal_id}"


class ProgressCheckIn(models.Model):
    """Progress set by hand, with a short note: the history of a manual goal's progress."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="check_ins")
    author = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    progress = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="checkin_progress_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.progress}% on {self.goal_id}"


class Celebration(models.Model):
    """A milestone done or a goal achieved, celebrated once: ``key`` is unique, so a goal
    ticked achieved, back and achieved again on the same day counts once."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    mentorship = models.ForeignKey(
        "mentoring.Mentorship", on_delete=models.CASCADE, related_name="celebrations"
    )
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="celebrations")
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=CelebrationKind.choices)
    #: e.g. ``goal:12:2026-12-04`` or ``milestone:40``.
    key = models.CharField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["program", "kind", "created_at"], name="celebration_counts"),
        ]

    def __str__(self) -> str:
        return self.key
