from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from typing import Any

from django import forms
from django.http import HttpRequest

from tandem.accounts.enums import DEFAULT_TOKEN_DAYS, TOKEN_LIFETIME_CHOICES, TokenScope
from tandem.accounts.models import User
from tandem.core.forms import ShownFieldsOnly
from tandem.core.zones import UTC, is_canonical, time_zone_choices


def browser_time_zone_field() -> forms.CharField:
    """A hidden field the static JS fills with the browser's time zone (tandem.js)."""
    return forms.CharField(
        required=False,
        max_length=64,
        widget=forms.HiddenInput(attrs={"data-browser-time-zone": "fill"}),
    )


def known_zone(name: str) -> str | None:
    """``name`` when it is a time zone this server knows, else None."""
    name = (name or "").strip()
    return name if name in zoneinfo.available_timezones() else None


class SignupDetailsForm(forms.Form):
    """Extra fields on allauth's sign-up form (the person's name and pronouns, and the
    browser's time zone as the account's first one)."""

    full_name = forms.CharField(label="Full name", max_length=150)
    pronouns = forms.CharField(
        label="Pronouns (optional)", max_length=40, required=False, help_text="e.g. she/her"
    )
    time_zone = browser_time_zone_field()

    def signup(self, request: HttpRequest, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"]
        user.pronouns = self.cleaned_data["pronouns"]
        user.time_zone = known_zone(self.cleaned_data.get("time_zone", "")) or UTC
        user.save(update_fields=["full_name", "pronouns", "time_zone"])


class ProfileForm(ShownFieldsOnly, forms.ModelForm[User]):
    """The person's details; a field the page did not show is left as it is.

    The time zone lists canonical zones by region, the likely ones first: the zones the person
    gave in their program profiles (``likely_zones``) and, added by the static JS, the
    browser's. An account still on the default UTC starts on the first likely zone.
    """

    time_zone = forms.ChoiceField(
        choices=time_zone_choices(),
        help_text="Meeting times and dates are shown to you in this zone.",
    )

    class Meta:
        model = User
        fields = ["full_name", "pronouns", "time_zone"]

    def __init__(self, *args: Any, likely_zones: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.time_zone
        likely = [zone for zone in likely_zones if known_zone(zone)]
        if current and current != UTC and not is_canonical(current) and known_zone(current):
            likely.insert(0, current)  # an older alias stays choosable, so the form stays valid
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = time_zone_choices(likely=likely)
        if current in ("", UTC) and not self.is_bound:
            if likely:
                self.initial["time_zone"] = likely[0]
            else:
                field.widget.attrs["data-browser-time-zone"] = UTC


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=80, help_text="What the token is for, e.g. 'HR dashboard sync'."
    )
    scope = forms.ChoiceField(
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        help_text="A read-only token can look but never change anything.",
    )
    days = forms.TypedChoiceField(
        label="Works for",
        choices=TOKEN_LIFETIME_CHOICES,
        coerce=int,
        initial=DEFAULT_TOKEN_DAYS,
        help_text="After that it stops working; create a new one.",
    )
    password = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="A token acts as you, so we ask for your password first.",
    )
