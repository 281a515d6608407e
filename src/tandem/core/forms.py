"""Forms that change only what the page showed.

A form that saves many fields at once (a profile's answers, a person's details) used to clear
every field a POST left out: a stale tab opened before a question was added, a script posting
one field, or a page that rendered only some fields. :class:`ShownFieldsOnly` changes only the
fields the page showed — it renders their names in a hidden input — and, when a POST carries
no such list, only the fields the POST holds. The others keep their stored values.
"""

from __future__ import annotations

from typing import Any

from django import forms

from tandem.core.errors import ServiceError

#: The hidden input listing the fields the page showed (space-separated).
SHOWN_FIELDS = "shown_fields"


class ShownFieldsOnly(forms.BaseForm):
    """Mix in before ``forms.Form``/``forms.ModelForm``: fields the POST did not come from are
    left out of ``cleaned_data`` (a ModelForm then leaves them as they are on the instance)
    and are not validated."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[SHOWN_FIELDS] = forms.CharField(widget=forms.HiddenInput, required=False)
        self.omitted: set[str] = set()

    def get_initial_for_field(self, field: forms.Field, field_name: str) -> Any:
        # Worked out when rendered: subclasses add their fields after this __init__.
        if field_name == SHOWN_FIELDS:
            return " ".join(self.editable_names())
        return super().get_initial_for_field(field, field_name)

    def editable_names(self) -> list[str]:
        return [name for name in self.fields if name != SHOWN_FIELDS]

    def _shown(self) -> set[str]:
        listed = self.data.get(self.add_prefix(SHOWN_FIELDS))
        if listed is not None:
            return set(str(listed).split())
        # No list (a script, or a page from before this check): the fields the POST holds.
        return {
            name
            for name in self.editable_names()
            if not self.fields[name].widget.value_omitted_from_data(
                self.data, self.files, self.add_prefix(name)
            )
        }

    @property
    def changed_data(self) -> list[str]:
        return [
            name
            for name in super().changed_data
            if name != SHOWN_FIELDS and name not in self.omitted
        ]

    def full_clean(self) -> None:
        instance = getattr(self, "instance", None)
        creating = instance is not None and instance._state.adding
        # A new object takes every field (there is nothing to keep).
        if self.is_bound and not creating:
            self.omitted = set(self.editable_names()) - self._shown()
        for name in self.omitted:
            # Not validated (a required field the page did not show is no error) and kept.
            self.fields[name].required = False
        super().full_clean()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned.pop(SHOWN_FIELDS, None)
        for name in self.omitted:
            cleaned.pop(name, None)
            self.errors.pop(name, None)
        return cleaned


def show_service_error(form: forms.BaseForm, error: ServiceError) -> None:
    """Put a service's refusal on the form: on the field it names when the form has that
    field, else at the top of the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)
