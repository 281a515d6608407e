from __future__ import annotations

from typing import Any

from django import forms

from tandem.notifications.enums import NotificationKind


class NotificationPreferencesForm(forms.Form):
    def __init__(self, *args: Any, enabled: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label, required=False, initial=kind.value in enabled
            )

    def enabled_kinds(self) -> set[str]:
        return {name for name, value in self.cleaned_data.items() if value}
