"""Forms of the criteria page: a criterion, its order, trying weights."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from tandem.enrolment.models import ProfileQuestion
from tandem.matches.criteria import DESCRIPTIONS, CriterionInput, short_label
from tandem.matches.enums import CriterionKind
from tandem.matches.models import MatchingCriterion
from tandem.programs.models import Program


class CriterionForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        choices=CriterionKind.choices,
        widget=forms.RadioSelect,
    )
    mentee_question = forms.ModelChoiceField(
        label="Mentee's question",
        queryset=ProfileQuestion.objects.none(),
        help_text="The answer compared on the mentee's side.",
    )
    mentor_question = forms.ModelChoiceField(
        label="Mentor's question (if different)",
        queryset=ProfileQuestion.objects.none(),
        required=False,
        empty_label="The same question",
        help_text="E.g. “Skills I want to grow” compared with the mentor's “Skills I can offer”.",
    )
    weight = forms.FloatField(
        label="Weight",
        min_value=0,
        initial=1,
        help_text="How much this counts against the other criteria (0 or more).",
    )
    hard = forms.BooleanField(label="Hard rule: never propose a pair that fails it", required=False)
    threshold = forms.FloatField(
        label="Minimum score for the rule (0–1)",
        required=False,
        min_value=0,
        max_value=1,
        help_text="Graded kinds only; empty means “any score above 0”.",
    )
    target_low = forms.FloatField(label="Band: at least (mentor minus mentee)", required=False)
    target_high = forms.FloatField(label="Band: at most (mentor minus mentee)", required=False)
    tolerance = forms.FloatField(
        label="Tolerance outside the band", required=False, help_text="Number gap only."
    )
    scale_km = forms.FloatField(label="Score reaches zero at (km)", required=False)
    scale_hours = forms.FloatField(label="Score reaches zero at (hours apart)", required=False)
    need = forms.FloatField(label="Shared slots needed for a full score", required=False)
    preference_question = forms.ModelChoiceField(
        label="Each mentee's preference",
        queryset=ProfileQuestion.objects.none(),
        required=False,
        help_text=(
            "“Similar or different” only: the mentee's question whose answer says “someone like "
            "me”, “someone different from me” or “no preference”."
        ),
    )

    def __init__(
        self,
        *args: Any,
        program: Program,
        criterion: MatchingCriterion | None = None,
        **kwargs: Any,
    ) -> None:
        if criterion is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(criterion)
        super().__init__(*args, **kwargs)
        questions = ProfileQuestion.objects.filter(program=program, is_demographic=False).order_by(
            "position", "id"
        )
        for name in ("mentee_question", "mentor_question", "preference_question"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = questions
            field.label_from_instance = question_label  # type: ignore[method-assign,assignment]  # Django's hook
        self.kind_descriptions = [
            (value, label, DESCRIPTIONS[value]) for value, label in CriterionKind.choices
        ]

    def criterion_input(self) -> CriterionInput:
        data = self.cleaned_data
        return CriterionInput(
            kind=data["kind"],
            mentee_question=data["mentee_question"],
            mentor_question=data.get("mentor_question"),
            weight=data["weight"],
            hard=data.get("hard", False),
            threshold=data.get("threshold"),
            target_low=data.get("target_low"),
            target_high=data.get("target_high"),
            tolerance=data.get("tolerance"),
            scale_km=data.get("scale_km"),
            scale_hours=data.get("scale_hours"),
            need=data.get("need"),
            preference_question=data.get("preference_question"),
        )


def question_label(question: ProfileQuestion) -> str:
    return f"{question.label} ({question.get_kind_display().lower()}, {question.key})"


def initial_of(criterion: MatchingCriterion) -> dict[str, Any]:
    params = criterion.params or {}
    target = params.get("target")
    low = high = None
    if isinstance(target, (list, tuple)) and len(target) == 2:
        low, high = target
    elif isinstance(target, (int, float)):
        low = high = target
    return {
        "kind": criterion.kind,
        "mentee_question": criterion.mentee_question_id,
        "mentor_question": criterion.mentor_question_id,
        "weight": criterion.weight,
        "hard": criterion.hard,
        "threshold": criterion.threshold,
        "target_low": low,
        "target_high": high,
        "tolerance": params.get("tolerance"),
        "scale_km": params.get("scale_km"),
        "scale_hours": params.get("scale_hours"),
        "need": params.get("need"),
        "preference_question": _question_id(criterion.program_id, params.get("preference_field")),
    }


def _question_id(program_id: int, key: object) -> int | None:
    if not isinstance(key, str) or not key:
        return None
    return (
        ProfileQuestion.objects.filter(program_id=program_id, key=key)
        .values_list("pk", flat=True)
        .first()
    )


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class TryWeightsForm(forms.Form):
    """One weight per criterion (``weight_<id>``) and the sample mentee; nothing is saved."""

    mentee = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, criteria: Sequence[MatchingCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"weight_{criterion.pk}"] = forms.FloatField(
                label=short_label(criterion),
                min_value=0,
                initial=criterion.weight,
                widget=forms.NumberInput(attrs={"step": "0.5", "min": "0"}),
            )

    def weights(self) -> dict[int, float]:
        return {c.pk: self.cleaned_data[f"weight_{c.pk}"] for c in self.criteria}

    def rows(self) -> list[tuple[MatchingCriterion, forms.BoundField]]:
        return [(c, self[f"weight_{c.pk}"]) for c in self.criteria]
