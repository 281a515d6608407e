"""Forms for arranging meetings: schedule one or a series, move, cancel, propose a time."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django import forms

from tandem.core.errors import ServiceError
from tandem.mentoring.services.meetings import (
    MAX_DURATION,
    MIN_DURATION,
    Plan,
    Scope,
    cadence_rrule,
)

DURATIONS = [
    (30, "30 minutes"),
    (45, "45 minutes"),
    (60, "1 hour"),
    (90, "1 hour 30"),
    (120, "2 hours"),
]


def zone_choices() -> list[tuple[str, str]]:
    names = sorted(n for n in available_timezones() if "/" in n and not n.startswith("Etc/"))
    return [("UTC", "UTC"), *[(n, n.replace("_", " ")) for n in names]]


class Repeat:
    ONCE = "once"
    CHOICES = [
        ("once", "Once"),
        ("weekly", "Every week"),
        ("biweekly", "Every two weeks"),
        ("monthly", "Every month"),
    ]


class MeetingTimeForm(forms.Form):
    """A local date and time in a time zone (each person picks their own)."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    timezone = forms.ChoiceField(
        label="Time zone", choices=zone_choices, help_text="Everyone sees it in their own time."
    )
    duration_minutes = forms.TypedChoiceField(
        label="Length", choices=DURATIONS, coerce=int, initial=60
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def start(self) -> dt.datetime:
        data = self.cleaned_data
        return dt.datetime.combine(data["date"], data["time"], tzinfo=ZoneInfo(data["timezone"]))

    def add_service_error(self, error: ServiceError) -> None:
        field = {"rrule": "until", "start": "date"}.get(error.field or "", error.field)
        if field in self.fields:
            self.add_error(field, error.message)
        else:
            self.add_error(None, error.message)


class ScheduleForm(MeetingTimeForm):
    location = forms.CharField(
        label="Place or video link",
        max_length=500,
        required=False,
        help_text="A room, an address or a video-call link. It goes into the invitation.",
    )
    repeat = forms.ChoiceField(
        choices=Repeat.CHOICES, initial=Repeat.ONCE, label="Repeat", widget=forms.RadioSelect
    )
    until = forms.DateField(
        label="Until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last day of the series (at the latest the mentorship's end).",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("repeat", Repeat.ONCE) != Repeat.ONCE and not data.get("until"):
            self.add_error("until", "Choose the last day of the series.")
        return data

    def plan(self) -> Plan:
        data = self.cleaned_data
        zone = ZoneInfo(data["timezone"])
        rrule = ""
        if data["repeat"] != Repeat.ONCE:
            rrule = cadence_rrule(data["repeat"], until=data["until"], zone=zone)
        return Plan(
            start=self.start(),
            duration_minutes=data["duration_minutes"],
            timezone=data["timezone"],
            location=data.get("location", ""),
            rrule=rrule,
        )


class RescheduleForm(MeetingTimeForm):
    scope = forms.ChoiceField(
        label="Change",
        choices=[(Scope.THIS, "This meeting only"), (Scope.FOLLOWING, "This and the following")],
        initial=Scope.THIS,
        required=False,
        widget=forms.RadioSelect,
    )


class CancelForm(forms.Form):
    scope = forms.ChoiceField(
        choices=[
            (Scope.THIS, "This meeting only"),
            (Scope.FOLLOWING, "This and the following"),
            (Scope.ALL, "The whole series"),
        ],
        initial=Scope.THIS,
        required=False,
    )


class ProposeForm(MeetingTimeForm):
    note = forms.CharField(
        label="A note (optional)", max_length=500, required=False, widget=forms.TextInput
    )


__all__ = [
    "MAX_DURATION",
    "MIN_DURATION",
    "CancelForm",
    "ProposeForm",
    "RescheduleForm",
    "ScheduleForm",
]
