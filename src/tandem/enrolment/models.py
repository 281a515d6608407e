"""Enrolment: what a program asks its people, how they get in, and what they must do first.

Profile answers themselves live on ``Membership.answers`` (JSON keyed by ``ProfileQuestion.key``)
so that matching and exports read a whole pool in one query; this app defines and validates them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem.enrolment.enums import Audience, ImportStatus, QuestionKind, StagedRowKind
from tandem.enrolment.wording import about_them
from tandem.programs.enums import Role


class ProfileQuestion(models.Model):
    """One question of a program's profile form."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="questions"
    )
    key = models.SlugField(
        max_length=60, help_text="Column name in imports and exports; letters, digits, _ and -."
    )
    label = models.CharField(max_length=200)
    help_text = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.BOTH)
    required = models.BooleanField(default=False)
    #: The allowed answers of a choice question (its vocabulary, e.g. the program's skills).
    choices = models.JSONField(default=list, blank=True)
    min_value = models.FloatField(null=True, blank=True)
    max_value = models.FloatField(null=True, blank=True)
    #: The mentor-side question a mentee-side one is matched against (wants ↔ offers).
    paired_with = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Self-identified demographics: asked only with consent, never shown to other
    #: participants, reported only in aggregate.
    is_demographic = models.BooleanField(default=False)
    #: Whether the matching engine may use it (demographics only with the person's consent).
    use_in_matching = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "key"], name="question_key_per_program"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label_about_them(self) -> str:
        """The label as someone else reads the answer ("Skills they can offer")."""
        return about_them(self.label)

    def applies_to(self, role: str) -> bool:
        if role == Role.MENTOR:
            return self.audience in {Audience.BOTH, Audience.MENTORS}
        if role == Role.MENTEE:
            return self.audience in {Audience.BOTH, Audience.MENTEES}
        return False


class DemographicConsent(models.Model):
    """A participant's explicit consent to answer the program's demographic questions."""

    membership = models.OneToOneField(
        "programs.Membership", on_delete=models.CASCADE, related_name="demographic_consent"
    )
    consent_text = models.TextField()
    consented_at = models.DateTimeField(auto_now_add=True)
    #: Whether the person also lets the matching engine use their answers.
    allow_matching = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Demographics consent of {self.membership}"


class Application(models.Model):
    """Someone asked to join a program; a coordinator decides."""

    membership = models.OneToOneField(
        "programs.Membership", on_delete=models.CASCADE, related_name="application"
    )
    motivation = models.TextField(blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_message = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Application of {self.membership}"


class Agreement(models.Model):
    """One version of a program's confidentiality agreement. The newest one is in force."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="agreements"
    )
    version = models.PositiveIntegerField()
    text = models.TextField()
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["program", "version"], name="agreement_version")
        ]

    def __str__(self) -> str:
        return f"Agreement v{self.version} of {self.program}"


class AgreementAcceptance(models.Model):
    membership = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="agreement_acceptances"
    )
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="acceptances")
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "agreement"], name="accept_once")
        ]

    def __str__(self) -> str:
        return f"{self.membership} accepted v{self.agreement.version}"


class TrainingModule(models.Model):
    """A page of training (Markdown, sanitised) with an acknowledgement or a short quiz."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="training_modules"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown. Links and images are kept; scripts are removed.")
    #: Roles that must complete it before they are ready to match, e.g. ["mentor"].
    required_for = models.JSONField(default=list, blank=True)
    #: [{"question": str, "options": [str, ...], "answer": index}, ...]; empty: acknowledge only.
    quiz = models.JSONField(default=list, blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        default=80, help_text="Share of quiz answers that must be right, in percent."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class TrainingCompletion(models.Model):
    membership = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="training_completions"
    )
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(auto_now_add=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Quiz score, %.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "module"], name="complete_once")
        ]

    def __str__(self) -> str:
        return f"{self.membership} completed {self.module}"


class MentorChoice(models.Model):
    """A mentee's ranked choice of mentor (self-selection programs)."""

    mentee = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="mentor_choices"
    )
    mentor = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="chosen_by"
    )
    rank = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["mentee", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["mentee", "rank"], name="one_mentor_per_rank"),
            models.UniqueConstraint(fields=["mentee", "mentor"], name="choose_a_mentor_once"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="rank_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.mentee} → {self.mentor} (#{self.rank})"


class ParticipantImport(models.Model):
    """An uploaded spreadsheet: checked first (dry run), then imported all-or-nothing."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=200)
    #: The file as UTF-8 CSV (a workbook's first sheet, or a CSV file re-encoded if need be).
    content = models.BinaryField()
    #: The encoding a CSV file was guessed to be in ("Shift-JIS"), shown as a warning in the
    #: preview; empty when the file was UTF-8 or said what it was (a byte-order mark).
    guessed_encoding = models.CharField(max_length=40, blank=True)
    #: {"column heading": "email" | "full_name" | "role" | question key | ""(ignore)}
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    #: Counts and the list of problems: [{"row": 7, "column": "role", "value": "x", "reason": ...}]
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} → {self.program}"


class StagedImportRow(models.Model):
    """One person of an import being written, staged in short transactions and then switched
    live in one step (``services/staging.py``). Nothing in the app reads these rows: until the
    switch, an import is invisible; after it (or after a failure), its rows are deleted.
    """

    participant_import = models.ForeignKey(
        ParticipantImport, on_delete=models.CASCADE, related_name="+"
    )
    #: One attempt to import the file: two attempts at once never mix their rows.
    attempt = models.CharField(max_length=32)
    kind = models.CharField(max_length=20, choices=StagedRowKind.choices)
    #: The account to create (new_user), or whose name to fill in (changed_user).
    email = models.TextField(blank=True)
    full_name = models.TextField(blank=True)
    pronouns = models.TextField(blank=True)
    #: The existing account (new_membership, changed_user) or membership (changed_membership).
    user_pk = models.BigIntegerField(null=True)
    membership_pk = models.BigIntegerField(null=True)
    role = models.CharField(max_length=20, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    #: The membership's ``updated_at`` when the import was checked: a membership changed
    #: since then stops the switch (nobody's edit is overwritten).
    seen_updated_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["attempt", "kind"], name="staged_row_attempt_kind"),
            models.Index(fields=["attempt", "membership_pk"], name="staged_row_membership"),
            models.Index(fields=["attempt", "user_pk"], name="staged_row_user"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.email or self.user_pk or self.membership_pk} ({self.attempt})"
