"""Reading self-assessments: the skills rated, the stage due by the mentorship's dates, one
mentee's growth (their own ratings and the mentor's view, for them only), and the program's
skill growth in aggregate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Avg,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from tandem.growth.enums import AssessmentStage, AssessorRole
from tandem.growth.models import Assessment, Skill, SkillRating, Swot
from tandem.mentoring.models import Mentorship
from tandem.programs.models import Membership, Program

#: No program setting names a smallest group to report on, so skill growth follows the rule of
#: the surveys content: figures of fewer than this many mentees are not shown.
ANONYMITY_THRESHOLD = 5
#: The start is offered in the mentorship's first month, the end in its last.
EDGE = dt.timedelta(days=30)
#: The mid-point is offered from three weeks before the middle on.
MIDPOINT_LEAD = dt.timedelta(days=21)
#: A mentorship without an end date is taken to last six months.
DEFAULT_LENGTH = dt.timedelta(days=182)

STAGES = tuple(AssessmentStage)


def assessed_skills(program: Program) -> list[Skill]:
    return list(Skill.objects.filter(program=program, assessed=True))


def span_of(mentorship: Mentorship) -> tuple[dt.date, dt.date]:
    start = (mentorship.started_at or mentorship.created_at).date()
    end = mentorship.ends_on or (start + DEFAULT_LENGTH)
    return start, max(end, start)


def stage_due(
    mentorship: Mentorship, done: set[str], *, today: dt.date | None = None
) -> tuple[AssessmentStage | None, dt.date | None]:
    """The stage offered now, by the mentorship's dates, and else when the next one opens.

    The start in the first month (and later, as long as it is not done — a late start is
    better than none); the end in the last month; the mid-point from three weeks before the
    middle. A stage done can be taken again until the next one is due (the answers are
    replaced)."""
    today = today or timezone.localdate()
    start, end = span_of(mentorship)
    middle = start + (end - start) / 2
    if today >= end - EDGE:
        return AssessmentStage.END, None
    if today < start + EDGE or AssessmentStage.START not in done:
        return AssessmentStage.START, None
    if today >= middle - MIDPOINT_LEAD:
        return AssessmentStage.MIDPOINT, None
    return None, middle - MIDPOINT_LEAD


def assessments_of(mentorship: Mentorship, subject: Membership) -> list[Assessment]:
    """The mentee's assessments in the mentorship (theirs and their mentors'), with ratings."""
    return list(
        Assessment.objects.filter(mentorship=mentorship, subject=subject)
        .select_related("assessor__user")
        .prefetch_related("ratings")
    )


@dataclass
class SkillRow:
    skill: Skill
    #: Stage value → score, for the mentee's own ratings.
    own: dict[str, int] = field(default_factory=dict)
    #: Stage value → score, for the mentor's view.
    mentor: dict[str, int] = field(default_factory=dict)


def growth_rows(
    skills: list[Skill], assessments: list[Assessment]
) -> tuple[list[SkillRow], list[str], list[str]]:
    """Per skill, the mentee's scores per stage and the mentor's; and the stages present."""
    rows = {skill.pk: SkillRow(skill=skill) for skill in skills}
    own_stages: set[str] = set()
    mentor_stages: set[str] = set()
    for assessment in assessments:
        if assessment.submitted_at is None:
            continue
        target = "own" if assessment.role == AssessorRole.SELF else "mentor"
        (own_stages if target == "own" else mentor_stages).add(assessment.stage)
        for rating in assessment.ratings.all():
            row = rows.get(rating.skill_id)
            if row is not None:
                getattr(row, target)[assessment.stage] = rating.score
    order = [stage.value for stage in STAGES]
    return (
        list(rows.values()),
        [s for s in order if s in own_stages],
        [s for s in order if s in mentor_stages],
    )


@dataclass(frozen=True)
class SkillGrowth:
    skill_id: int
    skill: str
    #: Mentees who rated the skill both at the start and at the end.
    mentees: int
    #: Mean of end − start over them; ``None`` when fewer than the threshold.
    mean_change: float | None


def skill_growth(program: Program, *, threshold: int = ANONYMITY_THRESHOLD) -> list[SkillGrowth]:
    """Per skill of the program, the mean change (end − start) of the mentees' own ratings,
    over mentees who rated it at both; suppressed (``None``, and no count) below ``threshold``
    mentees. Two queries whatever the program's size: the database pairs each end rating with
    the same mentee's start rating of the skill and averages per skill."""
    self_rated = {
        "assessment__role": AssessorRole.SELF,
        "assessment__submitted_at__isnull": False,
    }
    start_score = SkillRating.objects.filter(
        assessment__mentorship_id=OuterRef("assessment__mentorship_id"),
        assessment__subject_id=OuterRef("assessment__subject_id"),
        assessment__stage=AssessmentStage.START,
        skill_id=OuterRef("skill_id"),
        **self_rated,
    ).values("score")[:1]
    figures = {
        row["skill_id"]: row
        for row in SkillRating.objects.filter(
            assessment__program=program, assessment__stage=AssessmentStage.END, **self_rated
        )
        .annotate(start=Subquery(start_score))
        .filter(start__isnull=False)
        .values("skill_id")
        .annotate(
            mentees=Count("id"),
            mean=Avg(
                ExpressionWrapper(F("score") - F("start"), output_field=FloatField()),
            ),
        )
        .order_by()
    }
    result = []
    for skill_id, name in Skill.objects.filter(program=program, assessed=True).values_list(
        "pk", "name"
    ):
        row = figures.get(skill_id)
        shown = row is not None and row["mentees"] >= threshold
        result.append(
            SkillGrowth(
                skill_id=skill_id,
                skill=name,
                mentees=row["mentees"] if row is not None and shown else 0,
                mean_change=round(float(row["mean"]), 2) if row is not None and shown else None,
            )
        )
    return result


def swot_of(mentorship: Mentorship, owner: Membership) -> Swot | None:
    return Swot.objects.filter(mentorship=mentorship, owner=owner).first()


def shared_swots(mentorship: Mentorship, viewer: Membership) -> QuerySet[Swot]:
    """The other members' worksheets they shared."""
    return (
        Swot.objects.filter(mentorship=mentorship, shared_at__isnull=False)
        .exclude(owner=viewer)
        .select_related("owner__user")
    )
