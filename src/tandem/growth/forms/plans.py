"""The development plan's forms: the plan itself (carrying the version it was opened at), the
mentor's review with a comment per section, and a comment."""

from __future__ import annotations

from typing import Any

from django import forms

from tandem.growth.models import PLAN_SECTIONS, Goal
from tandem.growth.services.plans import COMMENT_MAX, SECTION_MAX

HELP = {
    "strengths": "What you already do well and can build on.",
    "areas": "The skills, knowledge or habits you most want to develop, and how you will know "
    "you have succeeded.",
    "actions": "What you will do, and the people, courses and reading that will help.",
    "tracking": "How you and your mentor will see progress: dates, signs, who notices.",
}


class PlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    strengths = forms.CharField(required=False, max_length=SECTION_MAX, strip=False)
    areas = forms.CharField(required=False, max_length=SECTION_MAX, strip=False)
    actions = forms.CharField(required=False, max_length=SECTION_MAX, strip=False)
    tracking = forms.CharField(required=False, max_length=SECTION_MAX, strip=False)
    goals = forms.ModelMultipleChoiceField(
        queryset=Goal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="The goals this plan serves",
    )

    def __init__(self, *args: Any, goals: Any = None, can_link_goals: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for field, label in PLAN_SECTIONS:
            self.fields[field].label = label
            self.fields[field].help_text = HELP[field] + " Markdown works."
            self.fields[field].widget = forms.Textarea(attrs={"rows": 5})
        if goals is not None:
            self.fields["goals"].queryset = goals  # type: ignore[attr-defined]
        if not can_link_goals:
            del self.fields["goals"]

    def sections(self) -> dict[str, str]:
        return {field: self.cleaned_data.get(field, "") for field, _label in PLAN_SECTIONS}

    def goal_ids(self) -> list[int] | None:
        if "goals" not in self.fields:
            return None
        return [goal.pk for goal in self.cleaned_data.get("goals", [])]


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    comment_general = forms.CharField(
        required=False,
        max_length=COMMENT_MAX,
        label="A comment on the plan as a whole (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for field, label in PLAN_SECTIONS:
            self.fields[f"comment_{field}"] = forms.CharField(
                required=False,
                max_length=COMMENT_MAX,
                label=f"On “{label}” (optional)",
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def comments(self) -> dict[str, str]:
        found = {"": self.cleaned_data.get("comment_general", "")}
        for field, _label in PLAN_SECTIONS:
            found[field] = self.cleaned_data.get(f"comment_{field}", "")
        return found


class PlanCommentForm(forms.Form):
    section = forms.ChoiceField(
        required=False, choices=[("", "The whole plan"), *PLAN_SECTIONS], label="About"
    )
    text = forms.CharField(
        max_length=COMMENT_MAX, label="Your comment", widget=forms.Textarea(attrs={"rows": 3})
    )
