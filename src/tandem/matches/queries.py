"""Reads of the matching pages: the criteria preview, scenario figures, comparisons and the
review table — each in a fixed number of queries, however many runs or pairs there are.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Avg, Count, IntegerField, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from tandem import matching
from tandem.core.errors import ServiceError
from tandem.matches.criteria import short_label
from tandem.matches.enums import PairRuleKind
from tandem.matches.models import (
    MatchingCriterion,
    MatchRun,
    PairRule,
    ProposedMatch,
    UnmatchedMentee,
)
from tandem.matches.problem import (
    build_problem,
    criterion_label,
    install_default_criteria,
    mentor_capacity,
)
from tandem.matches.services import open_relationship_counts, unmatched_people
from tandem.programs.models import Membership, Program

PREVIEW_LIMIT = 5


def criteria_of(program: Program) -> list[MatchingCriterion]:
    """The program's criteria (Tandem's defaults are installed the first time)."""
    install_default_criteria(program)
    return list(
        program.matching_criteria.select_related("mentee_question", "mentor_question").order_by(
            "position", "id"
        )
    )


# --- preview ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContributionRow:
    label: str
    kind: str
    score: float
    contribution: float
    #: The criterion's share of the pair's score, in percent (for the bar).
    share: float


@dataclass(frozen=True)
class Suggestion:
    mentor: Membership
    pair: matching.PairScore
    rows: list[ContributionRow]


@dataclass
class Preview:
    mentees: list[Membership]
    mentee: Membership | None
    mentors: int
    suggestions: list[Suggestion] = field(default_factory=list)
    weights: dict[int, float] = field(default_factory=dict)
    message: str = ""


def contribution_rows(
    contributions: Sequence[Mapping[str, Any]] | Sequence[matching.Contribution],
    labels: Mapping[str, str],
) -> list[ContributionRow]:
    """Per-criterion parts of a score (engine objects or stored dicts), with readable labels."""
    items = [item if isinstance(item, Mapping) else asdict(item) for item in contributions]
    total = sum(float(item["contribution"]) for item in items) or 1.0
    return [
        ContributionRow(
            label=labels.get(str(item["criterion"]), str(item["criterion"])),
            kind=str(item["kind"]),
            score=float(item["score"]),
            contribution=float(item["contribution"]),
            share=round(100.0 * float(item["contribution"]) / total, 1),
        )
        for item in items
    ]


def criterion_labels(criteria: Sequence[MatchingCriterion]) -> dict[str, str]:
    return {criterion_label(c): short_label(c) for c in criteria}


def preview(
    program: Program,
    *,
    mentee_id: int | None = None,
    weights: Mapping[int, float] | None = None,
    limit: int = PREVIEW_LIMIT,
) -> Preview:
    """The best mentors for one sample mentee under the criteria — with ``weights`` (criterion
    id → weight) tried instead of the saved ones, without saving anything."""
    criteria = criteria_of(program)
    if weights:
        tried = []
        for criterion in criteria:
            if criterion.pk in weights:
                criterion = copy.copy(criterion)
                criterion.weight = weights[criterion.pk]
            tried.append(criterion)
        criteria = tried
    mentees, mentors, free = unmatched_people(program)
    mentees.sort(key=lambda m: (m.user.display_name.lower(), m.pk))
    result = Preview(
        mentees=mentees,
        mentee=None,
        mentors=len(mentors),
        weights={c.pk: c.weight for c in criteria},
    )
    if not mentees or not mentors:
        result.message = (
            "Nobody to preview yet: the preview needs at least one ready mentee and one ready "
            "mentor with a place left."
        )
        return result
    mentee = next((m for m in mentees if m.pk == mentee_id), mentees[0])
    result.mentee = mentee
    try:
        pool = build_problem(
            program, mentees=[mentee], mentors=mentors, criteria=criteria, free_capacity=free
        )
        suggestions = matching.Matcher(pool.problem).suggest(str(mentee.pk), limit=limit)
    except matching.MatchingInputError as error:
        raise ServiceError(str(error), field="weight") from None
    by_id = {str(m.pk): m for m in mentors}
    labels = criterion_labels(criteria)
    result.suggestions = [
        Suggestion(
            mentor=by_id[pair.mentor_id],
            pair=pair,
            rows=contribution_rows(pair.contributions, labels),
        )
        for pair in suggestions
    ]
    if not result.suggestions:
        result.message = (
            f"No mentor passes the hard rules for {mentee.user.display_name}: "
            "loosen a rule or pick another mentee."
        )
    return result


# --- scenarios ----------------------------------------------------------------------------


def _count(queryset: QuerySet[Any]) -> Coalesce:
    return Coalesce(
        Subquery(
            queryset.order_by().values("run").annotate(n=Count("id")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def runs_of(program: Program) -> QuerySet[MatchRun]:
    """The program's scenarios, newest first, with live figures annotated (no N+1)."""
    proposals = ProposedMatch.objects.filter(run=OuterRef("pk"))
    return (
        program.match_runs.select_related("created_by", "published_by")
        .annotate(
            matched=_count(proposals),
            unmatched_count=_count(UnmatchedMentee.objects.filter(run=OuterRef("pk"))),
            edited=_count(proposals.exclude(source=ProposedMatch.Source.ENGINE)),
            mean_fit=Subquery(
                proposals.order_by().values("run").annotate(v=Avg("fit")).values("v")
            ),
            min_fit=Subquery(proposals.order_by().values("run").annotate(v=Min("fit")).values("v")),
        )
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class Figures:
    """What a coordinator compares between scenarios."""

    mentees: int
    matched: int
    matched_pct: float
    #: the pairs' mean and lowest fit in [0, 1] (shown as percentages, like every fit)
    mean_fit: float | None
    min_fit: float | None
    choice_share: dict[str, float]
    mentor_load: list[tuple[int, int]]
    certificate_gap: float | None
    certified: bool
    unmatched: int
    reasons: list[tuple[str, int]]
    #: mentors without a mentee, by why (most common first)
    idle_reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def load_text(self) -> str:
        return ", ".join(
            f"{mentors} with {load} mentee{'s' if load != 1 else ''}"
            for load, mentors in self.mentor_load
        )

    @property
    def mentors(self) -> int:
        return sum(mentors for _, mentors in self.mentor_load)

    @property
    def idle(self) -> int:
        return dict(self.mentor_load).get(0, 0)

    @property
    def busiest(self) -> int:
        return max((load for load, _ in self.mentor_load), default=0)


#: Why a mentor has no mentee in a scenario, in the coordinator's words (engine reason codes).
IDLE_REASONS = {
    "no_eligible_mentee": "no mentee passes the hard rules with them",
    "lost_to_better_fit": "their eligible mentees fit better with other mentors",
    "needed_elsewhere": (
        "each of their eligible mentees is locked, another mentor's only mentee, or needed for "
        "another mentor's minimum"
    ),
}


def idle_reasons(stats: dict[str, Any]) -> list[tuple[str, int]]:
    counts = Counter(
        IDLE_REASONS.get(entry.get("reason_code", ""), "no reason recorded")
        for entry in stats.get("idle_mentors") or []
    )
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def figures(run: MatchRun, reasons: Sequence[tuple[str, int]] = ()) -> Figures:
    """Figures of an annotated run (see :func:`runs_of`). Pairs and scores are live (they
    follow the coordinator's edits); choice share, load and certificate are the engine's."""
    stats = run.stats or {}
    mentees = int(run.configuration.get("mentees") or stats.get("mentees") or 0)
    matched = getattr(run, "matched", None)
    if matched is None:
        matched = run.proposals.count()
    if hasattr(run, "mean_fit"):
        fits = {"mean": run.mean_fit, "lowest": getattr(run, "min_fit", None)}
    else:
        fits = run.proposals.aggregate(mean=Avg("fit"), lowest=Min("fit"))
    load = sorted(
        ((int(k), int(v)) for k, v in (stats.get("mentor_load") or {}).items()),
        key=lambda item: item[0],
    )
    return Figures(
        mentees=mentees,
        matched=matched,
        matched_pct=round(100.0 * matched / mentees, 1) if mentees else 0.0,
        mean_fit=fits["mean"],
        min_fit=fits["lowest"],
        choice_share=dict(stats.get("choice_share") or {}),
        mentor_load=load,
        certificate_gap=stats.get("certificate_gap"),
        certified=bool(stats.get("certified")),
        unmatched=int(getattr(run, "unmatched_count", 0) or 0),
        reasons=list(reasons),
        idle_reasons=idle_reasons(stats),
    )


def reasons_by_run(runs: Sequence[MatchRun]) -> dict[int, list[tuple[str, int]]]:
    """Why mentees were left out, most common first, per run — one query for all runs."""
    rows = (
        UnmatchedMentee.objects.filter(run__in=[r.pk for r in runs])
        .values_list("run_id", "reason")
        .annotate(n=Count("id"))
        .order_by("run_id", "-n", "reason")
    )
    out: dict[int, list[tuple[str, int]]] = {}
    for run_id, reason, n in rows:
        out.setdefault(run_id, []).append((reason, n))
    return out


def scenario_rows(program: Program) -> list[tuple[MatchRun, Figures]]:
    runs = list(runs_of(program))
    reasons = reasons_by_run(runs)
    return [(run, figures(run, reasons.get(run.pk, []))) for run in runs]


def annotated_run(program: Program, run_id: int) -> MatchRun | None:
    return runs_of(program).filter(pk=run_id).first()


# --- comparing two scenarios ---------------------------------------------------------------


@dataclass(frozen=True)
class PairDifference:
    mentee: Membership
    mentor_a: Membership | None
    score_a: float | None
    mentor_b: Membership | None
    score_b: float | None
    #: the profiles' fit in [0, 1] in each scenario (shown as a percentage)
    fit_a: float | None = None
    fit_b: float | None = None


@dataclass
class Comparison:
    a: MatchRun
    b: MatchRun
    figures_a: Figures
    figures_b: Figures
    differences: list[PairDifference]
    same: int


def compare(a: MatchRun, b: MatchRun) -> Comparison:
    """The figures of two scenarios and the pairs that differ (mentee: mentor in A vs in B)."""
    runs = {r.pk: r for r in runs_of(a.program).filter(pk__in=[a.pk, b.pk])}
    a, b = runs.get(a.pk, a), runs.get(b.pk, b)
    reasons = reasons_by_run([a, b])
    proposals = (
        ProposedMatch.objects.filter(run__in=[a.pk, b.pk])
        .select_related("mentee__user", "mentor__user")
        .order_by("id")
    )
    in_a: dict[int, ProposedMatch] = {}
    in_b: dict[int, ProposedMatch] = {}
    mentees: dict[int, Membership] = {}
    for proposal in proposals:
        (in_a if proposal.run_id == a.pk else in_b)[proposal.mentee_id] = proposal
        mentees[proposal.mentee_id] = proposal.mentee
    differences = []
    same = 0
    for mentee_id, mentee in mentees.items():
        pa, pb = in_a.get(mentee_id), in_b.get(mentee_id)
        if pa is not None and pb is not None and pa.mentor_id == pb.mentor_id:
            same += 1
            continue
        differences.append(
            PairDifference(
                mentee=mentee,
                mentor_a=pa.mentor if pa else None,
                score_a=pa.score if pa else None,
                mentor_b=pb.mentor if pb else None,
                score_b=pb.score if pb else None,
                fit_a=pa.fit if pa else None,
                fit_b=pb.fit if pb else None,
            )
        )
    differences.sort(key=lambda d: d.mentee.user.display_name.lower())
    return Comparison(
        a=a,
        b=b,
        figures_a=figures(a, reasons.get(a.pk, [])),
        figures_b=figures(b, reasons.get(b.pk, [])),
        differences=differences,
        same=same,
    )


# --- the review table ----------------------------------------------------------------------


def proposals_of(run: MatchRun, *, search: str = "", source: str = "") -> QuerySet[ProposedMatch]:
    # The review table shows names: the members' profile answers stay unread.
    proposals = run.proposals.select_related("mentee__user", "mentor__user").defer(
        "mentee__answers", "mentor__answers"
    )
    if search:
        proposals = proposals.filter(
            Q(mentee__user__full_name__icontains=search)
            | Q(mentor__user__full_name__icontains=search)
            | Q(mentee__user__email__icontains=search)
            | Q(mentor__user__email__icontains=search)
        )
    if source:
        proposals = proposals.filter(source=source)
    return proposals.order_by("-score", "id")


def locked_pairs(program: Program) -> set[tuple[int, int]]:
    return set(
        PairRule.objects.filter(program=program, kind=PairRuleKind.LOCK).values_list(
            "mentee_id", "mentor_id"
        )
    )


@dataclass(frozen=True)
class Alternative:
    mentor: Membership
    score: float
    explanation: str
    failed_rules: list[str]
    #: the profiles' fit in [0, 1], shown as a percentage (``|fit_percent``)
    fit: float = 0.0


@dataclass(frozen=True)
class UnmatchedRow:
    entry: UnmatchedMentee
    alternatives: list[Alternative]


def unmatched_of(run: MatchRun) -> list[UnmatchedRow]:
    """The mentees the scenario leaves out, why, and their best alternatives (two queries)."""
    entries = list(
        run.unmatched.select_related("mentee__user").defer("mentee__answers").order_by("id")
    )
    mentor_ids = {alt["mentor"] for entry in entries for alt in entry.alternatives}
    mentors = (
        Membership.objects.select_related("user").defer("answers").in_bulk(mentor_ids)
        if mentor_ids
        else {}
    )
    return [
        UnmatchedRow(
            entry=entry,
            alternatives=[
                Alternative(
                    mentor=mentors[alt["mentor"]],
                    score=float(alt["score"]),
                    explanation=str(alt.get("explanation", "")),
                    failed_rules=list(alt.get("failed_rules", [])),
                    fit=float(alt.get("fit", min(1.0, max(0.0, float(alt["score"]))))),
                )
                for alt in entry.alternatives
                if alt["mentor"] in mentors
            ],
        )
        for entry in entries
    ]


def mentors_for_assignment(run: MatchRun) -> list[tuple[Membership, int, int]]:
    """Every approved mentor of the program with (places, taken in this scenario)."""
    from tandem.programs.enums import MembershipStatus, Role

    _, per_mentor = open_relationship_counts(run.program)
    taken = Counter(run.proposals.values_list("mentor_id", flat=True))
    mentors = (
        Membership.objects.filter(
            program=run.program, role=Role.MENTOR, status=MembershipStatus.APPROVED
        )
        .select_related("user")
        .order_by("user__full_name", "id")
    )
    return [(m, mentor_capacity(m) - per_mentor[m.pk], taken[m.pk]) for m in mentors]
