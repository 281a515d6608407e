"""Reads of goals: a mentorship's goals page and workspace panel for its members, and the
program's goal alignment and achievement figures for coordinators — counts and percentages,
and a goal's text only when its mentee shared it with the program.

Every read here takes a fixed number of queries, however many goals there are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from tandem.growth.enums import COUNTED_GOAL_STATUSES, CelebrationKind, GoalStatus
from tandem.growth.models import Celebration, Goal, GoalComment, Milestone, ProgressCheckIn
from tandem.growth.smart import MilestoneDraft, Prompt, smart_prompts
from tandem.mentoring.enums import MemberRole
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.programs.models import Objective, Program

#: Mentorships per page of the alignment matrix.
ALIGNMENT_PAGE_SIZE = 50


def goals_of(mentorship: Mentorship) -> QuerySet[Goal]:
    """The mentorship's goals with everything its goals page shows (five queries in all)."""
    return (
        Goal.objects.filter(mentorship=mentorship)
        .select_related("objective", "owner__user", "suggested_by__user")
        .prefetch_related(
            "skills",
            Prefetch(
                "milestones",
                queryset=Milestone.objects.select_related("owner__user", "done_by__user"),
            ),
            Prefetch(
                "comments",
                queryset=GoalComment.objects.select_related("author__user", "milestone"),
            ),
            Prefetch("check_ins", queryset=ProgressCheckIn.objects.order_by("-created_at", "-id")),
        )
        .order_by("position", "id")
    )


def mentorship_end(mentorship: Mentorship) -> dt.date:
    """The last day of the mentorship: its own end date, else its program's."""
    return mentorship.ends_on or mentorship.program.ends_on


def prompts_for(goal: Goal, *, today: dt.date | None = None) -> list[Prompt]:
    """The SMART helper's prompts on a saved goal (its milestones prefetched)."""
    return smart_prompts(
        statement=goal.statement,
        measure=goal.measure,
        target=goal.target,
        deadline=goal.deadline,
        ends_on=mentorship_end(goal.mentorship),
        today=today or timezone.localdate(),
        milestones=[MilestoneDraft(m.title, m.due_on) for m in goal.milestones.all()],
        new=False,
    )


@dataclass
class GoalView:
    goal: Goal
    is_mine: bool
    prompts: list[Prompt]
    milestones_done: int
    #: Comments on the goal itself, and per milestone id.
    comments: list[GoalComment]
    milestone_comments: dict[int, list[GoalComment]]
    latest_check_in: ProgressCheckIn | None
    #: The forms the goals page shows on this goal (set by the view, bound when they failed).
    milestone_form: Any = None
    comment_form: Any = None
    check_in_form: Any = None
    drop_form: Any = None

    @property
    def milestones(self) -> list[Milestone]:
        return list(self.goal.milestones.all())


def goal_views(mentorship: Mentorship, member: MentorshipMember) -> list[GoalView]:
    today = timezone.localdate()
    views = []
    for goal in goals_of(mentorship):
        goal.mentorship = mentorship
        milestones = list(goal.milestones.all())
        comments: list[GoalComment] = []
        per_milestone: dict[int, list[GoalComment]] = {}
        for comment in goal.comments.all():
            if comment.milestone_id is None:
                comments.append(comment)
            else:
                per_milestone.setdefault(comment.milestone_id, []).append(comment)
        check_ins = list(goal.check_ins.all())
        views.append(
            GoalView(
                goal=goal,
                is_mine=goal.owner_id == member.membership_id,
                prompts=prompts_for(goal, today=today),
                milestones_done=sum(1 for m in milestones if m.is_done),
                comments=comments,
                milestone_comments=per_milestone,
                latest_check_in=check_ins[0] if check_ins else None,
            )
        )
    return views


def workspace_panel(mentorship: Mentorship, member: MentorshipMember) -> dict[str, Any]:
    """The goals panel of the workspace: open goals with their progress, suggestions waiting,
    the latest celebrations. Two queries."""
    goals = list(
        Goal.objects.filter(mentorship=mentorship)
        .exclude(status=GoalStatus.DROPPED)
        .annotate(
            milestone_count=Count("milestones"),
            milestones_done=Count("milestones", filter=Q(milestones__done_at__isnull=False)),
        )
        .order_by("position", "id")
    )
    celebrations = list(
        Celebration.objects.filter(mentorship=mentorship).select_related(
            "goal", "milestone", "milestone__done_by__user"
        )[:3]
    )
    return {
        "open": [g for g in goals if g.status in (GoalStatus.DRAFT, GoalStatus.ACTIVE)],
        "achieved": sum(1 for g in goals if g.status == GoalStatus.ACHIEVED),
        "waiting": [
            g
            for g in goals
            if g.status == GoalStatus.SUGGESTED and g.owner_id == member.membership_id
        ],
        "celebrations": celebrations,
        "is_mentee": member.role == MemberRole.MENTEE,
    }


# --- for coordinators -----------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """A program's goal-achievement figures."""

    goals_set: int
    active: int
    drafts: int
    achieved: int
    dropped: int
    achieved_this_month: int
    milestones_done: int
    milestones_done_this_month: int
    with_objective: int

    @property
    def achievement_rate(self) -> int | None:
        """Achieved, as a share of the goals set (drafts, active, achieved), in percent."""
        if not self.goals_set:
            return None
        return round(self.achieved * 100 / self.goals_set)


def month_start(now: dt.datetime | None = None) -> dt.datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class _Tally:
    """The goals of one objective (None: no objective) in one status."""

    objective_id: int | None
    status: str
    goals: int
    progress_sum: int
    #: Of these goals, those achieved since the start of the month.
    achieved_since: int


def _tallies(program: Program, since: dt.datetime) -> list[_Tally]:
    """The program's goals counted per objective and status: one query, at most
    (objectives + 1) × statuses rows, read from the ``goal_counts`` index alone."""
    rows = (
        Goal.objects.filter(program=program)
        .order_by()
        .values("objective_id", "status")
        .annotate(
            goals=Count("status"),
            progress_sum=Sum("progress"),
            achieved_since=Count("status", filter=Q(achieved_at__gte=since)),
        )
    )
    return [
        _Tally(
            objective_id=row["objective_id"],
            status=row["status"],
            goals=row["goals"],
            progress_sum=row["progress_sum"] or 0,
            achieved_since=row["achieved_since"] if row["status"] == GoalStatus.ACHIEVED else 0,
        )
        for row in rows
    ]


def _figures(program: Program, tallies: list[_Tally], since: dt.datetime) -> Figures:
    """The achievement figures from the goal tallies, and the milestones celebrated (one
    query on the ``celebration_counts`` index)."""

    def goals(*statuses: str, with_objective: bool = False) -> int:
        return sum(
            t.goals
            for t in tallies
            if t.status in statuses and (t.objective_id is not None or not with_objective)
        )

    # Counting created_at (never null), not id, so that PostgreSQL too answers from the index.
    celebrations = Celebration.objects.filter(
        program=program, kind=CelebrationKind.MILESTONE_DONE
    ).aggregate(
        milestones_done=Count("created_at"),
        milestones_done_this_month=Count("created_at", filter=Q(created_at__gte=since)),
    )
    return Figures(
        goals_set=goals(*COUNTED_GOAL_STATUSES),
        active=goals(GoalStatus.ACTIVE),
        drafts=goals(GoalStatus.DRAFT),
        achieved=goals(GoalStatus.ACHIEVED),
        dropped=goals(GoalStatus.DROPPED),
        achieved_this_month=sum(t.achieved_since for t in tallies),
        with_objective=goals(*COUNTED_GOAL_STATUSES, with_objective=True),
        **celebrations,
    )


def program_figures(program: Program, *, now: dt.datetime | None = None) -> Figures:
    """Two queries, however large the program."""
    since = month_start(now)
    return _figures(program, _tallies(program, since), since)


@dataclass
class Cell:
    count: int = 0
    #: Average progress of the goals counted, in percent; None without goals.
    progress: int | None = None


@dataclass
class SharedGoal:
    """A goal whose mentee chose to share its text with the program."""

    statement: str
    objective_id: int | None
    progress: int
    status: str


@dataclass
class Row:
    mentorship: Mentorship
    title: str
    cells: list[Cell]
    shared: list[SharedGoal] = field(default_factory=list)

    @property
    def goal_count(self) -> int:
        return sum(cell.count for cell in self.cells)


@dataclass
class Alignment:
    objectives: list[Objective]
    #: One cell per objective, then one for goals with no objective.
    totals: list[Cell]
    rows: list[Row]
    page: Page[Mentorship]
    figures: Figures


def _progress(value: float | None) -> int | None:
    return None if value is None else round(value)


def _total(count: int, progress_sum: int) -> Cell:
    return Cell(count, round(progress_sum / count)) if count else Cell()


def _title(mentorship: Mentorship) -> str:
    if mentorship.is_group and mentorship.name:
        return mentorship.name
    members = sorted(mentorship.members.all(), key=lambda m: (m.role != MemberRole.MENTOR, m.pk))
    names = [m.membership.user.display_name for m in members]
    return " & ".join(names) or str(mentorship)


def alignment(
    program: Program, *, page_number: Any = 1, now: dt.datetime | None = None
) -> Alignment:
    """The goal-alignment matrix: program objectives × mentorships (one page of them), each
    cell the number of goals serving that objective and their average progress; totals per
    objective over the whole program; the achievement figures. Eight queries."""
    objectives = list(Objective.objects.filter(program=program).order_by("position", "id"))
    columns: list[int | None] = [o.pk for o in objectives] + [None]
    since = month_start(now)
    tallies = _tallies(program, since)
    sums: dict[int | None, tuple[int, int]] = {}
    for tally in tallies:
        if tally.status in COUNTED_GOAL_STATUSES:
            count, progress_sum = sums.get(tally.objective_id, (0, 0))
            sums[tally.objective_id] = (count + tally.goals, progress_sum + tally.progress_sum)
    totals = [_total(*sums.get(c, (0, 0))) for c in columns]

    mentorships = (
        Mentorship.objects.filter(program=program)
        .prefetch_related(
            Prefetch(
                "members", queryset=MentorshipMember.objects.select_related("membership__user")
            )
        )
        # Newest first. Ids follow creation, and ordered by id alone the program's index hands
        # out one page without sorting all the program's mentorships first (by created_at:
        # ten times slower at 10,000).
        .order_by("-id")
    )
    page = Paginator(mentorships, ALIGNMENT_PAGE_SIZE).get_page(page_number)
    on_page = list(page.object_list)
    ids = [m.pk for m in on_page]

    # The page's goals through the mentorship index (not the program's: 50 mentorships' goals,
    # not the whole program's).
    counted = Goal.objects.filter(mentorship_id__in=ids, status__in=COUNTED_GOAL_STATUSES)
    cells: dict[tuple[int, int | None], Cell] = {
        (row["mentorship_id"], row["objective_id"]): Cell(row["n"], _progress(row["avg"]))
        for row in counted.order_by()
        .values("mentorship_id", "objective_id")
        .annotate(n=Count("id"), avg=Avg("progress"))
    }
    shared: dict[int, list[SharedGoal]] = {}
    for goal in (
        counted.filter(shared_with_program=True)
        .order_by("position", "id")
        .values("mentorship_id", "statement", "objective_id", "progress", "status")
    ):
        shared.setdefault(goal["mentorship_id"], []).append(
            SharedGoal(goal["statement"], goal["objective_id"], goal["progress"], goal["status"])
        )
    rows = [
        Row(
            mentorship=mentorship,
            title=_title(mentorship),
            cells=[cells.get((mentorship.pk, c), Cell()) for c in columns],
            shared=shared.get(mentorship.pk, []),
        )
        for mentorship in on_page
    ]
    return Alignment(
        objectives=objectives,
        totals=totals,
        rows=rows,
        page=page,
        figures=_figures(program, tallies, since),
    )
