"""Who may sign up: people holding a pending invitation, and visitors of the enrolment page of a
public program that is taking applications. Configured as allauth's adapter and sign-up form."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.urls import reverse

from tandem.accounts.forms import SignupDetailsForm
from tandem.accounts.models import User
from tandem.accounts.services import revoke_all_api_tokens
from tandem.programs.enums import EnrolmentAccess, ProgramStatus
from tandem.programs.models import Invitation, Program

#: Set by the enrolment page of a public program (``/join/<org>/<program>/``).
ENROLMENT_SESSION_KEY = "enrolment_program"


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is open to people holding a pending invitation, and to visitors of the
    enrolment page of a public program that is taking applications."""

    def _pending_invitation(self, request: HttpRequest) -> Invitation | None:
        token = request.session.get("invitation_token")
        if not token:
            return None
        return Invitation.objects.pending().filter(token=token).first()

    def _public_program(self, request: HttpRequest) -> Program | None:
        slugs = str(request.session.get(ENROLMENT_SESSION_KEY, ""))
        org_slug, _, program_slug = slugs.partition("/")
        if not org_slug or not program_slug:
            return None
        return Program.objects.filter(
            organization__slug=org_slug,
            slug=program_slug,
            enrolment_access=EnrolmentAccess.PUBLIC,
            status=ProgramStatus.ENROLLING,
        ).first()

    def set_password(self, user: AbstractBaseUser, password: str) -> None:
        """Every password change and reset (allauth's forms all come here) revokes the
        person's API tokens: a token must not outlive the password it was made with."""
        super().set_password(user, password)
        if isinstance(user, User):
            revoke_all_api_tokens(user, by=user, reason="password changed")

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return (
            self._pending_invitation(request) is not None
            or self._public_program(request) is not None
        )

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        invitation = self._pending_invitation(request)
        if invitation is not None:
            return invitation.get_absolute_url()
        program = self._public_program(request)
        if program is not None:
            return reverse(
                "enrolment:join",
                kwargs={"organization": program.organization.slug, "program": program.slug},
            )
        return str(super().get_signup_redirect_url(request))

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        invitation = self._pending_invitation(request)
        if invitation is not None:
            return invitation.get_absolute_url()
        return str(super().get_login_redirect_url(request))

    def populate_username(self, request: HttpRequest, user: Any) -> None:
        """Tandem users have no username: the e-mail address is the login."""


class SignupForm(SignupDetailsForm):
    """The sign-up form's extra fields, and the invitation's address kept."""

    def clean(self) -> dict[str, Any]:
        """With an invitation in hand, the account must be for the invited address."""
        cleaned = super().clean() or {}
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
