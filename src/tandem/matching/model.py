"""Input and output data model of the matching engine (plain dataclasses, no Django)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .errors import MatchingInputError
from .kinds import KIND_PARAMS, KINDS, band_of

Role = Literal["mentor", "mentee"]
FieldValue = str | int | float | tuple[str, ...] | tuple[float, ...] | None
Mode = Literal["optimal", "stable", "groups"]
Objective = Literal["total", "coverage", "fair", "spread"]
MODES: tuple[Mode, ...] = ("optimal", "stable", "groups")
OBJECTIVES: tuple[Objective, ...] = ("total", "coverage", "fair", "spread")

#: Scores are in [0, 1] per criterion; the solver works on integers ``round(score * SCALE)``.
SCORE_SCALE = 10_000


@dataclass(frozen=True)
class Person:
    """A mentor or a mentee.

    ``fields`` holds the profile answers (strings, numbers or tuples of strings for lists).
    ``capacity_min``/``capacity_max`` are only used for mentors (default 1..1). ``choices`` are,
    for a mentee, mentor ids in rank order (1st first); for a mentor, an optional ranking of
    mentees used by the ``stable`` mode.
    """

    id: str
    role: Role
    fields: Mapping[str, FieldValue] = field(default_factory=dict)
    capacity_min: int = 1
    capacity_max: int = 1
    choices: tuple[str, ...] = ()

    def name(self) -> str | None:
        value = self.fields.get("name")
        return value if isinstance(value, str) and value.strip() else None


@dataclass(frozen=True)
class Criterion:
    """One matching criterion.

    ``kind`` is one of :data:`tandem.matching.kinds.KINDS`. A soft criterion has a
    ``weight`` > 0; a hard rule has ``hard=True`` (and may also carry a weight). ``threshold``
    is the minimum criterion score a pair needs to pass a hard rule (default: 1 for yes/no
    kinds, "more than 0" for graded kinds). ``params`` holds kind-specific keys
    (``target``, ``tolerance``, ``scale_km``, ``scale_hours``, ``need``, ``preference_field``).
    """

    kind: str
    mentee_field: str
    mentor_field: str
    weight: float = 0.0
    hard: bool = False
    threshold: float | None = None
    params: Mapping[str, object] = field(default_factory=dict)
    label: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        """Every profile field this criterion reads (a ``preference`` also reads the
        mentee's answer to its question)."""
        names = [self.mentee_field, self.mentor_field]
        extra = self.params.get("preference_field")
        if isinstance(extra, str) and extra:
            names.append(extra)
        return tuple(dict.fromkeys(names))

    @property
    def name(self) -> str:
        """Column name of this criterion's contribution in ``matches.csv``."""
        if self.label:
            return self.label
        if self.mentee_field == self.mentor_field:
            return f"{self.kind}_{self.mentee_field}"
        return f"{self.kind}_{self.mentee_field}_{self.mentor_field}"


@dataclass(frozen=True)
class ChoicePolicy:
    """How a mentee's own ranked choices count.

    ``bonus[r]`` is added (in criterion-weight units) when the mentor is the mentee's
    ``r+1``-th choice. ``honour_first`` gives as many mentees as possible one of their choices
    (1st before 2nd before 3rd) before anything else is optimised.
    """

    bonus: tuple[float, ...] = ()
    honour_first: bool = False


@dataclass(frozen=True)
class GroupPolicy:
    """Options of the ``groups`` mode: peer diversity fields and the fit-loss budget."""

    diversity_fields: tuple[str, ...] = ()
    fit_loss_budget: float = 0.02
    max_rounds: int = 20


@dataclass(frozen=True)
class Problem:
    """Everything a matching run needs. Build it with :meth:`Problem.build`."""

    mentees: tuple[Person, ...]
    mentors: tuple[Person, ...]
    criteria: tuple[Criterion, ...]
    choices: ChoicePolicy = field(default_factory=ChoicePolicy)
    locked: tuple[tuple[str, str], ...] = ()
    forbidden: tuple[tuple[str, str], ...] = ()
    past: tuple[tuple[str, str], ...] = ()
    groups: GroupPolicy = field(default_factory=GroupPolicy)
    cache_dir: Path | None = None

    @classmethod
    def build(
        cls,
        people: Sequence[Person],
        criteria: Sequence[Criterion],
        *,
        choices: ChoicePolicy | None = None,
        locked: Sequence[tuple[str, str]] = (),
        forbidden: Sequence[tuple[str, str]] = (),
        past: Sequence[tuple[str, str]] = (),
        groups: GroupPolicy | None = None,
        cache_dir: Path | None = None,
    ) -> Problem:
        """Split ``people`` by role and validate ids, capacities and criteria."""
        seen: set[str] = set()
        for person in people:
            if person.id in seen:
                raise MatchingInputError("duplicated id", column="id", value=person.id)
            seen.add(person.id)
            if person.role not in ("mentor", "mentee"):
                raise MatchingInputError(
                    "role must be 'mentor' or 'mentee'", column="role", value=person.role
                )
            if person.capacity_min < 0 or person.capacity_max < 0:
                raise MatchingInputError(
                    "capacity below zero",
                    column="capacity",
                    value=f"{person.capacity_min}-{person.capacity_max}",
                )
            if person.capacity_min > person.capacity_max:
                raise MatchingInputError(
                    "capacity minimum above maximum",
                    column="capacity",
                    value=f"{person.capacity_min}-{person.capacity_max}",
                )
        for index, criterion in enumerate(criteria, start=1):
            validate_criterion(criterion, index)
        problem = cls(
            mentees=tuple(p for p in people if p.role == "mentee"),
            mentors=tuple(p for p in people if p.role == "mentor"),
            criteria=tuple(criteria),
            choices=choices or ChoicePolicy(),
            locked=tuple(locked),
            forbidden=tuple(forbidden),
            past=tuple(past),
            groups=groups or GroupPolicy(),
            cache_dir=cache_dir,
        )
        mentor_ids = {p.id for p in problem.mentors}
        mentee_ids = {p.id for p in problem.mentees}
        for mentee in problem.mentees:
            for choice in mentee.choices:
                if choice not in mentor_ids:
                    raise MatchingInputError(
                        f"choice of mentee {mentee.id!r} names no mentor",
                        column="choices",
                        value=choice,
                    )
        for mentor in problem.mentors:
            for choice in mentor.choices:
                if choice not in mentee_ids:
                    raise MatchingInputError(
                        f"ranking of mentor {mentor.id!r} names no mentee",
                        column="choices",
                        value=choice,
                    )
        for label, pairs in (("locked", locked), ("forbidden", forbidden), ("past", past)):
            for mentee_id, mentor_id in pairs:
                if mentee_id not in mentee_ids:
                    raise MatchingInputError(
                        f"{label} pair names no mentee", column="mentee_id", value=mentee_id
                    )
                if mentor_id not in mentor_ids:
                    raise MatchingInputError(
                        f"{label} pair names no mentor", column="mentor_id", value=mentor_id
                    )
        return problem


def fit_of(contributions: Sequence[Contribution] | Sequence[Mapping[str, object]]) -> float:
    """A pair's fit in [0, 1]: the sum of its criteria's contributions (its score without the
    bonus for being one of the mentee's choices). One scale everywhere: see
    :func:`fit_percent`."""
    total = 0.0
    for item in contributions:
        value = item.get("contribution", 0.0) if isinstance(item, Mapping) else item.contribution
        total += float(value)  # type: ignore[arg-type]
    return max(0.0, min(1.0, total))


def fit_percent(fit: float | None, decimals: int = 0) -> str:
    """The one fit scale every page, e-mail and export shows: a percentage of the best
    possible fit ("73%"; a coordinator may see decimals, "73.4%", never another number)."""
    if fit is None:
        return "–"
    value = 100.0 * max(0.0, min(1.0, float(fit)))
    return f"{value:.{decimals}f}%"


@dataclass(frozen=True, slots=True)
class Contribution:
    """One criterion's part of a pair's score: ``contribution = weight * score / total weight``.

    Pairs with the same value share one instance (a result of 100,000 pairs and 7 criteria
    would otherwise build 700,000 of them)."""

    criterion: str
    kind: str
    score: float
    contribution: float


@dataclass(frozen=True)
class PairScore:
    """A scored pair (used for matches, alternatives, suggestions and manual assignment)."""

    mentee_id: str
    mentor_id: str
    score: float
    contributions: tuple[Contribution, ...]
    choice_rank: int | None
    choice_bonus: float
    feasible: bool
    failed_rules: tuple[str, ...]
    explanation: str
    reasons: tuple[str, ...] = ()
    #: What the pair gives up (a large time-zone gap, no shared language, a preference not
    #: met), the biggest loss of fit first.
    trade_offs: tuple[str, ...] = ()

    @property
    def fit(self) -> float:
        """How well the profiles fit, in [0, 1]: the score without the choice bonus."""
        return fit_of(self.contributions)


@dataclass(frozen=True)
class Match:
    """A pair in the answer."""

    mentee_id: str
    mentor_id: str
    score: float
    contributions: tuple[Contribution, ...]
    choice_rank: int | None
    locked: bool
    explanation: str
    trade_offs: tuple[str, ...] = ()

    @property
    def fit(self) -> float:
        """How well the profiles fit, in [0, 1]: the score without the choice bonus."""
        return fit_of(self.contributions)


@dataclass(frozen=True)
class Unmatched:
    """A person left without a match, why, and the best available alternatives."""

    person_id: str
    role: Role
    reason_code: str
    reason: str
    alternatives: tuple[PairScore, ...] = ()


@dataclass(frozen=True)
class Group:
    """A facilitator with the mentees of the group, with fit and peer diversity."""

    mentor_id: str
    mentee_ids: tuple[str, ...]
    fit: float
    diversity: float


@dataclass
class Stats:
    """Run statistics."""

    mentees: int = 0
    mentors: int = 0
    matched: int = 0
    matched_pct: float = 0.0
    total_score: float = 0.0
    mean_score: float = 0.0
    min_score: float = 0.0
    choice_share: dict[str, float] = field(default_factory=dict)
    mentor_load: dict[int, int] = field(default_factory=dict)
    mentors_below_minimum: list[str] = field(default_factory=list)
    blocking_pairs: int | None = None
    certificate_gap: float | None = None
    certified: bool = False
    candidate_pairs: int = 0
    certificate_rounds: int = 0
    phase_seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class MatchResult:
    """What :func:`tandem.matching.solve` returns."""

    mode: Mode
    objective: Objective
    criteria: tuple[str, ...]
    matches: list[Match]
    unmatched: list[Unmatched]
    stats: Stats
    groups: list[Group] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable view of the result."""
        from dataclasses import asdict

        return {
            "mode": self.mode,
            "objective": self.objective,
            "criteria": list(self.criteria),
            "matches": [asdict(m) for m in self.matches],
            "unmatched": [asdict(u) for u in self.unmatched],
            "groups": [asdict(g) for g in self.groups],
            "stats": asdict(self.stats),
            "notes": list(self.notes),
        }


def validate_criterion(criterion: Criterion, index: int, file: str | None = None) -> None:
    """Raise :class:`MatchingInputError` if ``criterion`` is malformed."""
    if criterion.kind not in KINDS:
        raise MatchingInputError(
            f"unknown criterion kind (known: {', '.join(KINDS)})",
            file=file,
            row=index,
            column="kind",
            value=criterion.kind,
        )
    if not isinstance(criterion.weight, (int, float)) or isinstance(criterion.weight, bool):
        raise MatchingInputError(
            "weight is not a number", file=file, row=index, column="weight", value=criterion.weight
        )
    if not math.isfinite(criterion.weight) or criterion.weight < 0:
        raise MatchingInputError(
            "weight must be a finite number >= 0",
            file=file,
            row=index,
            column="weight",
            value=criterion.weight,
        )
    if criterion.weight == 0 and not criterion.hard:
        raise MatchingInputError(
            "a criterion needs a weight > 0 or hard = true",
            file=file,
            row=index,
            column="weight",
            value=criterion.weight,
        )
    if not criterion.mentee_field or not criterion.mentor_field:
        raise MatchingInputError(
            "a criterion needs 'field' or both 'mentee_field' and 'mentor_field'",
            file=file,
            row=index,
            column="field",
        )
    if criterion.threshold is not None and not (
        isinstance(criterion.threshold, (int, float)) and 0 <= criterion.threshold <= 1
    ):
        raise MatchingInputError(
            "threshold must be a number in [0, 1]",
            file=file,
            row=index,
            column="threshold",
            value=criterion.threshold,
        )
    allowed = KIND_PARAMS[criterion.kind]
    for key, value in criterion.params.items():
        if key not in allowed:
            raise MatchingInputError(
                f"unknown key for kind {criterion.kind!r} (allowed: {', '.join(sorted(allowed))})",
                file=file,
                row=index,
                column=key,
                value=value,
            )
    if criterion.kind == "gap":
        target = criterion.params.get("target")
        try:
            band_of(target)
        except (TypeError, ValueError):
            raise MatchingInputError(
                "gap needs target = [low, high] (or one number)",
                file=file,
                row=index,
                column="target",
                value=target,
            ) from None
    if criterion.kind == "preference":
        answer = criterion.params.get("preference_field")
        if not isinstance(answer, str) or not answer.strip():
            raise MatchingInputError(
                "preference needs preference_field: the mentee's column saying whether they "
                "want someone similar or different",
                file=file,
                row=index,
                column="preference_field",
                value=answer,
            )
    for key in ("tolerance", "scale_km", "scale_hours", "need"):
        if key in criterion.params:
            value = criterion.params[key]
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise MatchingInputError(
                    f"{key} must be a number > 0", file=file, row=index, column=key, value=value
                )
