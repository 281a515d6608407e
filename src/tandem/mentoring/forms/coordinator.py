"""The coordinator's mentorships list: its filters, search and sort (GET parameters)."""

from __future__ import annotations

from django import forms

from tandem.mentoring.enums import MentorshipKind, RelationshipStatus
from tandem.mentoring.queries.mentorships import (
    DEFAULT_SORT,
    LIST_FILTER_LABELS,
    SORTS,
    ListFilter,
    MentorshipListQuery,
)

SEARCH_MAX = 100


class MentorshipFilterForm(forms.Form):
    q = forms.CharField(
        label="Member's name",
        required=False,
        max_length=SEARCH_MAX,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *RelationshipStatus.choices]
    )
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Pairs and groups"), *MentorshipKind.choices]
    )
    show = forms.ChoiceField(
        label="Needs attention",
        required=False,
        choices=[("", "Everyone"), *((f.value, label) for f, label in LIST_FILTER_LABELS.items())],
    )
    sort = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[(f"{sign}{key}", key) for key in SORTS for sign in ("", "-")],
    )

    def list_query(self) -> MentorshipListQuery:
        """The validated request; call after ``is_valid()`` (invalid values fall back to
        "everything, in the default order" and the form shows the error)."""
        data = self.cleaned_data if self.is_valid() else {}
        show = data.get("show") or ""
        return MentorshipListQuery(
            status=data.get("status") or "",
            kind=data.get("kind") or "",
            show=ListFilter(show) if show else None,
            search=(data.get("q") or "").strip(),
            sort=data.get("sort") or DEFAULT_SORT,
        )
