from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet (.csv or .xlsx)",
        help_text=(
            "The first row holds the column headings. Required columns: e-mail address and role "
            "(mentor or mentee). Other columns can be full name, pronouns and the program's "
            "profile questions (headed by the question's key or its label)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class MappingForm(forms.Form):
    """One choice per column heading: which field or question it fills, or ignore it."""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        headings: Sequence[str],
        choices: Sequence[tuple[str, str]],
        initial_mapping: Mapping[str, str],
        samples: Sequence[Sequence[str]] = (),
    ) -> None:
        super().__init__(data)
        self.headings = list(headings)
        for index, heading in enumerate(self.headings):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=heading,
                choices=choices,
                required=False,
                initial=initial_mapping.get(heading, ""),
                help_text=" · ".join(row[index] for row in samples if row[index])[:120],
            )

    def mapping(self) -> dict[str, str]:
        return {
            heading: self.cleaned_data.get(f"column_{index}") or ""
            for index, heading in enumerate(self.headings)
        }


class ConfirmImportForm(forms.Form):
    email_new_people = forms.BooleanField(
        label="E-mail new people a link to set their password",
        help_text=(
            "People who have no Tandem account yet get one; with this ticked they also get an "
            "e-mail with a link to choose their password and complete their profile."
        ),
        required=False,
    )
