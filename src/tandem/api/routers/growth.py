"""The reflection tools of a mentorship: the development plan (versions, comments, review),
skills self-assessments and the mentor's view, the SWOT, the private journal, SBI feedback
and requests, and one's own export.

Same rules as the web: members only, and within the mentorship each thing is its author's
(a journal entry not shared, a SWOT not shared, a mentee's self-assessment, feedback between
two people). Everyone else — the program's coordinators included — gets the same 404 as for
something that does not exist. A plan saved against a version that moved on answers 409 with
the current plan and what changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Status

from tandem.api.common import check_rule, program_access
from tandem.api.schemas import ErrorOut, Schema
from tandem.core.text import render_markdown
from tandem.growth.enums import AssessmentStage, AssessorRole
from tandem.growth.models import Assessment, DevelopmentPlan, Feedback, JournalEntry, Swot
from tandem.growth.queries import assessments as assessment_queries
from tandem.growth.queries import feedback as feedback_queries
from tandem.growth.queries import journal as journal_queries
from tandem.growth.queries import plans as plan_queries
from tandem.growth.rules import reflection as growth_rules
from tandem.growth.services import assessments as assessment_services
from tandem.growth.services import feedback as feedback_services
from tandem.growth.services import journal as journal_services
from tandem.growth.services import plans as plan_services
from tandem.growth.services.exports import export_file
from tandem.mentoring.enums import MemberRole
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.mentoring.rules import mentorships as rules
from tandem.programs.models import Membership

router = Router(tags=["growth"])

BASE = "/organizations/{org}/programs/{program}/mentorships/{mentorship_id}"
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

SectionText = Field(default="", max_length=plan_services.SECTION_MAX)
StageName = Literal["start", "midpoint", "end"]


# --- schemas ------------------------------------------------------------------------------


class PersonOut(Schema):
    membership_id: int
    name: str


class ChangeOut(Schema):
    section: str
    label: str
    #: The new text with ``<ins>``/``<del>`` marks; every word escaped.
    html: str


class PlanOut(Schema):
    mentee: PersonOut
    version: int
    reviewed_version: int
    reviewed_at: dt.datetime | None
    updated_at: dt.datetime | None
    strengths: str
    areas: str
    actions: str
    tracking: str
    goal_ids: list[int]
    #: What changed since the mentor's last review (changed sections only).
    changes_since_review: list[ChangeOut]
    can_edit: bool
    can_review: bool


class PlanIn(Schema):
    #: The version the client last read (0 before the first save).
    version: int = Field(ge=0)
    strengths: str = SectionText
    areas: str = SectionText
    actions: str = SectionText
    tracking: str = SectionText
    #: The mentee's goals the plan serves (the mentee only; omit to keep them).
    goal_ids: list[int] | None = Field(default=None, max_length=100)
    #: In a group, the mentee whose plan it is (a mentor must name them).
    mentee: int | None = None


class StaleOut(Schema):
    detail: str
    field: str
    current: PlanOut
    #: What the other person changed since ``version``.
    changes: list[ChangeOut]


class ReviewIn(Schema):
    version: int = Field(ge=1)
    #: Comments per section (``general`` for the plan as a whole).
    comments: dict[
        Literal["general", "strengths", "areas", "actions", "tracking"],
        str,
    ] = Field(default_factory=dict)
    mentee: int | None = None


class VersionOut(Schema):
    number: int
    saved_at: dt.datetime
    author: PersonOut | None
    sections: dict[str, str]


class PlanCommentOut(Schema):
    id: int
    version: int
    section: str
    author: PersonOut
    text: str
    text_html: str
    created_at: dt.datetime


class PlanCommentIn(Schema):
    text: str = Field(min_length=1, max_length=plan_services.COMMENT_MAX)
    section: Literal["", "strengths", "areas", "actions", "tracking"] = ""
    mentee: int | None = None


class RatingIn(Schema):
    skill_id: int
    score: int = Field(ge=1, le=5)


class AssessmentIn(Schema):
    stage: StageName
    ratings: list[RatingIn] = Field(min_length=1, max_length=200)
    #: A mentor giving their view names the mentee (a mentee rates themselves: omit).
    subject: int | None = None


class RatingOut(Schema):
    skill_id: int
    skill: str
    score: int


class AssessmentOut(Schema):
    id: int
    stage: AssessmentStage
    role: AssessorRole
    subject: PersonOut
    assessor: PersonOut
    submitted_at: dt.datetime | None
    ratings: list[RatingOut]


class SkillOut(Schema):
    id: int
    name: str
    family: str


class AssessmentsOut(Schema):
    skills: list[SkillOut]
    #: For a mentee, the stage offered now (null when none is).
    due: AssessmentStage | None
    assessments: list[AssessmentOut]


class StageIn(Schema):
    stage: StageName


class SwotIn(Schema):
    strengths: str = Field(default="", max_length=assessment_services.QUADRANT_MAX)
    weaknesses: str = Field(default="", max_length=assessment_services.QUADRANT_MAX)
    opportunities: str = Field(default="", max_length=assessment_services.QUADRANT_MAX)
    threats: str = Field(default="", max_length=assessment_services.QUADRANT_MAX)


class SwotOut(Schema):
    owner: PersonOut
    strengths: str
    weaknesses: str
    opportunities: str
    threats: str
    shared_at: dt.datetime | None
    updated_at: dt.datetime


class SwotsOut(Schema):
    mine: SwotOut | None
    shared_with_me: list[SwotOut]


class ShareIn(Schema):
    shared: bool


class EntryIn(Schema):
    text: str = Field(min_length=1, max_length=journal_services.ENTRY_MAX)
    prompt: str = Field(default="", max_length=journal_services.PROMPT_MAX)


class EntryPatch(Schema):
    text: str = Field(min_length=1, max_length=journal_services.ENTRY_MAX)


class EntryOut(Schema):
    id: int
    author: PersonOut
    is_mine: bool
    prompt: str
    text: str
    text_html: str
    shared_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class FeedbackIn(Schema):
    recipient: int
    situation: str = Field(min_length=1, max_length=feedback_services.PART_MAX)
    behaviour: str = Field(min_length=1, max_length=feedback_services.PART_MAX)
    impact: str = Field(min_length=1, max_length=feedback_services.PART_MAX)
    keep_doing: str = Field(default="", max_length=feedback_services.PART_MAX)
    try_next: str = Field(default="", max_length=feedback_services.PART_MAX)
    #: The request it answers, if any.
    request: int | None = None


class FeedbackOut(Schema):
    id: int
    author: PersonOut
    recipient: PersonOut
    request: int | None
    topic: str
    situation: str
    behaviour: str
    impact: str
    keep_doing: str
    try_next: str
    created_at: dt.datetime


class FeedbackRequestIn(Schema):
    recipient: int
    topic: str = Field(min_length=1, max_length=feedback_services.TOPIC_MAX)


class FeedbackRequestOut(Schema):
    id: int
    requester: PersonOut
    recipient: PersonOut
    topic: str
    created_at: dt.datetime
    answered_at: dt.datetime | None


# --- finding things -----------------------------------------------------------------------


def _mine(
    request: HttpRequest, org: str, program: str, mentorship_id: int
) -> tuple[Mentorship, MentorshipMember]:
    access = program_access(request, org, program)
    check_rule(rules.can_open_mentorship_pages, access)
    mentorship = (
        Mentorship.objects.select_related("program__organization")
        .prefetch_related("members__membership__user")
        .filter(pk=mentorship_id, program=access.program_or_404)
        .first()
    )
    if mentorship is None or not rules.is_member(access, mentorship) or not access.membership:
        raise Http404("No such mentorship.")
    membership_id = access.membership.pk
    member = next(m for m in mentorship.members.all() if m.membership_id == membership_id)
    return mentorship, member


def _person(membership: Membership) -> dict[str, Any]:
    return {"membership_id": membership.pk, "name": membership.user.display_name}


def _place(mentorship: Mentorship, membership_id: int | None) -> MentorshipMember | None:
    return next((m for m in mentorship.members.all() if m.membership_id == membership_id), None)


def _plan_owner(mentorship: Mentorship, member: MentorshipMember, mentee: int | None) -> Membership:
    if member.role == MemberRole.MENTEE:
        if mentee not in (None, member.membership_id):
            raise Http404("No such plan.")
        return member.membership
    mentees = [m for m in mentorship.members.all() if m.role == MemberRole.MENTEE]
    found = _place(mentorship, mentee) if mentee is not None else (mentees[0] if mentees else None)
    if found is None or found.role != MemberRole.MENTEE:
        raise Http404("No such plan.")
    return found.membership


def _changes(diffs: list[plan_queries.SectionDiff]) -> list[dict[str, Any]]:
    return [{"section": d.field, "label": d.label, "html": str(d.html)} for d in diffs]


def _plan_out(
    mentorship: Mentorship, owner: Membership, viewer: Membership, plan: DevelopmentPlan | None
) -> dict[str, Any]:
    sections = plan_queries.sections_of(plan)
    return {
        "mentee": _person(owner),
        "version": plan.version if plan else 0,
        "reviewed_version": plan.reviewed_version if plan else 0,
        "reviewed_at": plan.reviewed_at if plan else None,
        "updated_at": plan.updated_at if plan else None,
        **sections,
        "goal_ids": [g.pk for g in plan.goals.all()] if plan else [],
        "changes_since_review": _changes(plan_queries.changes_since_review(plan)) if plan else [],
        "can_edit": growth_rules.can_edit_plan(mentorship, owner.pk, viewer),
        "can_review": bool(plan and plan.version)
        and growth_rules.can_review_plan(mentorship, owner.pk, viewer),
    }


# --- the plan -----------------------------------------------------------------------------


@router.get(BASE + "/plan", response={200: PlanOut, **ERRORS})
def get_plan(
    request: HttpRequest, org: str, program: str, mentorship_id: int, mentee: int | None = None
) -> dict[str, Any]:
    """The mentee's development plan (a mentee's own; a mentor's mentee)."""
    mentorship, member = _mine(request, org, program, mentorship_id)
    owner = _plan_owner(mentorship, member, mentee)
    return _plan_out(mentorship, owner, member.membership, plan_queries.plan_of(mentorship, owner))


@router.put(BASE + "/plan", response={200: PlanOut, 409: StaleOut, **ERRORS})
def save_plan(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: PlanIn
) -> Status[Any]:
    """Save a new version. ``version`` is the one read; if the plan moved on since, 409 with
    the current plan and what changed — nothing is overwritten."""
    mentorship, member = _mine(request, org, program, mentorship_id)
    owner = _plan_owner(mentorship, member, payload.mentee)
    sections = {f: getattr(payload, f) for f in plan_queries.SECTION_FIELDS}
    try:
        plan_services.save_plan(
            mentorship,
            by=member.membership,
            owner=owner,
            sections=sections,
            opened_at=payload.version,
            goal_ids=payload.goal_ids,
        )
    except plan_services.StalePlan as stale:
        current = plan_queries.plan_of(mentorship, owner)
        return Status(
            409,
            {
                "detail": stale.message,
                "field": "version",
                "current": _plan_out(mentorship, owner, member.membership, current),
                "changes": _changes(stale.changes),
            },
        )
    plan = plan_queries.plan_of(mentorship, owner)
    return Status(200, _plan_out(mentorship, owner, member.membership, plan))


@router.post(BASE + "/plan/review", response={200: PlanOut, 409: StaleOut, **ERRORS})
def review_plan(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: ReviewIn
) -> Status[Any]:
    """The mentor marks ``version`` reviewed, with comments per section."""
    mentorship, member = _mine(request, org, program, mentorship_id)
    owner = _plan_owner(mentorship, member, payload.mentee)
    plan = plan_queries.plan_of(mentorship, owner)
    if plan is None:
        raise Http404("No such plan.")
    comments = {("" if k == "general" else k): v for k, v in payload.comments.items()}
    try:
        plan_services.review_plan(
            plan, by=member.membership, comments=comments, opened_at=payload.version
        )
    except plan_services.StalePlan as stale:
        current = plan_queries.plan_of(mentorship, owner)
        return Status(
            409,
            {
                "detail": stale.message,
                "field": "version",
                "current": _plan_out(mentorship, owner, member.membership, current),
                "changes": _changes(stale.changes),
            },
        )
    plan = plan_queries.plan_of(mentorship, owner)
    return Status(200, _plan_out(mentorship, owner, member.membership, plan))


@router.get(BASE + "/plan/versions", response={200: list[VersionOut], **ERRORS})
def plan_versions(
    request: HttpRequest, org: str, program: str, mentorship_id: int, mentee: int | None = None
) -> list[dict[str, Any]]:
    mentorship, member = _mine(request, org, program, mentorship_id)
    owner = _plan_owner(mentorship, member, mentee)
    plan = plan_queries.plan_of(mentorship, owner)
    if plan is None:
        return []
    return [
        {
            "number": v.number,
            "saved_at": v.created_at,
            "author": _person(v.author) if v.author else None,
            "sections": v.sections,
        }
        for v in plan_queries.versions_of(plan)
    ]


def _comment_out(comment: Any) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "version": comment.version,
        "section": comment.section,
        "author": _person(comment.author),
        "text": comment.text,
        "text_html": render_markdown(comment.text),
        "created_at": comment.created_at,
    }


@router.get(BASE + "/plan/comments", response={200: list[PlanCommentOut], **ERRORS})
def plan_comments(
    request: HttpRequest, org: str, program: str, mentorship_id: int, mentee: int | None = None
) -> list[dict[str, Any]]:
    mentorship, member = _mine(request, org, program, mentorship_id)
    owner = _plan_owner(mentorship, member, mentee)
    plan = plan_queries.plan_of(mentorship, owner)
    return [_comment_out(c) for c in plan_queries.comments_of(plan)] if plan else []


@router.post(BASE + "/plan/comments", response={201: PlanCommentOut, **ERRORS})
def add_plan_comment(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: PlanCommentIn
) -> Status[dict[str, Any]]:
    mentorship, member = _mine(request, org, program, mentorship_id)
    owner = _plan_owner(mentorship, member, payload.mentee)
    plan = plan_queries.plan_of(mentorship, owner)
    if plan is None:
        raise Http404("No such plan.")
    comment = plan_services.comment_on_plan(
        plan, by=member.membership, text=payload.text, section=payload.section
    )
    return Status(201, _comment_out(comment))


# --- assessments --------------------------------------------------------------------------


def _assessment_out(assessment: Assessment, skills: dict[int, str]) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "stage": assessment.stage,
        "role": assessment.role,
        "subject": _person(assessment.subject),
        "assessor": _person(assessment.assessor),
        "submitted_at": assessment.submitted_at,
        "ratings": [
            {"skill_id": r.skill_id, "skill": skills.get(r.skill_id, ""), "score": r.score}
            for r in assessment.ratings.all()
        ],
    }


def _assessments(mentorship: Mentorship, member: MentorshipMember) -> dict[str, Any]:
    skills = assessment_queries.assessed_skills(mentorship.program)
    names = {s.pk: s.name for s in skills}
    viewer = member.membership
    rows = (
        Assessment.objects.filter(mentorship=mentorship)
        .select_related("subject__user", "assessor__user")
        .prefetch_related("ratings")
    )
    if member.role == MemberRole.MENTEE:
        rows = rows.filter(subject=viewer)
    else:
        rows = rows.filter(assessor=viewer, role=AssessorRole.MENTOR)
    mine = list(rows)
    due = None
    if member.role == MemberRole.MENTEE:
        done = {a.stage for a in mine if a.role == AssessorRole.SELF and a.submitted_at}
        due, _opens = assessment_queries.stage_due(mentorship, done)
    return {
        "skills": [{"id": s.pk, "name": s.name, "family": s.family} for s in skills],
        "due": due,
        "assessments": [_assessment_out(a, names) for a in mine],
    }


@router.get(BASE + "/assessments", response={200: AssessmentsOut, **ERRORS})
def list_assessments(
    request: HttpRequest, org: str, program: str, mentorship_id: int
) -> dict[str, Any]:
    """A mentee: their own self-assessments and the views their mentor gave them. A mentor:
    the views they were asked for and gave."""
    mentorship, member = _mine(request, org, program, mentorship_id)
    if not assessment_queries.assessed_skills(mentorship.program):
        from tandem.growth.services.vocabulary import starter_skills

        starter_skills(mentorship.program)
    return _assessments(mentorship, member)


@router.post(BASE + "/assessments", response={201: AssessmentsOut, **ERRORS})
def submit_assessment(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: AssessmentIn
) -> Status[dict[str, Any]]:
    """Rate the skills at ``stage`` (1–5 each). A mentee rates themselves; a mentor gives the
    view their mentee asked for (``subject``)."""
    mentorship, member = _mine(request, org, program, mentorship_id)
    if member.role == MemberRole.MENTEE:
        subject = member.membership
    else:
        place = _place(mentorship, payload.subject)
        if place is None or place.role != MemberRole.MENTEE:
            raise Http404("No such mentee.")
        subject = place.membership
    assessment_services.submit_assessment(
        mentorship,
        by=member.membership,
        subject=subject,
        stage=payload.stage,
        scores={r.skill_id: r.score for r in payload.ratings},
    )
    return Status(201, _assessments(mentorship, member))


@router.post(BASE + "/assessments/mentor-view", response={201: AssessmentsOut, **ERRORS})
def request_mentor_view(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: StageIn
) -> Status[dict[str, Any]]:
    """The mentee asks their mentor to rate the same skills at ``stage``."""
    mentorship, member = _mine(request, org, program, mentorship_id)
    mentor = next((m for m in mentorship.members.all() if m.role == MemberRole.MENTOR), None)
    if member.role != MemberRole.MENTEE or mentor is None:
        raise Http404("Only a mentee asks for their mentor's view.")
    assessment_services.request_mentor_view(
        mentorship, by=member.membership, mentor=mentor.membership, stage=payload.stage
    )
    return Status(201, _assessments(mentorship, member))


# --- SWOT ---------------------------------------------------------------------------------


def _swot_out(swot: Swot) -> dict[str, Any]:
    return {
        "owner": _person(swot.owner),
        "strengths": swot.strengths,
        "weaknesses": swot.weaknesses,
        "opportunities": swot.opportunities,
        "threats": swot.threats,
        "shared_at": swot.shared_at,
        "updated_at": swot.updated_at,
    }


def _swots(mentorship: Mentorship, member: MentorshipMember) -> dict[str, Any]:
    mine = Swot.objects.filter(mentorship=mentorship, owner=member.membership).select_related(
        "owner__user"
    )
    found = mine.first()
    return {
        "mine": _swot_out(found) if found else None,
        "shared_with_me": [
            _swot_out(s) for s in assessment_queries.shared_swots(mentorship, member.membership)
        ],
    }


@router.get(BASE + "/swot", response={200: SwotsOut, **ERRORS})
def get_swot(request: HttpRequest, org: str, program: str, mentorship_id: int) -> dict[str, Any]:
    """Your SWOT, and the ones the other members shared with you."""
    mentorship, member = _mine(request, org, program, mentorship_id)
    return _swots(mentorship, member)


@router.put(BASE + "/swot", response={200: SwotsOut, **ERRORS})
def save_swot(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: SwotIn
) -> dict[str, Any]:
    mentorship, member = _mine(request, org, program, mentorship_id)
    assessment_services.save_swot(mentorship, by=member.membership, quadrants=payload.dict())
    return _swots(mentorship, member)


@router.post(BASE + "/swot/share", response={200: SwotsOut, **ERRORS})
def share_swot(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: ShareIn
) -> dict[str, Any]:
    mentorship, member = _mine(request, org, program, mentorship_id)
    swot = assessment_queries.swot_of(mentorship, member.membership)
    if swot is None:
        raise Http404("Save your SWOT before sharing it.")
    assessment_services.share_swot(swot, by=member.membership, shared=payload.shared)
    return _swots(mentorship, member)


# --- journal ------------------------------------------------------------------------------


def _entry_out(entry: JournalEntry, viewer: Membership) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "author": _person(entry.author),
        "is_mine": entry.author_id == viewer.pk,
        "prompt": entry.prompt,
        "text": entry.text,
        "text_html": render_markdown(entry.text),
        "shared_at": entry.shared_at,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
    }


def _entry(mentorship: Mentorship, member: MentorshipMember, entry_id: int) -> JournalEntry:
    entry = journal_queries.entry_for(mentorship, member.membership, entry_id)
    if entry is None:
        raise Http404("No such journal entry.")
    return entry


def _own_entry(mentorship: Mentorship, member: MentorshipMember, entry_id: int) -> JournalEntry:
    entry = _entry(mentorship, member, entry_id)
    if entry.author_id != member.membership_id:
        raise Http404("No such journal entry.")
    return entry


@router.get(BASE + "/journal", response={200: list[EntryOut], **ERRORS})
def list_entries(
    request: HttpRequest, org: str, program: str, mentorship_id: int
) -> list[dict[str, Any]]:
    """Your entries and the ones others shared, newest first."""
    mentorship, member = _mine(request, org, program, mentorship_id)
    return [
        _entry_out(e, member.membership)
        for e in journal_queries.visible_entries(mentorship, member.membership)
    ]


@router.post(BASE + "/journal", response={201: EntryOut, **ERRORS})
def add_entry(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: EntryIn
) -> Status[dict[str, Any]]:
    mentorship, member = _mine(request, org, program, mentorship_id)
    entry = journal_services.write_entry(
        mentorship, by=member.membership, text=payload.text, prompt=payload.prompt
    )
    entry.author = member.membership
    return Status(201, _entry_out(entry, member.membership))


@router.get(BASE + "/journal/{entry_id}", response={200: EntryOut, **ERRORS})
def get_entry(
    request: HttpRequest, org: str, program: str, mentorship_id: int, entry_id: int
) -> dict[str, Any]:
    mentorship, member = _mine(request, org, program, mentorship_id)
    return _entry_out(_entry(mentorship, member, entry_id), member.membership)


@router.patch(BASE + "/journal/{entry_id}", response={200: EntryOut, **ERRORS})
def edit_entry(
    request: HttpRequest,
    org: str,
    program: str,
    mentorship_id: int,
    entry_id: int,
    payload: EntryPatch,
) -> dict[str, Any]:
    mentorship, member = _mine(request, org, program, mentorship_id)
    entry = journal_services.edit_entry(
        _own_entry(mentorship, member, entry_id), by=member.membership, text=payload.text
    )
    return _entry_out(_entry(mentorship, member, entry.pk), member.membership)


@router.post(BASE + "/journal/{entry_id}/share", response={200: EntryOut, **ERRORS})
def share_entry(
    request: HttpRequest,
    org: str,
    program: str,
    mentorship_id: int,
    entry_id: int,
    payload: ShareIn,
) -> dict[str, Any]:
    """Share the entry with the mentorship (``shared: true``) or take it back."""
    mentorship, member = _mine(request, org, program, mentorship_id)
    journal_services.share_entry(
        _own_entry(mentorship, member, entry_id), by=member.membership, shared=payload.shared
    )
    return _entry_out(_entry(mentorship, member, entry_id), member.membership)


@router.delete(BASE + "/journal/{entry_id}", response={204: None, **ERRORS})
def delete_entry(
    request: HttpRequest, org: str, program: str, mentorship_id: int, entry_id: int
) -> Status[None]:
    mentorship, member = _mine(request, org, program, mentorship_id)
    journal_services.delete_entry(_own_entry(mentorship, member, entry_id), by=member.membership)
    return Status(204, None)


# --- feedback -----------------------------------------------------------------------------


def _feedback_out(feedback: Feedback) -> dict[str, Any]:
    return {
        "id": feedback.pk,
        "author": _person(feedback.author),
        "recipient": _person(feedback.recipient),
        "request": feedback.request_id,
        "topic": feedback.request.topic if feedback.request else "",
        "situation": feedback.situation,
        "behaviour": feedback.behaviour,
        "impact": feedback.impact,
        "keep_doing": feedback.keep_doing,
        "try_next": feedback.try_next,
        "created_at": feedback.created_at,
    }


def _request_out(item: Any) -> dict[str, Any]:
    return {
        "id": item.pk,
        "requester": _person(item.requester),
        "recipient": _person(item.recipient),
        "topic": item.topic,
        "created_at": item.created_at,
        "answered_at": item.answered_at,
    }


def _other(mentorship: Mentorship, member: MentorshipMember, membership_id: int) -> Membership:
    place = _place(mentorship, membership_id)
    if place is None or place.membership_id == member.membership_id:
        raise Http404("No such member.")
    return place.membership


@router.get(BASE + "/feedback", response={200: list[FeedbackOut], **ERRORS})
def list_feedback(
    request: HttpRequest, org: str, program: str, mentorship_id: int
) -> list[dict[str, Any]]:
    """Feedback you gave or received in the mentorship, newest first."""
    mentorship, member = _mine(request, org, program, mentorship_id)
    return [_feedback_out(f) for f in feedback_queries.feedback_of(mentorship, member.membership)]


@router.post(BASE + "/feedback", response={201: FeedbackOut, **ERRORS})
def give_feedback(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: FeedbackIn
) -> Status[dict[str, Any]]:
    mentorship, member = _mine(request, org, program, mentorship_id)
    recipient = _other(mentorship, member, payload.recipient)
    answered = None
    if payload.request is not None:
        answered = feedback_queries.open_request_to(mentorship, member.membership, payload.request)
        if answered is None:
            raise Http404("No such open request.")
    feedback = feedback_services.give_feedback(
        mentorship,
        by=member.membership,
        recipient=recipient,
        data=feedback_services.FeedbackInput(
            situation=payload.situation,
            behaviour=payload.behaviour,
            impact=payload.impact,
            keep_doing=payload.keep_doing,
            try_next=payload.try_next,
        ),
        request=answered,
    )
    found = feedback_queries.feedback_of(mentorship, member.membership).get(pk=feedback.pk)
    return Status(201, _feedback_out(found))


@router.get(BASE + "/feedback/requests", response={200: list[FeedbackRequestOut], **ERRORS})
def list_feedback_requests(
    request: HttpRequest, org: str, program: str, mentorship_id: int
) -> list[dict[str, Any]]:
    mentorship, member = _mine(request, org, program, mentorship_id)
    return [_request_out(r) for r in feedback_queries.requests_of(mentorship, member.membership)]


@router.post(BASE + "/feedback/requests", response={201: FeedbackRequestOut, **ERRORS})
def ask_for_feedback(
    request: HttpRequest, org: str, program: str, mentorship_id: int, payload: FeedbackRequestIn
) -> Status[dict[str, Any]]:
    mentorship, member = _mine(request, org, program, mentorship_id)
    recipient = _other(mentorship, member, payload.recipient)
    made = feedback_services.request_feedback(
        mentorship, by=member.membership, recipient=recipient, topic=payload.topic
    )
    found = feedback_queries.requests_of(mentorship, member.membership).get(pk=made.pk)
    return Status(201, _request_out(found))


# --- export -------------------------------------------------------------------------------


@router.get(BASE + "/export", response={200: None, **ERRORS})
def export(request: HttpRequest, org: str, program: str, mentorship_id: int) -> HttpResponse:
    """Your own growth data as a ``.zip`` holding ``growth.md`` and ``growth.json``."""
    mentorship, member = _mine(request, org, program, mentorship_id)
    name, content = export_file(mentorship, by=member.membership)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
