"""Fill the stored readiness of every existing mentor and mentee.

It evaluates each person with the historical models and the pure ``evaluate`` of
``tandem.enrolment.readiness`` (no query of its own); the questions are wrapped so that their
audience rule is this migration's, not the current model's. Backwards: nothing to undo (the
columns go with the schema migration).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import migrations
from django.utils import timezone

BATCH = 1000
COLUMNS = [
    "profile_percent",
    "profile_missing",
    "profile_complete",
    "agreement_done",
    "training_done",
    "readiness_stage",
    "readiness_steps",
    "readiness_checked_at",
]


class _Question:
    """A historical question with the audience rule of ``ProfileQuestion.applies_to``."""

    def __init__(self, row: Any) -> None:
        self.key = row.key
        self.label = row.label
        self.required = row.required
        self.is_demographic = row.is_demographic
        self.audience = row.audience

    def applies_to(self, role: str) -> bool:
        if role == "mentor":
            return self.audience in {"both", "mentors"}
        if role == "mentee":
            return self.audience in {"both", "mentees"}
        return False


def fill(apps: Any, schema_editor: Any) -> None:
    from tandem.enrolment.readiness import evaluate, stored_fields

    Membership = apps.get_model("programs", "Membership")
    ProfileQuestion = apps.get_model("enrolment", "ProfileQuestion")
    Agreement = apps.get_model("enrolment", "Agreement")
    AgreementAcceptance = apps.get_model("enrolment", "AgreementAcceptance")
    TrainingModule = apps.get_model("enrolment", "TrainingModule")
    TrainingCompletion = apps.get_model("enrolment", "TrainingCompletion")
    now = timezone.now()
    program_ids = (
        Membership.objects.filter(role__in=["mentor", "mentee"])
        .values_list("program_id", flat=True)
        .distinct()
    )
    for program_id in sorted(set(program_ids)):
        questions = [
            _Question(row)
            for row in ProfileQuestion.objects.filter(program_id=program_id).order_by(
                "position", "id"
            )
        ]
        agreement = Agreement.objects.filter(program_id=program_id).order_by("-version").first()
        modules = list(TrainingModule.objects.filter(program_id=program_id).order_by("position", "id"))
        ids = list(
            Membership.objects.filter(program_id=program_id, role__in=["mentor", "mentee"])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            versions: dict[int, set[int]] = defaultdict(set)
            for membership_id, version in AgreementAcceptance.objects.filter(
                membership_id__in=chunk, agreement__program_id=program_id
            ).values_list("membership_id", "agreement__version"):
                versions[membership_id].add(version)
            completed: dict[int, set[int]] = defaultdict(set)
            for membership_id, module_id in TrainingCompletion.objects.filter(
                membership_id__in=chunk
            ).values_list("membership_id", "module_id"):
                completed[membership_id].add(module_id)
            memberships = list(Membership.objects.filter(pk__in=chunk))
            for membership in memberships:
                accepted = versions.get(membership.pk, set())
                current = agreement is not None and agreement.version in accepted
                readiness = evaluate(
                    membership,
                    questions=questions,  # type: ignore[arg-type]  # duck-typed on purpose
                    agreement=agreement,
                    accepted_current=current,
                    accepted_older=bool(accepted) and not current,
                    modules=modules,
                    completed_module_ids=completed.get(membership.pk, set()),
                )
                for name, value in stored_fields(readiness).items():
                    setattr(membership, name, value)
                membership.readiness_checked_at = now
            Membership.objects.bulk_update(memberships, COLUMNS)


class Migration(migrations.Migration):
    dependencies = [
        ("enrolment", "0004_stagedimportrow"),
        ("programs", "0006_membership_stored_readiness"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
