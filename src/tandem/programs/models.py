from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import JSONField, Q, Value
from django.urls import reverse
from django.utils import timezone

from tandem.programs.enums import (
    PROGRAM_TRANSITIONS,
    EnrolmentAccess,
    MatchingMode,
    MeetingCadence,
    MembershipStatus,
    OrganizationRole,
    ProgramStatus,
    ProgramType,
    Role,
)


class Organization(models.Model):
    """A company, association or chapter that runs mentoring programs."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programs:organization", kwargs={"org_slug": self.slug})

    @property
    def audit_scope(self) -> tuple[int | None, int | None]:
        """Where the audit log files entries about this object (see ``core.services``)."""
        return self.pk, None


class OrganizationMembership(models.Model):
    """A person's role in a whole organization (above any program)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_roles"
    )
    role = models.CharField(
        max_length=20, choices=OrganizationRole.choices, default=OrganizationRole.ADMIN
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_org_role_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.organization}"


def default_start() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=14)


class Program(models.Model):
    """One mentoring program: its design, its people and its lifecycle."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="programs"
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60)
    description = models.TextField(blank=True)
    program_type = models.CharField(
        "type", max_length=20, choices=ProgramType.choices, default=ProgramType.ONE_TO_ONE
    )
    status = models.CharField(
        max_length=20, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT
    )
    starts_on = models.DateField(default=default_start)
    ends_on = models.DateField()
    meeting_cadence = models.CharField(
        max_length=20, choices=MeetingCadence.choices, default=MeetingCadence.BIWEEKLY
    )
    matching_mode = models.CharField(
        max_length=20, choices=MatchingMode.choices, default=MatchingMode.ADMIN
    )
    enrolment_access = models.CharField(
        "who can apply",
        max_length=20,
        choices=EnrolmentAccess.choices,
        default=EnrolmentAccess.INVITATION,
    )
    max_choices = models.PositiveSmallIntegerField(
        "mentor choices per mentee",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="How many mentors a mentee may rank when mentees choose.",
    )
    #: Group programs: how many mentees a group has.
    group_size_min = models.PositiveSmallIntegerField(default=3)
    group_size_max = models.PositiveSmallIntegerField(default=6)
    #: Self-selection: days a mentor has to answer a request before it passes to the next choice.
    request_deadline_days = models.PositiveSmallIntegerField(
        "days a mentor has to answer a request",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    #: Days each side has to confirm a new match (it starts as proposed); 0: active at once.
    match_confirmation_days = models.PositiveSmallIntegerField(
        "days to confirm a new match",
        default=0,
        db_default=0,
        validators=[MaxValueValidator(30)],
        help_text="0 starts new matches at once. Otherwise both sides confirm (or decline with "
        "a reason) within this many days.",
    )
    #: Publishing matches is possible from the matching stage on; this lets a coordinator
    #: publish while enrolment is still open (the pairs start on the program's start date).
    early_publishing = models.BooleanField(
        "publish matches during enrolment",
        default=False,
        db_default=False,
        help_text="Off: matches can be published once enrolment has closed (the matching "
        "stage). On: also while enrolment is open; the pairs start on the program's start date.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="program_slug_per_org"),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="program_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "programs:home",
            kwargs={"org_slug": self.organization.slug, "program_slug": self.slug},
        )

    @property
    def audit_scope(self) -> tuple[int | None, int | None]:
        """Where the audit log files entries about this object (see ``core.services``)."""
        return self.organization_id, self.pk

    @property
    def length_in_days(self) -> int:
        return (self.ends_on - self.starts_on).days

    @property
    def next_statuses(self) -> dict[ProgramStatus, str]:
        return PROGRAM_TRANSITIONS[ProgramStatus(self.status)]


class Objective(models.Model):
    """A SMART objective: what the program wants to achieve, how it is measured, by when."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="objectives")
    statement = models.CharField(
        max_length=300, help_text="Specific: what should change for participants?"
    )
    metric = models.CharField(
        max_length=200, help_text="Measurable: the KPI that shows it, e.g. 'mentees promoted'."
    )
    baseline_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    target_value = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. %, people, meetings")
    deadline = models.DateField(help_text="Time-bound: by when.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.statement

    @property
    def target_display(self) -> str:
        value = f"{self.target_value.normalize():f}"
        if self.unit == "%":
            return f"{value}%"
        return f"{value} {self.unit}".strip()


class MembershipQuerySet(models.QuerySet["Membership"]):
    def participants(self) -> MembershipQuerySet:
        return self.filter(role__in=[Role.MENTOR, Role.MENTEE])

    def approved(self) -> MembershipQuerySet:
        return self.filter(status=MembershipStatus.APPROVED)


class Membership(models.Model):
    """A person's place in one program: their role there and where they stand."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    status = models.CharField(
        max_length=20, choices=MembershipStatus.choices, default=MembershipStatus.APPLIED
    )
    #: Profile answers keyed by question key (the enrolment questions define them).
    answers = models.JSONField(default=dict, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Stored readiness (``tandem.enrolment.services.readiness`` keeps it; the pages read it).
    # Database defaults too, so rows written by code that predates these columns (an older
    # process during a deployment, a data migration) are valid and simply unchecked.
    #: Share of the profile filled in, 0–100 (demographic questions never count).
    profile_percent = models.PositiveSmallIntegerField(default=0, db_default=0)
    #: Keys of the required questions still unanswered.
    profile_missing = models.JSONField(default=list, db_default=Value([], JSONField()), blank=True)
    profile_complete = models.BooleanField(default=False, db_default=False)
    agreement_done = models.BooleanField(default=False, db_default=False)
    training_done = models.BooleanField(default=False, db_default=False)
    #: The last funnel step reached (a ``tandem.enrolment.enums.FunnelStep`` value).
    readiness_stage = models.CharField(max_length=20, blank=True, default="", db_default="")
    #: The checklist: ``[[step, done, applies, [missing, ...]], ...]`` in funnel order.
    readiness_steps = models.JSONField(default=list, db_default=Value([], JSONField()), blank=True)
    #: When the stored readiness was computed; empty while it waits to be (re)computed.
    readiness_checked_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["role", "user__full_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["program", "user"], name="one_membership_per_program")
        ]
        indexes = [
            models.Index(fields=["program", "role", "status"], name="membership_funnel"),
            models.Index(fields=["program", "readiness_stage"], name="membership_stage"),
            models.Index(fields=["program", "readiness_checked_at"], name="membership_checked"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} in {self.program}"

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.APPROVED


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An e-mailed link that lets one person join a program in a given role."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    message = models.TextField(blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(default=0)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.program} as {self.get_role_display()}"

    def get_absolute_url(self) -> str:
        return reverse("programs:invitation", kwargs={"token": self.token})

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
