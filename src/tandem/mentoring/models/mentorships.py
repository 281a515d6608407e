"""The mentorship — a pair or a group mentoring together — and the pair and group records
that matching creates for it.

Everything of the guide, measure and close stages points at :class:`Mentorship` with one
foreign key. A pair mentorship carries one :class:`Relationship` (the mentor, the mentee and
why they were matched); a group mentorship carries one :class:`MentoringGroup` and the
relationships that count each mentee against a facilitator's places. Who is in it, for every
kind, is :class:`MentorshipMember`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem.matching.model import fit_of
from tandem.mentoring.enums import (
    EndReason,
    MemberRole,
    MentorshipKind,
    RelationshipStatus,
)
from tandem.programs.enums import MeetingCadence

#: Relationship states that hold a place in a mentor's capacity.
OPEN_STATUSES = (RelationshipStatus.PROPOSED, RelationshipStatus.ACTIVE)
#: Mentorship states in which the members work together (the workspace is writable).
LIVE_STATUSES = (RelationshipStatus.ACTIVE, RelationshipStatus.CLOSING)


class Mentorship(models.Model):
    """People mentoring together: proposed → active → closing → completed / ended early."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="mentorships"
    )
    kind = models.CharField(max_length=10, choices=MentorshipKind.choices)
    status = models.CharField(
        max_length=12, choices=RelationshipStatus.choices, default=RelationshipStatus.ACTIVE
    )
    #: A group's name; blank for pairs (their members name them).
    name = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    #: The last day they plan to work together (the program's end unless set otherwise).
    ends_on = models.DateField(null=True, blank=True)
    #: Proposed mentorships: the day by which each side confirms.
    confirm_by = models.DateTimeField(null=True, blank=True)
    #: Proposed mentorships past ``confirm_by``: when the unanswered members were reminded
    #: (once), and when the coordinators were told nobody answered (once).
    confirm_reminded_at = models.DateTimeField(null=True, blank=True)
    confirm_escalated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    #: Seen by coordinators only.
    end_note = models.TextField(blank=True)

    # Activity figures (metadata a coordinator may see), kept by ``refresh_activity``.
    last_activity_at = models.DateTimeField(null=True, blank=True)
    last_met_at = models.DateTimeField(null=True, blank=True)
    next_meeting_at = models.DateTimeField(null=True, blank=True)
    meetings_scheduled = models.PositiveIntegerField(default=0)
    meetings_held = models.PositiveIntegerField(default=0)
    records_missing = models.PositiveIntegerField(default=0)
    action_items_open = models.PositiveIntegerField(default=0)
    action_items_done = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["program", "status"], name="mentorship_status"),
            models.Index(fields=["program", "last_activity_at"], name="mentorship_activity"),
        ]

    def __str__(self) -> str:
        return self.name or f"Mentorship {self.pk}"

    def get_absolute_url(self) -> str:
        return self.program.get_absolute_url() + f"mentorships/{self.pk}/"

    @property
    def is_group(self) -> bool:
        return self.kind == MentorshipKind.GROUP

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class MentorshipMember(models.Model):
    """A person in a mentorship, on the mentor's or the mentee's side."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="members")
    membership = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="mentorship_places"
    )
    role = models.CharField(max_length=10, choices=MemberRole.choices)
    #: Groups: leads the meetings and fills the records (pairs: the mentor does).
    is_facilitator = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    #: Why they declined a proposed match (goes to the coordinator as a rematch case).
    decline_note = models.TextField(blank=True)
    #: Messages after this moment are unread for this member.
    last_read_at = models.DateTimeField(null=True, blank=True)
    #: When this member last got an e-mail about new messages (at most one an hour).
    last_message_email_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_facilitator", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship", "membership"], name="member_once_per_mentorship"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership} in {self.mentorship}"

    @property
    def leads(self) -> bool:
        """Leads meetings and fills records: a pair's mentor, a group's facilitator."""
        return self.is_facilitator or self.role == MemberRole.MENTOR


class MentoringGroup(models.Model):
    """A group (group programs): facilitator mentor(s) and mentees, with a shared space."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="mentoring_groups"
    )
    mentorship = models.OneToOneField(
        Mentorship, null=True, blank=True, on_delete=models.SET_NULL, related_name="group"
    )
    name = models.CharField(max_length=120)
    run = models.ForeignKey(
        "matches.MatchRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=RelationshipStatus.choices, default=RelationshipStatus.ACTIVE
    )
    fit = models.FloatField(null=True, blank=True)
    diversity = models.FloatField(null=True, blank=True)
    #: The group's shared space: what the group is about, written by a facilitator.
    description = models.TextField(blank=True)
    #: How often the group meets; blank = the program's cadence.
    meeting_cadence = models.CharField(max_length=20, choices=MeetingCadence.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "matches_mentoringgroup"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GroupMember(models.Model):
    group = models.ForeignKey(MentoringGroup, on_delete=models.CASCADE, related_name="members")
    membership = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="group_places"
    )
    is_facilitator = models.BooleanField(default=False)

    class Meta:
        db_table = "matches_groupmember"
        constraints = [
            models.UniqueConstraint(fields=["group", "membership"], name="once_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.membership} in {self.group}"


class Relationship(models.Model):
    """A mentor and a mentee matched: who, why, and the place it takes in the mentor's capacity.

    Its mentorship is the pair's own, or (group programs) the mentee's group.
    """

    class Source(models.TextChoices):
        RUN = "run", "Published match run"
        REQUEST = "request", "Mentee's request accepted"
        MANUAL = "manual", "Set by a coordinator"
        REMATCH = "rematch", "Rematch"

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="relationships"
    )
    mentorship = models.ForeignKey(
        Mentorship,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="relationships",
    )
    mentor = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="mentor_relationships"
    )
    mentee = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="mentee_relationships"
    )
    status = models.CharField(
        max_length=12, choices=RelationshipStatus.choices, default=RelationshipStatus.ACTIVE
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    run = models.ForeignKey(
        "matches.MatchRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="relationships",
    )
    score = models.FloatField(null=True, blank=True)
    contributions = models.JSONField(default=list, blank=True)
    #: Why they were matched, in plain words (shown to both in their introduction).
    explanation = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    #: Seen by coordinators only.
    end_note = models.TextField(blank=True)

    class Meta:
        db_table = "matches_relationship"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "mentee"],
                condition=Q(status__in=OPEN_STATUSES),
                name="one_open_relationship_per_pair",
            ),
        ]
        indexes = [models.Index(fields=["program", "status"], name="relationship_status")]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee} ({self.get_status_display()})"

    @property
    def fit(self) -> float | None:
        """How well the two profiles fit, in [0, 1] (the engine's score without the choice
        bonus; None for a pair made without the engine)."""
        if self.contributions:
            return fit_of(self.contributions)
        return None if self.score is None else max(0.0, min(1.0, self.score))
