"""Who may sign up: people holding a pending invitation, and visitors of the enrolment page of a
public program that is taking applications. Configured as allauth's adapter and sign-up form."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.urls import reverse

from tandem.accounts.forms import SignupDetailsForm, known_zone
from tandem.accounts.models import User
from tandem.accounts.services import revoke_all_api_tokens
from tandem.programs.enums import EnrolmentAccess, MembershipStatus, ProgramStatus, Role
from tandem.programs.models import Invitation, Membership, Program

#: Set by the enrolment page of a public program (``/join/<org>/<program>/``).
ENROLMENT_SESSION_KEY = "enrolment_program"
#: Set when a person who never logged in chooses their first password (an imported person's
#: "choose your password" link): the log-in that follows takes them to their next step.
FIRST_PASSWORD_SESSION_KEY = "first_password_set"  # noqa: S105 -- a session key, no secret

#: Programs whose participants still have enrolment steps to take.
_ENROLMENT_OPEN = (ProgramStatus.ENROLLING, ProgramStatus.MATCHING, ProgramStatus.ACTIVE)


def first_step_url(user: User) -> str | None:
    """Where a new participant starts: their profile in the newest program they take part in
    (the first step of getting ready to be matched), or None when there is none."""
    membership = (
        Membership.objects.filter(
            user=user,
            role__in=[Role.MENTOR, Role.MENTEE],
            status__in=[MembershipStatus.APPLIED, MembershipStatus.APPROVED],
            program__status__in=_ENROLMENT_OPEN,
        )
        .select_related("program__organization")
        .order_by("-joined_at", "-pk")
        .first()
    )
    if membership is None:
        return None
    program = membership.program
    return reverse(
        "enrolment:profile",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug},
    )


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
        first_password = isinstance(user, User) and user.last_login is None
        request = context.request
        if first_password and isinstance(user, User) and user.time_zone in ("", "UTC"):
            # The page that sets the first password sends the browser's time zone along.
            browser_zone = known_zone(request.POST.get("time_zone", "")) if request else None
            if browser_zone:
                user.time_zone = browser_zone  # saved with the password just below
        super().set_password(user, password)
        if isinstance(user, User):
            revoke_all_api_tokens(user, by=user, reason="password changed")
        if first_password and request is not None and hasattr(request, "session"):
            request.session[FIRST_PASSWORD_SESSION_KEY] = True

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
        if request.session.pop(FIRST_PASSWORD_SESSION_KEY, False) and isinstance(
            request.user, User
        ):
            next_step = first_step_url(request.user)
            if next_step is not None:
                messages.info(
                    request,
                    "Next step: complete your profile, so that the coordinators can match you.",
                )
                return next_step
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
