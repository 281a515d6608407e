"""Skills self-assessments (the mentee's own, at the start, the mid-point and the end; and the
mentor's view of the same skills when the mentee asks for it), and the SWOT worksheet.

A mentor's view is shown to the mentee only. Program figures read the ratings in aggregate
(:func:`tandem.growth.queries.assessments.skill_growth`).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.growth.enums import AssessmentStage, AssessorRole
from tandem.growth.models import Assessment, SkillRating, Swot
from tandem.growth.queries import assessments as queries
from tandem.growth.rules import reflection as rules
from tandem.growth.services.plans import clean_text
from tandem.growth.services.vocabulary import starter_skills
from tandem.mentoring.models import Mentorship
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import notify
from tandem.programs.models import Membership

SWOT_QUADRANTS = (
    ("strengths", "Strengths"),
    ("weaknesses", "Weaknesses"),
    ("opportunities", "Opportunities"),
    ("threats", "Threats"),
)
QUADRANT_MAX = 5_000


def _locked(mentorship_id: int) -> Mentorship:
    return (
        Mentorship.objects.select_for_update()
        .select_related("program__organization")
        .prefetch_related("members")
        .get(pk=mentorship_id)
    )


def _live(mentorship: Mentorship, what: str) -> None:
    if not mentorship.is_live:
        raise ServiceError(
            f"This mentorship is {mentorship.get_status_display().lower()}: {what} is read-only."
        )


def submit_assessment(
    mentorship: Mentorship,
    *,
    by: Membership,
    subject: Membership,
    stage: str,
    scores: Mapping[int, int],
) -> Assessment:
    """Record ``by``'s ratings (1–5 per skill id) of ``subject``'s skills at ``stage``. The
    mentee rates themselves; a mentor rates their mentee only when asked (the request is a
    blank mentor assessment). Submitting again at the same stage replaces the ratings."""
    if stage not in AssessmentStage.values:
        raise ServiceError(
            f"stage is one of {', '.join(AssessmentStage.values)}, not “{stage}”.", field="stage"
        )
    if not scores:
        raise ServiceError("Rate at least one skill.", field="scores")
    for skill_id, score in scores.items():
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise ServiceError(
                f"Each rating is a whole number from 1 to 5 (skill {skill_id} has {score!r}).",
                field=f"skill_{skill_id}",
            )
    with transaction.atomic():
        mentorship = _locked(mentorship.pk)
        _live(mentorship, "the self-assessment")
        if not rules.is_mentee_in(mentorship, subject):
            raise ServiceError("Self-assessments are of a mentee of the mentorship.")
        skills = {s.pk: s for s in queries.assessed_skills(mentorship.program)}
        unknown = [pk for pk in scores if pk not in skills]
        if unknown:
            raise ServiceError("Rate the program's skills only.", field=f"skill_{unknown[0]}")
        if by.pk == subject.pk:
            role = AssessorRole.SELF
            assessment, _ = Assessment.objects.select_for_update().get_or_create(
                mentorship=mentorship,
                subject=subject,
                role=role,
                stage=stage,
                defaults={"program": mentorship.program, "assessor": by},
            )
        else:
            role = AssessorRole.MENTOR
            if not rules.is_mentor_in(mentorship, by):
                raise ServiceError("Only the mentee and their mentor rate the mentee's skills.")
            asked = (
                Assessment.objects.select_for_update()
                .filter(mentorship=mentorship, subject=subject, role=role, stage=stage, assessor=by)
                .first()
            )
            if asked is None:
                raise ServiceError(
                    "Your mentee has not asked for your view at this stage.", field="stage"
                )
            assessment = asked
        SkillRating.objects.filter(assessment=assessment).delete()
        SkillRating.objects.bulk_create(
            SkillRating(assessment=assessment, skill_id=skill_id, score=score)
            for skill_id, score in scores.items()
        )
        first = assessment.submitted_at is None
        assessment.submitted_at = timezone.now()
        assessment.save(update_fields=["submitted_at"])
        record_audit(
            by.user,
            "assessment.submitted",
            assessment,
            changes={"stage": stage, "role": role, "skills": len(scores), "first": first},
        )
    return assessment


def request_mentor_view(
    mentorship: Mentorship, *, by: Membership, mentor: Membership, stage: str
) -> Assessment:
    """The mentee asks their mentor to rate the same skills at ``stage``; the mentor is told."""
    if stage not in AssessmentStage.values:
        raise ServiceError(f"stage is one of {', '.join(AssessmentStage.values)}.", field="stage")
    with transaction.atomic():
        mentorship = _locked(mentorship.pk)
        _live(mentorship, "the self-assessment")
        if not rules.is_mentee_in(mentorship, by):
            raise ServiceError("Only a mentee asks for their mentor's view.")
        if not rules.is_mentor_in(mentorship, mentor):
            raise ServiceError("Ask a mentor of this mentorship.", field="mentor")
        assessment, created = Assessment.objects.get_or_create(
            mentorship=mentorship,
            subject=by,
            role=AssessorRole.MENTOR,
            stage=stage,
            defaults={"program": mentorship.program, "assessor": mentor},
        )
        if not created:
            if assessment.submitted_at is not None:
                raise ServiceError(
                    "Your mentor has already given their view at this stage.", field="stage"
                )
            return assessment
        starter_skills(mentorship.program)
        record_audit(by.user, "assessment.requested", assessment, changes={"stage": stage})
        mentor = Membership.objects.select_related("user").get(pk=mentor.pk)
        notify(
            mentor.user,
            kind=NotificationKind.ASSESSMENT_REQUESTED,
            context={
                "mentee": by.user.display_name,
                "stage": AssessmentStage(stage).label.lower(),
            },
            program=mentorship.program,
            url=mentorship.get_absolute_url() + "skills/",
        )
    return assessment


# --- SWOT ---------------------------------------------------------------------------------


def save_swot(mentorship: Mentorship, *, by: Membership, quadrants: Mapping[str, str]) -> Swot:
    """A member's own SWOT worksheet (private unless shared)."""
    cleaned = {
        field: clean_text(str(quadrants.get(field, "")), field=field, limit=QUADRANT_MAX)
        for field, _label in SWOT_QUADRANTS
    }
    with transaction.atomic():
        mentorship = _locked(mentorship.pk)
        _live(mentorship, "the SWOT worksheet")
        if not rules.is_member(mentorship, by):
            raise ServiceError("Only the mentorship's members keep a SWOT worksheet in it.")
        swot, _ = Swot.objects.select_for_update().get_or_create(mentorship=mentorship, owner=by)
        for field, text in cleaned.items():
            setattr(swot, field, text)
        swot.save()
        # No text in the audit log: the worksheet is private.
        record_audit(by.user, "swot.saved", swot, changes={})
    return swot


def share_swot(swot: Swot, *, by: Membership, shared: bool) -> Swot:
    """Show the worksheet to the other members, or take it back."""
    with transaction.atomic():
        swot = Swot.objects.select_for_update().get(pk=swot.pk)
        if swot.owner_id != by.pk:
            raise ServiceError("Only the worksheet's owner shares it.")
        swot.shared_at = (swot.shared_at or timezone.now()) if shared else None
        swot.save(update_fields=["shared_at", "updated_at"])
        record_audit(by.user, "swot.shared" if shared else "swot.unshared", swot, changes={})
    return swot
