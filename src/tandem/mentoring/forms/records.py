"""Forms of the meeting page: agenda items, the record, action items, logging a past
meeting, preparation, comments and ratings."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import Any

from django import forms

from tandem.mentoring.models import MentorshipMember
from tandem.mentoring.services import assignments as assignment_services
from tandem.mentoring.services import ratings as rating_services
from tandem.mentoring.services import records as record_services
from tandem.mentoring.services.records import ActionItemInput, RecordInput

#: Blank action-item rows the record form offers at once.
RECORD_ITEM_ROWS = 3


def _owner_choices(members: Sequence[MentorshipMember]) -> list[tuple[int, str]]:
    return [(m.membership_id, m.membership.user.display_name) for m in members]


class AgendaItemForm(forms.Form):
    text = forms.CharField(
        label="Add to the agenda",
        max_length=record_services.TEXT_MAX,
        help_text="Something you want to talk about. Everyone in your mentorship sees it.",
    )


class ActionItemForm(forms.Form):
    text = forms.CharField(label="What will be done", max_length=record_services.TEXT_MAX)
    owner = forms.TypedChoiceField(label="Who does it", coerce=int)
    due_on = forms.DateField(label="By when", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, members: Sequence[MentorshipMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = _owner_choices(members)  # type: ignore[attr-defined]  # ChoiceField

    def item_input(self) -> ActionItemInput:
        data = self.cleaned_data
        return ActionItemInput(text=data["text"], owner_id=data["owner"], due_on=data["due_on"])


class ActionDoneForm(forms.Form):
    done = forms.BooleanField(required=False)


class RecordForm(forms.Form):
    """The meeting record: notes, who came (groups), the checklist and new action items."""

    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=record_services.NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What you talked about and agreed. Markdown works. Only your mentorship's "
        "members read it — never the coordinators.",
    )
    next_meeting_set = forms.BooleanField(label="The next meeting is set", required=False)
    action_items_defined = forms.BooleanField(
        label="Each action item has an owner and a delivery date", required=False
    )
    checklist_note = forms.CharField(
        label="If you left one unticked, why?",
        required=False,
        max_length=record_services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The checklist cannot be skipped silently: say what is in the way.",
    )

    def __init__(
        self,
        *args: Any,
        members: Sequence[MentorshipMember],
        is_group: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.is_group = is_group
        owners = [("", "—"), *_owner_choices(members)]
        if is_group:
            self.fields["attended"] = forms.TypedMultipleChoiceField(
                label="Who came",
                required=False,
                coerce=int,
                choices=_owner_choices(members),
                widget=forms.CheckboxSelectMultiple,
            )
        for row in range(RECORD_ITEM_ROWS):
            self.fields[f"item_{row}_text"] = forms.CharField(
                label=f"Action item {row + 1}",
                required=False,
                max_length=record_services.TEXT_MAX,
            )
            self.fields[f"item_{row}_owner"] = forms.TypedChoiceField(
                label=f"Who does item {row + 1}",
                required=False,
                coerce=int,
                empty_value=None,
                choices=owners,
            )
            self.fields[f"item_{row}_due_on"] = forms.DateField(
                label=f"Item {row + 1} by when",
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    @property
    def item_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"item_{row}_text"], self[f"item_{row}_owner"], self[f"item_{row}_due_on"])
            for row in range(RECORD_ITEM_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for row in range(RECORD_ITEM_ROWS):
            text = (cleaned.get(f"item_{row}_text") or "").strip()
            owner = cleaned.get(f"item_{row}_owner")
            due_on = cleaned.get(f"item_{row}_due_on")
            if text and owner is None:
                self.add_error(f"item_{row}_owner", "Choose who does it.")
            if text and due_on is None and f"item_{row}_due_on" not in self.errors:
                self.add_error(f"item_{row}_due_on", "Give a delivery date.")
            if not text and (owner is not None or due_on is not None):
                self.add_error(f"item_{row}_text", "Say what will be done.")
        return cleaned

    def record_input(self) -> RecordInput:
        data = self.cleaned_data
        items = [
            ActionItemInput(
                text=data[f"item_{row}_text"],
                owner_id=data[f"item_{row}_owner"],
                due_on=data[f"item_{row}_due_on"],
            )
            for row in range(RECORD_ITEM_ROWS)
            if (data.get(f"item_{row}_text") or "").strip()
        ]
        attended = None
        if self.is_group:
            chosen = set(data.get("attended") or [])
            attended = {
                int(value): int(value) in chosen
                for value, _ in self.fields["attended"].choices  # type: ignore[attr-defined]  # ChoiceField
            }
        return RecordInput(
            notes=data["notes"],
            next_meeting_set=data["next_meeting_set"],
            action_items_defined=data["action_items_defined"],
            checklist_note=data["checklist_note"],
            attended=attended,
            action_items=items,
        )


def _zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class LogMeetingForm(forms.Form):
    """ "We met on …" for a meeting arranged outside Tandem."""

    day = forms.DateField(label="We met on", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label="At", widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(
        label="For how long (minutes)",
        min_value=1,
        max_value=record_services.MAX_DURATION_MINUTES,
        initial=60,
    )
    timezone = forms.ChoiceField(label="Time zone")
    location = forms.CharField(
        label="Where (optional)", required=False, max_length=record_services.TEXT_MAX
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = _zone_choices()  # type: ignore[attr-defined]  # ChoiceField

    def start(self) -> dt.datetime:
        data = self.cleaned_data
        zone = zoneinfo.ZoneInfo(data["timezone"])
        return dt.datetime.combine(data["day"], data["time"], tzinfo=zone)


class AssignmentForm(forms.Form):
    body = forms.CharField(
        label="Your answer",
        required=False,
        max_length=assignment_services.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Markdown works. Save a draft as often as you like; submit when it is ready.",
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=assignment_services.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label="How was this meeting?",
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
        help_text="1 = not useful, 5 = very useful. The others see your score only once they "
        "have rated too, or after a week.",
    )
    comment = forms.CharField(
        label="A comment (optional)",
        required=False,
        max_length=rating_services.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    share_comment = forms.BooleanField(
        label="Show my comment to the others in my mentorship", required=False
    )
