"""Forms for the question builder, the participant profile and the coordinator's lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from django import forms

from tandem.core import zones
from tandem.core.forms import ShownFieldsOnly
from tandem.enrolment.answers import AVAILABILITY_SLOTS, AnswerError, clean_answer
from tandem.enrolment.enums import DAYS, PARTS_OF_DAY, Audience, QuestionKind
from tandem.enrolment.models import ProfileQuestion
from tandem.enrolment.services.profiles import CHOICE_KINDS, CONSENT_TEXT, QUESTION_FIELDS
from tandem.programs.enums import Role

MATCHING_CHOICES = [
    ("", "Default: yes, except for demographic questions"),
    ("yes", "Yes"),
    ("no", "No"),
]


class QuestionForm(forms.Form):
    """One profile question, as the coordinator writes it."""

    label = forms.CharField(label="Question", max_length=200)
    key = forms.SlugField(
        label="Key",
        max_length=60,
        help_text=(
            "The column name in imports and exports: lower-case letters, digits, _ and -. "
            "Cannot change once people answer. Not email, full_name, role or pronouns."
        ),
    )
    kind = forms.ChoiceField(label="Kind of answer", choices=QuestionKind.choices)
    audience = forms.ChoiceField(label="Asked of", choices=Audience.choices)
    required = forms.BooleanField(label="An answer is required", required=False)
    help_text = forms.CharField(label="Help text", max_length=300, required=False)
    choices = forms.CharField(
        label="Choices",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="For choice, tag and language questions: one allowed answer per line.",
    )
    remove_from_answers = forms.BooleanField(
        label="If I removed a choice that people chose, remove it from their answers too",
        required=False,
    )
    min_value = forms.FloatField(label="Smallest number allowed", required=False)
    max_value = forms.FloatField(label="Largest number allowed", required=False)
    paired_with = forms.ModelChoiceField(
        label="Compared with",
        queryset=ProfileQuestion.objects.none(),
        required=False,
        empty_label="— no pair —",
        help_text=(
            "Pairs a mentee question with the mentor question it is matched against, e.g. "
            "“Skills I want to grow” with “Skills I can offer”."
        ),
    )
    is_demographic = forms.BooleanField(
        label="Demographic question",
        required=False,
        help_text=(
            "Asked only after the person consents; never shown to other participants or in "
            "coordinators' profile views; reported only in aggregate."
        ),
    )
    use_in_matching = forms.ChoiceField(
        label="Use in matching", choices=MATCHING_CHOICES, required=False
    )

    def __init__(
        self,
        *args: Any,
        program_questions: Sequence[ProfileQuestion] = (),
        instance: ProfileQuestion | None = None,
        **kwargs: Any,
    ) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(instance, name) for name in QUESTION_FIELDS},
                "choices": "\n".join(instance.choices),
                "use_in_matching": "yes" if instance.use_in_matching else "no",
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        pk = instance.pk if instance else None
        paired_with = self.fields["paired_with"]
        assert isinstance(paired_with, forms.ModelChoiceField)
        paired_with.queryset = ProfileQuestion.objects.filter(
            pk__in=[q.pk for q in program_questions if q.pk != pk]
        )
        if instance is not None:
            self.fields["key"].disabled = True
            self.fields["key"].help_text = "Answers are stored under this key; it cannot change."
        else:
            del self.fields["remove_from_answers"]

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data in the shape the question services take."""
        data = dict(self.cleaned_data)
        data.pop("remove_from_answers", None)
        data["choices"] = [line for line in data["choices"].splitlines() if line.strip()]
        if data["kind"] not in CHOICE_KINDS:
            data["choices"] = []
        matching = data.pop("use_in_matching")
        data["use_in_matching"] = None if matching == "" else matching == "yes"
        if self.instance is not None:
            data.pop("key")
        return data


# --- the participant's profile -----------------------------------------------------------


class AvailabilityWidget(forms.CheckboxSelectMultiple):
    """A day by part-of-day table of checkboxes with row and column headers."""

    template_name = "enrolment/profiles/widgets/availability.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = set(value or [])
        base_id = context["widget"]["attrs"].get("id", f"id_{name}")
        context["invalid"] = context["widget"]["attrs"].get("aria-invalid") == "true"
        context["describedby"] = context["widget"]["attrs"].get("aria-describedby", "")
        context["parts"] = PARTS_OF_DAY
        context["rows"] = [
            (
                day_label,
                [
                    {
                        "value": f"{day}-{part}",
                        "id": f"{base_id}_{day}_{part}",
                        "label": f"{day_label} {part_label.lower()}",
                        "checked": f"{day}-{part}" in chosen,
                    }
                    for part, part_label in PARTS_OF_DAY
                ],
            )
            for day, day_label in DAYS
        ]
        return context

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return ""


class LocationWidget(forms.MultiWidget):
    template_name = "enrolment/profiles/widgets/location.html"
    use_fieldset = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            {
                "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
                "country": forms.TextInput(attrs={"autocomplete": "country-name"}),
            },
            attrs,
        )

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, Mapping):
            return [value.get("city", ""), value.get("country", "")]
        return ["", ""]


class LocationField(forms.MultiValueField):
    widget = LocationWidget

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            fields=(forms.CharField(required=False), forms.CharField(required=False)),
            require_all_fields=False,
            **{**kwargs, "required": False},
        )

    def compress(self, data_list: list[Any]) -> dict[str, str] | None:
        city, country = [*data_list, "", ""][:2]
        if not (city or "").strip() and not (country or "").strip():
            return None
        return {"city": (city or "").strip(), "country": (country or "").strip()}


class AnswerChoiceField(forms.ChoiceField):
    """A choice whose validity :func:`clean_answer` judges, so the message names the choices."""

    def validate(self, value: Any) -> None:
        return None


class AnswerMultipleChoiceField(forms.MultipleChoiceField):
    def validate(self, value: Any) -> None:
        return None


@cache
def time_zone_choices() -> zones.Choices:
    """Canonical zones only (no aliases such as "Africa/Timbuktu"), grouped by region."""
    return zones.time_zone_choices(blank=True)


#: Free-text starter questions whose answer is a few words (a name, an address): one line.
SHORT_ANSWER_KEYS = frozenset({"employer", "college", "manager", "job_title", "team", "city"})


def is_short_answer(question: ProfileQuestion) -> bool:
    """A free-text question answered in a few words: a starter one known to be short, or one
    asking for an e-mail address."""
    return question.key in SHORT_ANSWER_KEYS or "e-mail" in question.label.lower()


def field_for(question: ProfileQuestion) -> forms.Field:
    """One form field per question kind; all optional here (completeness shows what is due)."""
    kind = question.kind
    common: dict[str, Any] = {
        "label": question.label,
        "help_text": question.help_text,
        "required": False,
    }
    choices = [(choice, choice) for choice in question.choices]
    field: forms.Field
    if kind == QuestionKind.TEXT and is_short_answer(question):
        widget: forms.Widget = (
            forms.EmailInput(attrs={"autocomplete": "off"})
            if "e-mail" in question.label.lower()
            else forms.TextInput(attrs={"autocomplete": "off"})
        )
        field = forms.CharField(widget=widget, **common)
    elif kind == QuestionKind.TEXT:
        field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    elif kind == QuestionKind.SINGLE_CHOICE:
        field = AnswerChoiceField(choices=[("", "—"), *choices], **common)
    elif kind in {QuestionKind.MULTIPLE_CHOICE, QuestionKind.LANGUAGES} and choices:
        field = AnswerMultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    elif kind in {QuestionKind.MULTIPLE_CHOICE, QuestionKind.LANGUAGES}:
        common["help_text"] = " ".join(
            filter(None, [question.help_text, "Separate several answers with ;"])
        )
        field = forms.CharField(**common)
    elif kind == QuestionKind.NUMBER:
        attrs: dict[str, Any] = {"step": "any", "inputmode": "decimal"}
        if question.min_value is not None:
            attrs["min"] = f"{question.min_value:g}"
        if question.max_value is not None:
            attrs["max"] = f"{question.max_value:g}"
        field = forms.CharField(widget=forms.NumberInput(attrs=attrs), **common)
    elif kind == QuestionKind.SCALE:
        field = AnswerChoiceField(
            choices=[(str(n), str(n)) for n in range(1, 6)],
            widget=forms.RadioSelect,
            **common,
        )
    elif kind == QuestionKind.YES_NO:
        field = AnswerChoiceField(
            choices=[("yes", "Yes"), ("no", "No")], widget=forms.RadioSelect, **common
        )
    elif kind == QuestionKind.TIME_ZONE:
        # The static JS picks the browser's zone while the answer is still empty.
        field = AnswerChoiceField(
            choices=time_zone_choices(),
            widget=forms.Select(attrs={"data-browser-time-zone": ""}),
            **common,
        )
    elif kind == QuestionKind.AVAILABILITY:
        field = AnswerMultipleChoiceField(
            choices=[(slot, slot) for slot in AVAILABILITY_SLOTS],
            widget=AvailabilityWidget,
            **common,
        )
    elif kind == QuestionKind.LOCATION:
        field = LocationField(**common)
    else:
        field = forms.CharField(**common)
    return field


def initial_for(question: ProfileQuestion, value: Any) -> Any:
    """A stored answer as its widget shows it."""
    if value is None:
        return None
    if question.kind == QuestionKind.YES_NO:
        return "yes" if value else "no"
    if question.kind in {QuestionKind.NUMBER, QuestionKind.SCALE}:
        return f"{value:g}" if isinstance(value, float) else str(value)
    if question.kind in {QuestionKind.MULTIPLE_CHOICE, QuestionKind.LANGUAGES}:
        return value if question.choices else "; ".join(value)
    return value


class ProfileForm(ShownFieldsOnly, forms.Form):
    """The person's answers; each cleaned by :func:`clean_answer` so the form, the API and the
    import refuse the same answers with the same words. Only the questions the page showed are
    changed: a stale page or a partial POST never clears the other answers."""

    def __init__(
        self,
        *args: Any,
        questions: Sequence[ProfileQuestion],
        answers: Mapping[str, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = {q.key: q for q in questions}
        for question in questions:
            self.fields[question.key] = field_for(question)
            self.initial[question.key] = initial_for(question, answers.get(question.key))
            if question.required:
                self.fields[question.key].label = f"{question.label} (required)"
        self.answers: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for key, question in self.questions.items():
            if key not in cleaned:
                continue
            try:
                self.answers[key] = clean_answer(question, cleaned[key])
            except AnswerError as error:
                self.add_error(key, str(error))
        return cleaned

    def general_fields(self) -> list[forms.BoundField]:
        return [self[key] for key, q in self.questions.items() if not q.is_demographic]

    def demographic_fields(self) -> list[forms.BoundField]:
        return [self[key] for key, q in self.questions.items() if q.is_demographic]


class ConsentForm(forms.Form):
    consent = forms.BooleanField(label=CONSENT_TEXT, required=True)
    allow_matching = forms.BooleanField(
        label=(
            "My demographic answers may be used for matching, for the questions the "
            "coordinator opted in."
        ),
        required=False,
    )


# --- coordinator lists and the directory -------------------------------------------------


class ProfileFilterForm(forms.Form):
    q = forms.CharField(label="Name or e-mail", required=False)
    role = forms.ChoiceField(
        label="Role",
        required=False,
        choices=[("", "Mentors and mentees"), (Role.MENTOR, "Mentors"), (Role.MENTEE, "Mentees")],
    )
    incomplete = forms.BooleanField(label="Incomplete only", required=False)


class ChoiceMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])
