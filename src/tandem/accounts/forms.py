from __future__ import annotations

import zoneinfo

from django import forms
from django.http import HttpRequest

from tandem.accounts.enums import DEFAULT_TOKEN_DAYS, TOKEN_LIFETIME_CHOICES, TokenScope
from tandem.accounts.models import User
from tandem.core.forms import ShownFieldsOnly

TIME_ZONE_CHOICES = [
    (name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
]


class SignupDetailsForm(forms.Form):
    """Extra fields on allauth's sign-up form (the person's name and pronouns)."""

    full_name = forms.CharField(label="Full name", max_length=150)
    pronouns = forms.CharField(
        label="Pronouns (optional)", max_length=40, required=False, help_text="e.g. she/her"
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"]
        user.pronouns = self.cleaned_data["pronouns"]
        user.save(update_fields=["full_name", "pronouns"])


class ProfileForm(ShownFieldsOnly, forms.ModelForm[User]):
    """The person's details; a field the page did not show is left as it is."""

    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES)

    class Meta:
        model = User
        fields = ["full_name", "pronouns", "time_zone"]


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
