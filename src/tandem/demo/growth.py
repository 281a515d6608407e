"""Reflection in the demo's mentorships: development plans (some reviewed, some changed since),
start self-assessments for most mentees and mid-point ones for a few (with a mentor's view
here and there), private journal entries with one shared, and SBI feedback both ways.

Written with ``bulk_create`` after the history, deterministic for a seed. Demo text is
written for the demo: what a mentee in a six-week-old mentorship would plausibly write. Every
pair mentorship also gets one or two goals with milestones, some done and celebrated.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from tandem.growth.enums import AssessmentStage, AssessorRole, CelebrationKind, GoalStatus
from tandem.growth.models import (
    Assessment,
    Celebration,
    DevelopmentPlan,
    Feedback,
    FeedbackRequest,
    Goal,
    JournalEntry,
    Milestone,
    PlanComment,
    PlanVersion,
    Skill,
    SkillRating,
    Swot,
)
from tandem.growth.services.journal import PROMPTS
from tandem.growth.services.vocabulary import starter_skills
from tandem.mentoring.enums import MemberRole
from tandem.mentoring.models import MentorshipMember
from tandem.programs.models import Program

if TYPE_CHECKING:
    from tandem.demo.history import HistoryReport

#: (statement, measure, target, the three milestones): what mentees six weeks in would write.
GOALS = (
    (
        "Chair two meetings of my project's steering group by the end of the program",
        "Meetings chaired, and feedback from two members after each",
        "2 meetings chaired",
        (
            "Draft an agenda and share it with my mentor",
            "Chair the first meeting",
            "Ask two members for feedback and chair the second",
        ),
    ),
    (
        "Give a 10-minute update to the leadership team without notes",
        "Update given; my manager rates it 4 or 5 out of 5",
        "1 update, rated 4+",
        (
            "Write the three messages I want them to remember",
            "Rehearse twice with my mentor",
            "Give the update and ask my manager for a rating",
        ),
    ),
    (
        "Delegate one recurring task a week to a colleague",
        "Tasks handed over and done without me stepping back in",
        "6 tasks delegated",
        (
            "List the tasks only I do today",
            "Hand over the first task with a short guide",
            "Review with the colleague after three weeks",
        ),
    ),
    (
        "Negotiate the scope of my next project before it starts",
        "A written scope agreed with my manager and the client",
        "1 agreed scope",
        (
            "Write what I need and what I can give up",
            "Practise the conversation with my mentor",
            "Hold the meeting and send the written scope",
        ),
    ),
)

STRENGTHS = (
    "I listen before I answer, and people bring me their problems early.",
    "I write clear status updates; my manager forwards them as they are.",
    "I stay calm when plans change at the last minute.",
    "I know our customers' processes better than anyone on the team.",
)
AREAS = (
    "Saying no to requests that do not fit our priorities, without sounding defensive.",
    "Leading a meeting: keeping to time and closing with decisions, not just discussion.",
    "Delegating: I still redo work I have handed over.",
    "Presenting to senior people without over-preparing slides.",
)
ACTIONS = (
    "- Chair the fortnightly planning meeting from next month\n- Read *Crucial "
    "Conversations*, chapters 1–4\n- Ask Sam to let me shadow the quarterly review",
    "- Hand over the weekly report to Alex and only review it\n- Short course on "
    "facilitation (internal academy, March)",
    "- Practise a two-minute summary before each steering meeting\n- Ask for feedback "
    "after each one",
)
TRACKING = (
    "My mentor and I look at the meeting notes each month: did we end with decisions?",
    "I keep a tally of requests I declined or renegotiated, and how it went.",
    "Feedback from two colleagues at the mid-point and at the end.",
)
JOURNAL = (
    "The planning meeting overran again. I noticed I let the loudest voice steer; next time "
    "I will state the three decisions we need at the start.",
    "Said no to the Friday deadline and offered Tuesday instead. Nobody minded. I had "
    "built it up into something much bigger than it was.",
    "Handed the weekly report to Alex. It was different from mine, not worse. Resisted "
    "rewriting it — only just.",
    "Nervous before the steering meeting, but the two-minute summary worked. They asked "
    "better questions than usual.",
)
SITUATIONS = (
    (
        "In our last session, when we went through your plan",
        "you came with three concrete examples of meetings that overran",
        "we could skip the general talk and work on what actually happens",
        "Bringing real examples",
        "Pick one to try a new approach on before we meet",
    ),
    (
        "At the team review you told me about",
        "you stopped the discussion and summarised the two options",
        "the group decided in five minutes instead of twenty",
        "Summarising out loud",
        "Name who owns the decision before the summary",
    ),
)


def seed_growth(program: Program, history: HistoryReport | None, *, seed: int = 7) -> int:
    """Fill the reflection tools of the history's pair mentorships; returns how many
    mentorships got some. Nothing when the history was not written by this run."""
    if history is None:
        return 0
    rng = random.Random(seed * 31 + 5)
    now = timezone.now()
    skills = starter_skills(program)
    objectives = list(program.objectives.values_list("pk", flat=True))
    members: dict[int, list[MentorshipMember]] = {}
    for place in MentorshipMember.objects.filter(
        mentorship_id__in=history.mentorship_ids, mentorship__kind="pair"
    ).select_related("mentorship"):
        members.setdefault(place.mentorship_id, []).append(place)
    filled = 0
    with transaction.atomic():
        for mentorship_id, places in sorted(members.items()):
            mentee = next((p for p in places if p.role == MemberRole.MENTEE), None)
            mentor = next((p for p in places if p.role == MemberRole.MENTOR), None)
            if mentee is None or mentor is None:
                continue
            started = mentee.mentorship.started_at or now - dt.timedelta(days=42)
            goals = _goals(rng, program, mentee, mentor, started, objectives)
            if rng.random() < 0.25:
                continue
            filled += 1
            _plan(rng, mentorship_id, mentee, mentor, started, goals)
            _assessments(rng, program, mentorship_id, mentee, mentor, skills, started)
            _journal(rng, mentorship_id, mentee, mentor, started)
            _feedback(rng, mentorship_id, mentee, mentor, started)
    return filled


def _at(started: dt.datetime, days: float) -> dt.datetime:
    return min(started + dt.timedelta(days=days), timezone.now())


def _goals(
    rng: random.Random,
    program: Program,
    mentee: MentorshipMember,
    mentor: MentorshipMember,
    started: dt.datetime,
    objectives: list[int],
) -> list[Goal]:
    """One or two goals for the mentee, each with three milestones: some done (celebrated),
    now and then a goal achieved, most serving one of the program's objectives."""
    mentorship = mentee.mentorship
    ends_on = mentorship.ends_on or program.ends_on
    goals = []
    for position, (statement, measure, target, steps) in enumerate(
        rng.sample(GOALS, rng.choice((1, 1, 2)))
    ):
        done = rng.choice((0, 1, 1, 2, 3))
        achieved = done == 3 and rng.random() < 0.6
        goal = Goal.objects.create(
            mentorship=mentorship,
            program=program,
            owner_id=mentee.membership_id,
            statement=statement,
            measure=measure,
            target=target,
            relevant="It is what my role asks of me next.",
            deadline=ends_on - dt.timedelta(days=14),
            objective_id=rng.choice(objectives) if objectives and rng.random() < 0.8 else None,
            status=GoalStatus.ACHIEVED if achieved else GoalStatus.ACTIVE,
            progress=done * 100 // len(steps),
            achieved_at=_at(started, 40) if achieved else None,
            position=position,
        )
        milestones = Milestone.objects.bulk_create(
            Milestone(
                goal=goal,
                title=title,
                due_on=(started + dt.timedelta(days=14 * (n + 1))).date(),
                owner_id=mentee.membership_id,
                done_at=_at(started, 12 * (n + 1)) if n < done else None,
                done_by_id=mentee.membership_id if n < done else None,
                position=n,
            )
            for n, title in enumerate(steps)
        )
        celebrations = [
            Celebration(
                program=program,
                mentorship=mentorship,
                goal=goal,
                milestone=milestone,
                kind=CelebrationKind.MILESTONE_DONE,
                key=f"milestone:{milestone.pk}",
            )
            for milestone in milestones
            if milestone.done_at is not None
        ]
        if achieved and goal.achieved_at is not None:
            celebrations.append(
                Celebration(
                    program=program,
                    mentorship=mentorship,
                    goal=goal,
                    kind=CelebrationKind.GOAL_ACHIEVED,
                    key=f"goal:{goal.pk}:{goal.achieved_at.date().isoformat()}",
                )
            )
        # Celebrated when it happened, not when the demo was seeded: the program's "this
        # month" counters read these dates.
        for celebration in Celebration.objects.bulk_create(celebrations):
            happened = celebration.milestone.done_at if celebration.milestone else None
            celebration.created_at = happened or goal.achieved_at or celebration.created_at
        Celebration.objects.bulk_update(celebrations, ["created_at"])
        goals.append(goal)
    if goals and rng.random() < 0.3:
        goals[0].comments.create(
            author_id=mentor.membership_id,
            text="Good measure. Shall we pick the first date at our next meeting?",
        )
    return goals


def _plan(
    rng: random.Random,
    mentorship_id: int,
    mentee: MentorshipMember,
    mentor: MentorshipMember,
    started: dt.datetime,
    goals: list[Goal],
) -> None:
    sections = {
        "strengths": rng.choice(STRENGTHS),
        "areas": rng.choice(AREAS),
        "actions": rng.choice(ACTIONS),
        "tracking": rng.choice(TRACKING),
    }
    changed = rng.random() < 0.5
    reviewed = rng.random() < 0.7
    first = dict(sections, tracking="")
    versions = [first, sections]
    if changed:
        versions.append(dict(sections, areas=sections["areas"] + " Also: asking for help sooner."))
    plan = DevelopmentPlan.objects.create(
        mentorship_id=mentorship_id,
        owner_id=mentee.membership_id,
        **versions[-1],
        version=len(versions),
        reviewed_version=2 if reviewed else 0,
        reviewed_at=_at(started, 30) if reviewed else None,
        reviewed_by_id=mentor.membership_id if reviewed else None,
        updated_by_id=mentee.membership_id,
    )
    plan.goals.set(goals)
    PlanVersion.objects.bulk_create(
        PlanVersion(plan=plan, number=n, sections=text, author_id=mentee.membership_id)
        for n, text in enumerate(versions, start=1)
    )
    PlanVersion.objects.filter(plan=plan).update(created_at=_at(started, 28))
    if reviewed:
        PlanComment.objects.create(
            plan=plan,
            version=2,
            section="tracking",
            author_id=mentor.membership_id,
            text="Good — let's pick the dates for the two feedback rounds now.",
        )


def _assessment(
    program: Program,
    mentorship_id: int,
    mentee: MentorshipMember,
    assessor: MentorshipMember,
    role: str,
    stage: str,
    when: dt.datetime,
    scores: list[int],
    skills: list[Skill],
) -> None:
    assessment = Assessment.objects.create(
        program=program,
        mentorship_id=mentorship_id,
        subject_id=mentee.membership_id,
        assessor_id=assessor.membership_id,
        role=role,
        stage=stage,
        submitted_at=when,
    )
    SkillRating.objects.bulk_create(
        SkillRating(assessment=assessment, skill=skill, score=score)
        for skill, score in zip(skills, scores, strict=True)
    )


def _assessments(
    rng: random.Random,
    program: Program,
    mentorship_id: int,
    mentee: MentorshipMember,
    mentor: MentorshipMember,
    skills: list[Skill],
    started: dt.datetime,
) -> None:
    if rng.random() < 0.15:
        return
    start = [rng.randint(1, 4) for _ in skills]
    _assessment(
        program,
        mentorship_id,
        mentee,
        mentee,
        AssessorRole.SELF,
        AssessmentStage.START,
        _at(started, 3),
        start,
        skills,
    )
    if rng.random() < 0.4:
        mentor_view = [min(5, s + rng.choice((0, 1, 1))) for s in start]
        _assessment(
            program,
            mentorship_id,
            mentee,
            mentor,
            AssessorRole.MENTOR,
            AssessmentStage.START,
            _at(started, 8),
            mentor_view,
            skills,
        )
    if rng.random() < 0.3:
        mid = [min(5, s + rng.choice((0, 0, 1))) for s in start]
        _assessment(
            program,
            mentorship_id,
            mentee,
            mentee,
            AssessorRole.SELF,
            AssessmentStage.MIDPOINT,
            _at(started, 40),
            mid,
            skills,
        )


def _journal(
    rng: random.Random,
    mentorship_id: int,
    mentee: MentorshipMember,
    mentor: MentorshipMember,
    started: dt.datetime,
) -> None:
    entries = []
    for n in range(rng.randint(0, 3)):
        entries.append(
            JournalEntry(
                mentorship_id=mentorship_id,
                author_id=mentee.membership_id,
                prompt=rng.choice(("", *PROMPTS)),
                text=JOURNAL[(n + rng.randint(0, 3)) % len(JOURNAL)],
                shared_at=_at(started, 20 + n) if n == 0 and rng.random() < 0.3 else None,
            )
        )
    if rng.random() < 0.4:
        entries.append(
            JournalEntry(
                mentorship_id=mentorship_id,
                author_id=mentor.membership_id,
                prompt=PROMPTS[6],
                text="Next time: let them talk through the example fully before I ask anything.",
            )
        )
    JournalEntry.objects.bulk_create(entries)
    if rng.random() < 0.5:
        Swot.objects.create(
            mentorship_id=mentorship_id,
            owner_id=mentee.membership_id,
            strengths="Calm, trusted by customers",
            weaknesses="Over-prepare; slow to delegate",
            opportunities="New team lead role opening in spring",
            threats="Reorganisation may split the team",
            shared_at=_at(started, 15) if rng.random() < 0.5 else None,
        )


def _feedback(
    rng: random.Random,
    mentorship_id: int,
    mentee: MentorshipMember,
    mentor: MentorshipMember,
    started: dt.datetime,
) -> None:
    if rng.random() < 0.4:
        return
    situation, behaviour, impact, keep, try_next = SITUATIONS[0]
    Feedback.objects.create(
        mentorship_id=mentorship_id,
        author_id=mentor.membership_id,
        recipient_id=mentee.membership_id,
        situation=situation,
        behaviour=behaviour,
        impact=impact,
        keep_doing=keep,
        try_next=try_next,
    )
    request = FeedbackRequest.objects.create(
        mentorship_id=mentorship_id,
        requester_id=mentee.membership_id,
        recipient_id=mentor.membership_id,
        topic="How I summarised the options at the team review",
        answered_at=_at(started, 33) if rng.random() < 0.5 else None,
    )
    if request.answered_at:
        situation, behaviour, impact, keep, try_next = SITUATIONS[1]
        Feedback.objects.create(
            mentorship_id=mentorship_id,
            author_id=mentor.membership_id,
            recipient_id=mentee.membership_id,
            request=request,
            situation=situation,
            behaviour=behaviour,
            impact=impact,
            keep_doing=keep,
            try_next=try_next,
        )
