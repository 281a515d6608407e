"""A program's matching criteria: which questions fit which kind, plain-language descriptions,
and every write (add, edit, delete, reorder). Views, the API and the CLI call these.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max

from tandem import matching
from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.enrolment.enums import QuestionKind
from tandem.enrolment.models import ProfileQuestion
from tandem.matches.enums import CriterionKind
from tandem.matches.models import MatchingCriterion
from tandem.matches.problem import DEFAULT_CRITERIA, MANAGER_KEY, engine_criterion
from tandem.matching.kinds import BINARY_KINDS, band_of
from tandem.matching.model import validate_criterion
from tandem.programs.models import Program

Q = QuestionKind
LIST_KINDS = frozenset({Q.MULTIPLE_CHOICE, Q.LANGUAGES})
CATEGORY_KINDS = frozenset({Q.SINGLE_CHOICE, Q.YES_NO, Q.TEXT, Q.SCALE, Q.NUMBER})

#: The question kinds each criterion kind can compare.
QUESTION_KINDS: dict[str, frozenset[str]] = {
    CriterionKind.OVERLAP: LIST_KINDS,
    CriterionKind.COMPLEMENT: LIST_KINDS,
    CriterionKind.SAME: CATEGORY_KINDS,
    CriterionKind.DIFFERENT: CATEGORY_KINDS,
    CriterionKind.NOT_SAME: CATEGORY_KINDS,
    CriterionKind.GAP: frozenset({Q.NUMBER, Q.SCALE}),
    CriterionKind.DISTANCE: frozenset({Q.LOCATION}),
    CriterionKind.TIMEZONE: frozenset({Q.TIME_ZONE}),
    CriterionKind.AVAILABILITY: frozenset({Q.AVAILABILITY}),
    CriterionKind.TEXT: frozenset({Q.TEXT}),
    CriterionKind.SHARES_LANGUAGE: frozenset({Q.LANGUAGES}),
    CriterionKind.NOT_MANAGER: frozenset({Q.TEXT}),
    CriterionKind.PREFERENCE: CATEGORY_KINDS,
}
#: The question kinds that can hold a mentee's "similar or different" answer.
PREFERENCE_QUESTION_KINDS = frozenset({Q.SINGLE_CHOICE, Q.TEXT})

#: What each kind does, for the coordinator choosing one.
DESCRIPTIONS: dict[str, str] = {
    CriterionKind.OVERLAP: "Counts the answers both chose (e.g. interests in common).",
    CriterionKind.COMPLEMENT: (
        "How much of what the mentee wants the mentor offers (e.g. skills wanted vs offered)."
    ),
    CriterionKind.SAME: "Scores a pair higher when both gave the same answer.",
    CriterionKind.DIFFERENT: "Scores a pair higher when their answers differ.",
    CriterionKind.NOT_SAME: (
        "Never pairs people with the same answer (e.g. never the same team) — usually a hard rule."
    ),
    CriterionKind.GAP: (
        "The mentor's number minus the mentee's should fall in a band (e.g. 5 to 40 more years "
        "of experience); outside it the score fades over the tolerance."
    ),
    CriterionKind.DISTANCE: "Closer is better; the score reaches zero at the scale in km.",
    CriterionKind.TIMEZONE: "Fewer hours apart is better; zero at the scale in hours.",
    CriterionKind.AVAILABILITY: (
        "Shared weekly time slots; full score at the number of slots the pair needs."
    ),
    CriterionKind.TEXT: (
        "Similar meaning of two free-text answers (e.g. the mentee's goals and the mentor's "
        "experience), computed offline on this server."
    ),
    CriterionKind.SHARES_LANGUAGE: "The pair needs at least one language in common.",
    CriterionKind.NOT_MANAGER: (
        f"Never pairs someone with their own manager (the “{MANAGER_KEY}” question holds the "
        "manager's e-mail address)."
    ),
    CriterionKind.PREFERENCE: (
        "Each mentee says whether they want a mentor like them or different on a trait (e.g. "
        "communication style); a mentee without a preference is happy either way."
    ),
}

#: Params each kind accepts, as form/API field names.
PARAM_FIELDS: dict[str, tuple[str, ...]] = {
    CriterionKind.GAP: ("target_low", "target_high", "tolerance"),
    CriterionKind.DISTANCE: ("scale_km",),
    CriterionKind.TIMEZONE: ("scale_hours",),
    CriterionKind.AVAILABILITY: ("need",),
    CriterionKind.PREFERENCE: ("preference_question",),
}


def threshold_applies(kind: str) -> bool:
    """Yes/no kinds pass or fail; only graded kinds take a minimum score for a hard rule."""
    return kind not in BINARY_KINDS


def question_fits(kind: str, question: ProfileQuestion) -> bool:
    if kind == CriterionKind.NOT_MANAGER:
        return question.key == MANAGER_KEY
    return question.kind in QUESTION_KINDS.get(kind, frozenset())


def fitting_kinds_text(kind: str) -> str:
    if kind == CriterionKind.NOT_MANAGER:
        return f"the “{MANAGER_KEY}” question"
    labels = sorted(str(QuestionKind(k).label).lower() for k in QUESTION_KINDS.get(kind, ()))
    return "a question of kind " + " or ".join(labels)


@dataclass(frozen=True)
class CriterionInput:
    """A criterion as the coordinator describes it (form or API), before it is checked."""

    kind: str
    mentee_question: ProfileQuestion | None
    mentor_question: ProfileQuestion | None = None
    weight: float = 1.0
    hard: bool = False
    threshold: float | None = None
    target_low: float | None = None
    target_high: float | None = None
    tolerance: float | None = None
    scale_km: float | None = None
    scale_hours: float | None = None
    need: float | None = None
    #: ``preference``: the mentee's question saying "someone like me" or "someone different"
    preference_question: ProfileQuestion | None = None

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.kind == CriterionKind.PREFERENCE and self.preference_question is not None:
            params["preference_field"] = self.preference_question.key
        if self.kind == CriterionKind.GAP:
            params["target"] = [_number(self.target_low), _number(self.target_high)]
            if self.tolerance is not None:
                params["tolerance"] = _number(self.tolerance)
        for key in ("scale_km", "scale_hours", "need"):
            value = getattr(self, key)
            if value is not None and key in PARAM_FIELDS.get(self.kind, ()):
                params[key] = _number(value)
        return params


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def check(program: Program, data: CriterionInput) -> dict[str, Any]:
    """The model fields of a valid criterion, or a :class:`ServiceError` naming the field."""
    if data.kind not in CriterionKind.values:
        raise ServiceError(f"“{data.kind}” is not a criterion kind.", field="kind")
    kind_label = CriterionKind(data.kind).label
    questions = [("mentee_question", data.mentee_question)]
    if data.mentor_question is not None:
        questions.append(("mentor_question", data.mentor_question))
    if data.mentee_question is None:
        raise ServiceError("Pick the question this criterion compares.", field="mentee_question")
    for field, question in questions:
        assert question is not None
        if question.program_id != program.pk:
            raise ServiceError("That question is not one of this program's.", field=field)
        if question.is_demographic:
            raise ServiceError(
                f"“{question.label}” is a demographic question: it is never used for matching.",
                field=field,
            )
        if not question_fits(data.kind, question):
            raise ServiceError(
                f"“{question.label}” is a {question.get_kind_display().lower()} question; "
                f"“{kind_label}” needs {fitting_kinds_text(data.kind)}.",
                field=field,
            )
    weight = data.weight
    if weight is None or not math.isfinite(weight) or weight < 0:
        raise ServiceError("The weight must be a number of 0 or more.", field="weight")
    if weight == 0 and not data.hard:
        raise ServiceError(
            "A criterion with weight 0 counts for nothing: give it a weight above 0 or make it "
            "a hard rule.",
            field="weight",
        )
    threshold = data.threshold if data.hard else None
    if threshold is not None:
        if not threshold_applies(data.kind):
            threshold = None
        elif not 0 <= threshold <= 1:
            raise ServiceError(
                "The threshold is the minimum score for the rule, between 0 and 1.",
                field="threshold",
            )
    if data.kind == CriterionKind.PREFERENCE:
        wish = data.preference_question
        if wish is None:
            raise ServiceError(
                "Pick the question where each mentee says whether they want someone similar "
                "or someone different.",
                field="preference_question",
            )
        if wish.program_id != program.pk:
            raise ServiceError(
                "That question is not one of this program's.", field="preference_question"
            )
        if wish.kind not in PREFERENCE_QUESTION_KINDS or wish.is_demographic:
            raise ServiceError(
                f"“{wish.label}” cannot hold a preference: pick a single-choice question with "
                "answers such as “Someone like me”, “Someone different from me” and “No "
                "preference”.",
                field="preference_question",
            )
    if data.kind == CriterionKind.GAP:
        if data.target_low is None or data.target_high is None:
            raise ServiceError(
                "A number gap needs a band: the lowest and highest difference "
                "(mentor minus mentee).",
                field="target_low" if data.target_low is None else "target_high",
            )
        if data.target_low > data.target_high:
            raise ServiceError(
                f"The band's low end ({data.target_low:g}) is above its high end "
                f"({data.target_high:g}).",
                field="target_low",
            )
    for key in ("tolerance", "scale_km", "scale_hours", "need"):
        value = getattr(data, key)
        if key in PARAM_FIELDS.get(data.kind, ()) and value is not None and value <= 0:
            raise ServiceError(f"{key.replace('_', ' ').capitalize()} must be above 0.", field=key)
    mentor_question = data.mentor_question
    if mentor_question is not None and mentor_question.pk == data.mentee_question.pk:
        mentor_question = None
    fields = {
        "kind": data.kind,
        "mentee_question": data.mentee_question,
        "mentor_question": mentor_question,
        "weight": float(weight),
        "hard": data.hard,
        "threshold": threshold,
        "params": data.params(),
    }
    try:  # the engine's own checks, so that a saved criterion always runs
        validate_criterion(engine_criterion(MatchingCriterion(program=program, **fields)), 1)
    except matching.MatchingInputError as error:
        raise ServiceError(str(error), field=error.column or None) from None
    return fields


def _changes(criterion: MatchingCriterion) -> dict[str, Any]:
    return {
        "kind": criterion.kind,
        "mentee_question": criterion.mentee_question.key,
        "mentor_question": criterion.mentor_question.key if criterion.mentor_question else None,
        "weight": criterion.weight,
        "hard": criterion.hard,
        "threshold": criterion.threshold,
        "params": criterion.params,
    }


def add_criterion(program: Program, data: CriterionInput, *, by: User) -> MatchingCriterion:
    fields = check(program, data)
    with transaction.atomic():
        last = program.matching_criteria.aggregate(last=Max("position"))["last"]
        criterion = MatchingCriterion.objects.create(
            program=program, position=0 if last is None else last + 1, **fields
        )
        record_audit(by, "matching_criterion.added", criterion, changes=_changes(criterion))
    return criterion


def update_criterion(
    criterion: MatchingCriterion, data: CriterionInput, *, by: User
) -> MatchingCriterion:
    fields = check(criterion.program, data)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(criterion, name, value)
        criterion.save()
        record_audit(by, "matching_criterion.changed", criterion, changes=_changes(criterion))
    return criterion


def delete_criterion(criterion: MatchingCriterion, *, by: User) -> None:
    with transaction.atomic():
        record_audit(by, "matching_criterion.deleted", criterion, changes=_changes(criterion))
        criterion.delete()


def move_criterion(criterion: MatchingCriterion, *, direction: str, by: User) -> None:
    """Swap with the neighbour above (``up``) or below (``down``); positions are renumbered."""
    with transaction.atomic():
        siblings = list(
            MatchingCriterion.objects.select_for_update()
            .filter(program_id=criterion.program_id)
            .order_by("position", "id")
        )
        index = next(i for i, c in enumerate(siblings) if c.pk == criterion.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(siblings):
            return
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings):
            sibling.position = position
        MatchingCriterion.objects.bulk_update(siblings, ["position"])
        record_audit(by, "matching_criterion.moved", criterion, changes={"direction": direction})


def is_default(criterion: MatchingCriterion) -> bool:
    """Whether this criterion is one of Tandem's defaults, unchanged."""
    mentor = criterion.mentor_question or criterion.mentee_question
    for kind, mentee_key, mentor_key, weight, hard, params in DEFAULT_CRITERIA:
        if (
            criterion.kind == kind
            and criterion.mentee_question.key == mentee_key
            and mentor.key == mentor_key
            and criterion.weight == weight
            and criterion.hard == hard
            and criterion.threshold is None
            and criterion.params == params
        ):
            return True
    return False


def describe(criterion: MatchingCriterion) -> str:
    """One line a coordinator reads: “Offers what the mentee wants: Skills I want to grow ↔ …”."""
    text = f"{criterion.get_kind_display()}: {criterion.mentee_question.label}"
    if criterion.mentor_question and criterion.mentor_question_id != criterion.mentee_question_id:
        text += f" ↔ {criterion.mentor_question.label}"
    return text


def short_label(criterion: MatchingCriterion) -> str:
    """``describe`` without the kind's example: for preview bars and weight fields."""
    kind = re.sub(r" \(e\.g\.[^)]*\)", "", criterion.get_kind_display())
    text = f"{kind}: {criterion.mentee_question.label}"
    if criterion.mentor_question and criterion.mentor_question_id != criterion.mentee_question_id:
        text += f" ↔ {criterion.mentor_question.label}"
    return text


def params_text(criterion: MatchingCriterion) -> str:
    params = criterion.params or {}
    parts = []
    if "target" in params:
        low, high = band_of(params["target"])
        parts.append(f"band {low:g} to {high:g}")
    if "tolerance" in params:
        parts.append(f"tolerance {params['tolerance']:g}")
    if "scale_km" in params:
        parts.append(f"zero at {params['scale_km']:g} km")
    if "scale_hours" in params:
        parts.append(f"zero at {params['scale_hours']:g} hours apart")
    if "need" in params:
        parts.append(f"needs {params['need']:g} shared slots")
    if "preference_field" in params:
        parts.append(f"as each mentee answers “{params['preference_field']}”")
    return ", ".join(parts)
