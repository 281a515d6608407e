"""Forms of the runs pages: starting a run (a scenario) and the review's edits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from tandem.matches.enums import RunMode, RunObjective
from tandem.matches.models import ProposedMatch
from tandem.programs.enums import ProgramType
from tandem.programs.models import Program


class RunForm(forms.Form):
    name = forms.CharField(
        label="Scenario name", max_length=80, required=False, help_text="Optional, e.g. “Fair”."
    )
    objective = forms.ChoiceField(
        label="Aim for",
        choices=[
            (RunObjective.TOTAL, "Best total fit"),
            (RunObjective.COVERAGE, "Most people matched, then best fit"),
            (RunObjective.FAIR, "Fairest: raise the worst match first"),
            (
                RunObjective.SPREAD,
                "Most people matched, then the load spread evenly across mentors",
            ),
        ],
        initial=RunObjective.COVERAGE,
        widget=forms.RadioSelect,
    )
    mode = forms.ChoiceField(
        label="Make", choices=RunMode.choices, initial=RunMode.OPTIMAL, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if program.program_type != ProgramType.GROUP:
            mode = self.fields["mode"]
            assert isinstance(mode, forms.ChoiceField)
            mode.choices = [(RunMode.OPTIMAL, RunMode.OPTIMAL.label)]
            mode.widget = forms.HiddenInput()


class MenteeForm(forms.Form):
    mentee = forms.IntegerField(widget=forms.HiddenInput)


class AssignForm(forms.Form):
    mentee = forms.IntegerField(widget=forms.HiddenInput)
    mentor = forms.TypedChoiceField(label="Mentor", coerce=int, choices=[])

    def __init__(self, *args: Any, mentors: Sequence[tuple[Any, int, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mentors = list(mentors)
        self.fields["mentor"].choices = [("", "Pick a mentor")] + [  # type: ignore[attr-defined]
            (
                mentor.pk,
                f"{mentor.user.display_name} — {taken} of {places} place"
                f"{'s' if places != 1 else ''} taken",
            )
            for mentor, places, taken in mentors
        ]


class SwapForm(forms.Form):
    mentee = forms.IntegerField(widget=forms.HiddenInput)
    other = forms.TypedChoiceField(label="Swap mentors with", coerce=int, choices=[])

    def __init__(
        self, *args: Any, proposals: Sequence[ProposedMatch], mentee_id: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other"].choices = [("", "Pick a mentee")] + [  # type: ignore[attr-defined]
            (p.mentee_id, f"{p.mentee.user.display_name} (with {p.mentor.user.display_name})")
            for p in proposals
            if p.mentee_id != mentee_id
        ]


class ReviewFilterForm(forms.Form):
    q = forms.CharField(label="Search a name", required=False)
    source = forms.ChoiceField(
        label="Source",
        required=False,
        choices=[("", "All pairs"), *ProposedMatch.Source.choices],
    )
