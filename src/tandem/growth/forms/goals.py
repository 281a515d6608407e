"""The forms members write goals, milestones, comments and check-ins with, and the forms
coordinators keep the program's skills and goal templates with."""

from __future__ import annotations

from typing import Any

from django import forms

from tandem.growth.enums import ProgressMode
from tandem.growth.models import GoalTemplate, Skill
from tandem.growth.services import goals as services
from tandem.growth.services import vocabulary
from tandem.growth.services.goals import GoalInput
from tandem.mentoring.models import Mentorship
from tandem.programs.models import Objective


def _choices(form: forms.Form, name: str, choices: list[tuple[Any, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class DateInput(forms.DateInput):
    input_type = "date"


class GoalForm(forms.Form):
    template = forms.TypedChoiceField(
        label="Start from a template", required=False, coerce=int, empty_value=None
    )
    statement = forms.CharField(
        label="Your goal",
        max_length=services.STATEMENT_MAX,
        help_text="Specific: what you will achieve, in one sentence.",
    )
    measure = forms.CharField(
        label="How you will measure it",
        max_length=services.MEASURE_MAX,
        required=False,
        help_text="Measurable: what you, or others, will see when you get there.",
    )
    target = forms.CharField(
        label="Target",
        max_length=services.TARGET_MAX,
        required=False,
        help_text="The number to aim for: how many, how often, how much.",
    )
    achievable = forms.CharField(
        label="Why it is achievable",
        required=False,
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    relevant = forms.CharField(
        label="Why it matters — to your role and to the program",
        required=False,
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    deadline = forms.DateField(label="Deadline", required=False, widget=DateInput)
    project = forms.CharField(
        label="The work project you will practise it on",
        max_length=services.PROJECT_MAX,
        required=False,
        help_text="Optional. Skills are learned best on work that matters now.",
    )
    objective = forms.TypedChoiceField(
        label="The program objective it serves",
        required=False,
        coerce=int,
        empty_value=None,
    )
    skills = forms.TypedMultipleChoiceField(
        label="Skills it builds",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    progress_mode = forms.ChoiceField(
        label="Count progress",
        choices=ProgressMode.choices,
        initial=ProgressMode.MILESTONES,
        widget=forms.RadioSelect,
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        mentorship: Mentorship,
        objectives: list[Objective],
        skills: list[Skill],
        templates: list[GoalTemplate] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(
            self, "objective", [("", "None of them"), *((o.pk, o.statement) for o in objectives)]
        )
        _choices(
            self,
            "skills",
            [(s.pk, f"{s.family}: {s.name}" if s.family else s.name) for s in skills],
        )
        if templates:
            _choices(
                self,
                "template",
                [("", "No template — a blank goal"), *((t.pk, t.statement) for t in templates)],
            )
        else:
            del self.fields["template"]

    def goal_input(self) -> GoalInput:
        data = self.cleaned_data
        return GoalInput(
            statement=data["statement"],
            measure=data["measure"],
            target=data["target"],
            achievable=data["achievable"],
            relevant=data["relevant"],
            deadline=data["deadline"],
            project=data["project"],
            objective_id=data["objective"],
            skill_ids=list(data["skills"]),
            progress_mode=data["progress_mode"],
            template_id=data.get("template"),
        )


class MilestoneForm(forms.Form):
    title = forms.CharField(label="Step", max_length=services.MILESTONE_TITLE_MAX)
    due_on = forms.DateField(label="By", required=False, widget=DateInput)
    owner = forms.TypedChoiceField(
        label="Who does it", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, owners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "owner", [("", "Nobody in particular"), *owners])


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Your comment",
        max_length=services.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Markdown works. Only the people in this mentorship read it.",
    )
    milestone = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CheckInForm(forms.Form):
    progress = forms.IntegerField(label="Progress (%)", min_value=0, max_value=100)
    note = forms.CharField(
        label="A short note on where you are", max_length=services.NOTE_MAX, required=False
    )


class DropForm(forms.Form):
    reason = forms.CharField(
        label="Why you are dropping it",
        max_length=services.REASON_MAX,
        help_text="A few words: priorities changed, it was the wrong goal, another took its place.",
    )


class SkillForm(forms.Form):
    name = forms.CharField(label="Skill", max_length=vocabulary.SKILL_NAME_MAX)
    family = forms.CharField(
        label="Group (optional)", max_length=vocabulary.SKILL_NAME_MAX, required=False
    )


class RenameSkillForm(forms.Form):
    name = forms.CharField(label="New name", max_length=vocabulary.SKILL_NAME_MAX)


class TemplateForm(forms.Form):
    statement = forms.CharField(label="Goal", max_length=vocabulary.TEMPLATE_STATEMENT_MAX)
    measure = forms.CharField(
        label="How it is measured", max_length=vocabulary.TEMPLATE_MEASURE_MAX, required=False
    )
    target = forms.CharField(
        label="Target", max_length=vocabulary.TEMPLATE_TARGET_MAX, required=False
    )
    objective = forms.TypedChoiceField(
        label="Program objective", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, objectives: list[Objective], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "objective", [("", "None"), *((o.pk, o.statement) for o in objectives)])
