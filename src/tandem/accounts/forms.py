from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.http import HttpRequest

from tandem.accounts.models import User

TIME_ZONE_CHOICES = [
    (name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
]


class SignupDetailsForm(forms.Form):
    """Extra fields on allauth's sign-up form (invitation sign-up)."""

    full_name = forms.CharField(label="Full name", max_length=150)
    pronouns = forms.CharField(
        label="Pronouns (optional)", max_length=40, required=False, help_text="e.g. she/her"
    )

    def clean(self) -> dict[str, Any]:
        """With an invitation in hand, the account must be for the invited address."""
        cleaned = super().clean() or {}
        from allauth.core import context

        from tandem.programs.models import Invitation

        request = context.request
        token = request.session.get("invitation_token") if request is not None else None
        invitation = Invitation.objects.pending().filter(token=token).first() if token else None
        email = (cleaned.get("email") or "").strip().lower()
        if invitation is not None and email and email != invitation.email.lower():
            self.add_error(
                "email",
                f"This invitation was sent to {invitation.email}: sign up with that address, "
                "or ask the coordinator to invite the address you want to use.",
            )
        return cleaned

    def signup(self, request: HttpRequest, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"]
        user.pronouns = self.cleaned_data["pronouns"]
        user.save(update_fields=["full_name", "pronouns"])


class ProfileForm(forms.ModelForm[User]):
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES)

    class Meta:
        model = User
        fields = ["full_name", "pronouns", "time_zone"]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=80, help_text="What the token is for, e.g. 'HR dashboard sync'."
    )


class NotificationPreferencesForm(forms.Form):
    def __init__(self, *args: Any, enabled: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from tandem.notifications.enums import NotificationKind

        for kind in NotificationKind:
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label, required=False, initial=kind.value in enabled
            )

    def enabled_kinds(self) -> set[str]:
        return {name for name, value in self.cleaned_data.items() if value}
