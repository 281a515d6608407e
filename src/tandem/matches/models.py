"""Matching in the app: criteria per program, runs (scenarios) and their proposals, the
coordinator's locks and forbids, mentees' requests, and the relationships that result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import models

from tandem.matches.enums import (
    CriterionKind,
    PairRuleKind,
    RequestStatus,
    RunMode,
    RunObjective,
    RunStatus,
)
from tandem.matching.model import fit_of


class MatchingCriterion(models.Model):
    """One criterion of a program's matching: a profile question, a kind, a weight or a rule."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="matching_criteria"
    )
    kind = models.CharField(max_length=20, choices=CriterionKind.choices)
    mentee_question = models.ForeignKey(
        "enrolment.ProfileQuestion", on_delete=models.CASCADE, related_name="+"
    )
    #: The mentor's side, when it is another question (e.g. skills offered vs skills wanted).
    mentor_question = models.ForeignKey(
        "enrolment.ProfileQuestion",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    weight = models.FloatField(default=1.0)
    hard = models.BooleanField("hard rule", default=False)
    threshold = models.FloatField(null=True, blank=True)
    #: Kind-specific settings: target (gap, [low, high]), tolerance, scale_km, scale_hours, need.
    params = models.JSONField(default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.mentee_question.label}"


class MatchRun(models.Model):
    """One run of the engine over the ready pool — a scenario the coordinator can compare."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="match_runs"
    )
    name = models.CharField(max_length=80)
    mode = models.CharField(max_length=10, choices=RunMode.choices, default=RunMode.OPTIMAL)
    objective = models.CharField(
        max_length=10, choices=RunObjective.choices, default=RunObjective.COVERAGE
    )
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    #: The criteria, locks and forbids as they were when the run started.
    configuration = models.JSONField(default=dict, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    #: The running worker's lease, renewed every few seconds (see ``tandem.core.leases``).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    #: The task row (django-tasks) of the worker running it, failed with the run if it dies.
    task_id = models.CharField(max_length=64, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.program})"


class ProposedMatch(models.Model):
    """A pair (or a mentee's place in a group) proposed by a run, or set by the coordinator."""

    class Source(models.TextChoices):
        ENGINE = "engine", "Matched by the engine"
        LOCKED = "locked", "Locked by the coordinator"
        MANUAL = "manual", "Assigned by the coordinator"

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="proposals")
    mentee = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    #: How well the two profiles fit, in [0, 1] (the score without the choice bonus): the
    #: number every page shows as a percentage. Stored so a run's mean and lowest fit are
    #: one aggregate query.
    fit = models.FloatField(default=0.0)
    contributions = models.JSONField(default=list, blank=True)
    explanation = models.TextField(blank=True)
    choice_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ENGINE)
    #: Groups mode: the group this mentee joins (one number per facilitator's group).
    group_number = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "mentee"], name="one_proposal_per_mentee"),
        ]

    def __str__(self) -> str:
        return f"{self.mentee} ↔ {self.mentor} ({self.score:.2f})"


def proposal_fit(score: float, contributions: Sequence[Any]) -> float:
    """A proposal's :attr:`ProposedMatch.fit`: its criteria's contributions, or (for a pair
    scored without them) its score within [0, 1]."""
    return fit_of(contributions) if contributions else max(0.0, min(1.0, score))


class UnmatchedMentee(models.Model):
    """A mentee a run left without a match, why, and the best alternatives it found."""

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="unmatched")
    mentee = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    reason_code = models.CharField(max_length=40)
    reason = models.TextField()
    #: [{"mentor": membership id, "score": float, "explanation": str, "failed_rules": [...]}]
    alternatives = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.mentee}: {self.reason}"


class PairRule(models.Model):
    """The coordinator's decision about one pair, kept across re-runs: lock it or forbid it."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="pair_rules"
    )
    mentee = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=PairRuleKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mentee", "mentor"], name="one_rule_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.mentee} ↔ {self.mentor}"


class MentorRequest(models.Model):
    """One of a mentee's ranked requests (self-selection). The 1st is asked first; a decline
    or silence until the deadline passes the request on to the next choice."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="mentor_requests"
    )
    mentee = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="sent_requests"
    )
    mentor = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="received_requests"
    )
    rank = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.QUEUED
    )
    message = models.TextField(blank=True, help_text="The mentee's note to the mentor.")
    asked_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    response_message = models.TextField(blank=True)
    relationship = models.OneToOneField(
        "mentoring.Relationship",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="request",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["mentee", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["mentee", "mentor"], name="request_mentor_once"),
        ]
        indexes = [models.Index(fields=["mentor", "status"], name="request_inbox")]

    def __str__(self) -> str:
        return f"{self.mentee} asks {self.mentor} (#{self.rank}, {self.status})"
