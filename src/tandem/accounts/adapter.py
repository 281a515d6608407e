from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from tandem.programs.models import Invitation


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is open only to people holding a pending invitation."""

    def _pending_invitation(self, request: HttpRequest) -> Invitation | None:
        token = request.session.get("invitation_token")
        if not token:
            return None
        return Invitation.objects.pending().filter(token=token).first()

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return self._pending_invitation(request) is not None

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        invitation = self._pending_invitation(request)
        if invitation is not None:
            return invitation.get_absolute_url()
        return str(super().get_signup_redirect_url(request))

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        invitation = self._pending_invitation(request)
        if invitation is not None:
            return invitation.get_absolute_url()
        return str(super().get_login_redirect_url(request))

    def populate_username(self, request: HttpRequest, user: Any) -> None:
        """Tandem users have no username: the e-mail address is the login."""
