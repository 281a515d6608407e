"""Forms for the agreement, training modules (with their quiz) and quiz answers."""

from __future__ import annotations

from typing import Any

from django import forms

from tandem.enrolment.enums import FunnelStep
from tandem.enrolment.models import TrainingModule
from tandem.programs.enums import Role

#: Marks the right option in the quiz editor's option list.
RIGHT_MARK = "*"


class AgreementEditForm(forms.Form):
    text = forms.CharField(
        label="Agreement text",
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=(
            "Participants read this and tick “I have read and accept”. Publishing a changed "
            "text creates a new version; everyone who accepted an earlier one is asked again."
        ),
    )


class AgreementAcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    accept = forms.BooleanField(
        label="I have read and accept this confidentiality agreement",
        error_messages={"required": "Tick the box to accept the agreement."},
    )


class TrainingModuleForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        label="Text",
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=(
            "Markdown: # Heading, **bold**, *italic*, - lists, [link](https://…). "
            "Scripts and other active content are removed."
        ),
    )
    required_for = forms.MultipleChoiceField(
        label="Required for",
        choices=[(Role.MENTOR.value, "Mentors"), (Role.MENTEE.value, "Mentees")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="People in a ticked role must complete it before they can be matched.",
    )
    pass_mark = forms.IntegerField(
        label="Pass mark (%)",
        min_value=0,
        max_value=100,
        initial=80,
        help_text="Share of quiz answers that must be right. Ignored when there is no quiz.",
    )

    @classmethod
    def for_module(cls, module: TrainingModule) -> TrainingModuleForm:
        return cls(
            initial={
                "title": module.title,
                "body": module.body,
                "required_for": module.required_for,
                "pass_mark": module.pass_mark,
            }
        )


class QuizQuestionForm(forms.Form):
    question = forms.CharField(max_length=300, required=False)
    options = forms.CharField(
        label="Options, one per line",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=f"Start the right option with {RIGHT_MARK}, e.g. “{RIGHT_MARK} Keep it private”.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        question = cleaned.get("question", "").strip()
        lines = [line.strip() for line in cleaned.get("options", "").splitlines()]
        lines = [line for line in lines if line]
        if not question and not lines:
            cleaned["item"] = None
            return cleaned
        if not question:
            self.add_error("question", "Write the question, or empty its options to remove it.")
        if len(lines) < 2:
            self.add_error("options", "Give at least two options, one per line.")
        marked = [index for index, line in enumerate(lines) if line.startswith(RIGHT_MARK)]
        if len(marked) != 1:
            self.add_error(
                "options",
                f"Mark exactly one option as right by starting it with {RIGHT_MARK} "
                f"({len(marked)} marked).",
            )
        if self.errors:
            return cleaned
        cleaned["item"] = {
            "question": question,
            "options": [line.removeprefix(RIGHT_MARK).strip() for line in lines],
            "answer": marked[0],
        }
        return cleaned


QuizFormSet = forms.formset_factory(QuizQuestionForm, extra=2, max_num=30)


def quiz_initial(module: TrainingModule | None) -> list[dict[str, str]]:
    if module is None:
        return []
    return [
        {
            "question": item["question"],
            "options": "\n".join(
                (f"{RIGHT_MARK} {option}" if index == item["answer"] else option)
                for index, option in enumerate(item["options"])
            ),
        }
        for item in module.quiz
    ]


def quiz_from(formset: Any) -> list[dict[str, Any]]:
    return [form.cleaned_data["item"] for form in formset.forms if form.cleaned_data.get("item")]


class QuizAnswerForm(forms.Form):
    """One radio group per question. Values are checked by the service, which names the
    allowed options when an answer is not one of them."""

    def __init__(self, module: TrainingModule, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number, item in enumerate(module.quiz, start=1):
            self.fields[f"question_{number}"] = forms.CharField(
                label=f"{number}. {item['question']}",
                required=False,
                widget=forms.RadioSelect(
                    choices=[(str(index), option) for index, option in enumerate(item["options"])]
                ),
            )

    def answers(self) -> list[str]:
        return [self.cleaned_data.get(name, "") for name in self.fields]


class NudgeForm(forms.Form):
    step = forms.ChoiceField(choices=FunnelStep.choices, required=False)
    membership = forms.IntegerField(required=False)
