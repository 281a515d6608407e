"""Forms of the coordinator's meeting-guide page."""

from __future__ import annotations

from django import forms

from tandem.mentoring.enums import TemplateKind, TemplateTool
from tandem.mentoring.services.guides import TEXT_MAX, TITLE_MAX, TemplateInput


class TemplateForm(forms.Form):
    kind = forms.ChoiceField(
        label="Where it sits in the guide",
        choices=TemplateKind.choices,
        widget=forms.RadioSelect,
        help_text=(
            "Guided steps are used in order for the first meetings; the regular check-in for "
            "every meeting after them; the closure template for the last meeting."
        ),
    )
    title = forms.CharField(label="Title", max_length=TITLE_MAX)
    purpose = forms.CharField(
        label="Purpose",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A sentence or two for the people meeting: what this meeting is for.",
    )
    questions = forms.CharField(
        label="Discussion questions",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One question per line.",
    )
    preparation = forms.CharField(
        label="Before the next meeting, the mentee writes…",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Leave empty for no preparation. Each mentee gets it as a task, due at the "
        "next meeting.",
    )
    opens_tool = forms.ChoiceField(
        label="The mentee writes the preparation in",
        choices=TemplateTool.choices,
        required=False,
        help_text="The task can open a tool, such as the development plan, instead of a "
        "blank text.",
    )
    checklist = forms.CharField(
        label="Closing checklist",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One item per line.",
    )

    def template_input(self) -> TemplateInput:
        data = self.cleaned_data
        return TemplateInput(
            kind=data["kind"],
            title=data["title"],
            purpose=data["purpose"],
            questions=data["questions"],
            preparation=data["preparation"],
            checklist=data["checklist"],
            opens_tool=data.get("opens_tool") or "",
        )


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])
