"""The skills self-assessment (one 1–5 choice per skill) and the SWOT worksheet."""

from __future__ import annotations

from typing import Any

from django import forms

from tandem.growth.models import Skill
from tandem.growth.services.assessments import QUADRANT_MAX, SWOT_QUADRANTS

SCALE = [
    ("1", "1 — just starting"),
    ("2", "2 — developing"),
    ("3", "3 — capable"),
    ("4", "4 — strong"),
    ("5", "5 — a model for others"),
]


class AssessmentForm(forms.Form):
    stage = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, skills: list[Skill], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.skills = skills
        for skill in skills:
            self.fields[f"skill_{skill.pk}"] = forms.TypedChoiceField(
                label=skill.name,
                choices=SCALE,
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
                help_text=skill.family,
            )

    def scores(self) -> dict[int, int]:
        return {
            skill.pk: self.cleaned_data[f"skill_{skill.pk}"]
            for skill in self.skills
            if self.cleaned_data.get(f"skill_{skill.pk}") not in (None, "")
        }


class RequestViewForm(forms.Form):
    stage = forms.CharField(widget=forms.HiddenInput)


QUADRANT_HELP = {
    "strengths": "What you do well; what others come to you for.",
    "weaknesses": "Where you struggle or avoid things.",
    "opportunities": "Openings around you: projects, people, changes you could use.",
    "threats": "What could get in the way.",
}


class SwotForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for field, label in SWOT_QUADRANTS:
            self.fields[field] = forms.CharField(
                label=label,
                required=False,
                max_length=QUADRANT_MAX,
                strip=False,
                help_text=QUADRANT_HELP[field],
                widget=forms.Textarea(attrs={"rows": 5}),
            )

    def quadrants(self) -> dict[str, str]:
        return {field: self.cleaned_data.get(field, "") for field, _label in SWOT_QUADRANTS}
