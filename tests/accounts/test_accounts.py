"""People: the user model, API tokens, the account pages and invitation-only sign-up."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from tandem.accounts.models import ApiToken, User
from tandem.accounts.services import authenticate_api_token, create_api_token
from tandem.core.models import AuditEntry
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import NotificationPreference
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.models import Invitation, Membership
from tests.conftest import World
from tests.factories import PASSWORD, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- the user model ----------------------------------------------------------------------


def test_create_user_lowercases_the_email_and_has_no_username() -> None:
    user = User.objects.create_user("Ada.Lovelace@Example.ORG", "s3cret-pass", full_name="Ada")
    assert user.email == "ada.lovelace@example.org"
    assert user.check_password("s3cret-pass")
    assert not hasattr(user, "username")
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert User.USERNAME_FIELD == "email"


def test_create_user_without_password_has_unusable_password() -> None:
    user = User.objects.create_user("nopass@example.org")
    assert not user.has_usable_password()


def test_create_user_without_email_is_refused() -> None:
    with pytest.raises(ValueError, match="e-mail"):
        User.objects.create_user("")
    assert not User.objects.exists()


def test_create_superuser_is_staff_and_superuser() -> None:
    user = User.objects.create_superuser("Root@Example.org", "s3cret-pass")
    assert user.email == "root@example.org"
    assert (user.is_staff, user.is_superuser) == (True, True)


def test_user_display_name_falls_back_to_the_email() -> None:
    assert User(email="grace@example.org").display_name == "grace"
    assert User(email="grace@example.org", full_name="Grace Hopper").display_name == "Grace Hopper"
    assert User(email="g@example.org", full_name="Grace Hopper").get_short_name() == "Grace"


# --- API tokens --------------------------------------------------------------------------


def token_form(**fields: Any) -> dict[str, Any]:
    return {"name": "sync", "scope": "read_write", "days": "90", "password": PASSWORD, **fields}


def test_create_api_token_stores_only_the_hash(user: User) -> None:
    token, raw = create_api_token(user, by=user, name="sync")
    assert raw.startswith("tdm_")
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.hint)
    assert token.hint == raw[:8]
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in {str(value) for value in stored.values()}
    entry = AuditEntry.objects.get(action="account.api_token_created")
    assert entry.actor == user


def test_create_api_token_gives_a_new_secret_each_time(user: User) -> None:
    _, first = create_api_token(user, by=user, name="a")
    _, second = create_api_token(user, by=user, name="b")
    assert first != second


def test_authenticate_api_token_sets_last_used_at(user: User) -> None:
    token, raw = create_api_token(user, by=user, name="sync")
    assert authenticate_api_token(raw) == user
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < dt.timedelta(minutes=1)


def test_authenticate_api_token_refuses_unknown_and_revoked_tokens(user: User) -> None:
    token, raw = create_api_token(user, by=user, name="sync")
    assert authenticate_api_token("tdm_unknown") is None
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert authenticate_api_token(raw) is None


def test_token_page_creates_a_token_and_shows_it_once(user: User, login: Any) -> None:
    client = login(user)
    response = client.post("/me/tokens/", token_form(name="HR sync"))
    assert response.status_code == 200
    token = ApiToken.objects.get(user=user)
    raw = response.context["new_token"]
    assert raw.startswith(token.hint)
    assert raw in response.content.decode()
    assert token.name == "HR sync"
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    again = client.get("/me/tokens/")
    assert raw not in again.content.decode()
    assert "HR sync" in again.content.decode()
    assert f"{token.hint}…" in again.content.decode()


def test_token_page_lists_only_my_tokens(world: World, login: Any) -> None:
    create_api_token(world.mentor, by=world.mentor, name="mentor-token")
    create_api_token(world.mentee, by=world.mentee, name="mentee-token")
    response = login(world.mentor).get("/me/tokens/")
    assert response.status_code == 200
    assert [t.name for t in response.context["tokens"]] == ["mentor-token"]
    assert "mentee-token" not in response.content.decode()


def test_token_page_without_name_is_422(user: User, login: Any) -> None:
    response = login(user).post("/me/tokens/", token_form(name=""))
    assert response.status_code == 422
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_token_revoke_by_owner_revokes(user: User, login: Any) -> None:
    token, raw = create_api_token(user, by=user, name="sync")
    response = login(user).post(f"/me/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert response.url == "/me/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert authenticate_api_token(raw) is None
    assert AuditEntry.objects.get(action="account.api_token_revoked").actor == user


def test_token_revoke_of_someone_elses_token_is_404(world: World, login: Any) -> None:
    token, raw = create_api_token(world.mentee, by=world.mentee, name="theirs")
    response = login(world.mentor).post(f"/me/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert authenticate_api_token(raw) == world.mentee


def test_token_revoke_by_get_is_refused(user: User, login: Any) -> None:
    token, _ = create_api_token(user, by=user, name="sync")
    assert login(user).get(f"/me/tokens/{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


# --- account pages -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/me/profile/", "/me/notifications/", "/me/tokens/"])
def test_account_page_anonymous_is_redirected_to_login(db: Any, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"


def test_token_revoke_anonymous_is_redirected_to_login(user: User) -> None:
    token, _ = create_api_token(user, by=user, name="sync")
    response = Client().post(f"/me/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    token.refresh_from_db()
    assert token.revoked_at is None


def test_profile_page_shows_my_details(user: User, login: Any) -> None:
    response = login(user).get("/me/profile/")
    assert response.status_code == 200
    assert user.email in response.content.decode()
    assert response.context["form"].initial["full_name"] == user.full_name


def test_profile_page_saves_valid_details(user: User, login: Any) -> None:
    response = login(user).post(
        "/me/profile/",
        {"full_name": "Ada Lovelace", "pronouns": "she/her", "time_zone": "Europe/London"},
    )
    assert response.status_code == 302
    assert response.url == "/me/profile/"
    user.refresh_from_db()
    assert (user.full_name, user.pronouns, user.time_zone) == (
        "Ada Lovelace",
        "she/her",
        "Europe/London",
    )
    assert AuditEntry.objects.get(action="account.profile_updated").actor == user


def test_profile_page_invalid_time_zone_keeps_the_values(user: User, login: Any) -> None:
    old_name = user.full_name
    response = login(user).post(
        "/me/profile/",
        {"full_name": "Ada Lovelace", "pronouns": "she/her", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["time_zone"]
    page = response.content.decode()
    assert 'value="Ada Lovelace"' in page
    assert 'value="she/her"' in page
    user.refresh_from_db()
    assert (user.full_name, user.time_zone) == (old_name, "UTC")
    assert not AuditEntry.objects.filter(action="account.profile_updated").exists()


def test_preferences_page_shows_every_kind_on_by_default(user: User, login: Any) -> None:
    response = login(user).get("/me/notifications/")
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.fields) == {kind.value for kind in NotificationKind}
    assert all(field.initial for field in form.fields.values())


def test_preferences_page_saves_a_row_per_kind(user: User, login: Any) -> None:
    client = login(user)
    response = client.post("/me/notifications/", {NotificationKind.WELCOME.value: "on"})
    assert response.status_code == 302
    assert response.url == "/me/notifications/"
    saved = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    assert saved == {kind.value: kind == NotificationKind.WELCOME for kind in NotificationKind}
    form = client.get("/me/notifications/").context["form"]
    assert form.fields[NotificationKind.WELCOME.value].initial is True
    assert form.fields[NotificationKind.PROGRAM_STATUS.value].initial is False


def test_preferences_page_does_not_touch_other_peoples_rows(world: World, login: Any) -> None:
    login(world.mentor).post("/me/notifications/", {})
    assert not NotificationPreference.objects.exclude(user=world.mentor).exists()
    assert NotificationPreference.objects.filter(user=world.mentor, email=False).count() == len(
        NotificationKind
    )


# --- invitation-only sign-up -------------------------------------------------------------

SIGNUP = "/accounts/signup/"


def signup_data(email: str) -> dict[str, str]:
    return {
        "email": email,
        "password1": "a-long-unusual-passphrase-42",
        "password2": "a-long-unusual-passphrase-42",
        "full_name": "Nia Newcomer",
        "pronouns": "they/them",
    }


def assert_signup_closed(response: Any) -> None:
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    assert 'name="password1"' not in response.content.decode()


def test_signup_without_invitation_is_closed(db: Any) -> None:
    assert_signup_closed(Client().get(SIGNUP))


def test_signup_post_without_invitation_creates_nobody(db: Any) -> None:
    response = Client().post(SIGNUP, signup_data("sneaky@example.org"))
    assert_signup_closed(response)
    assert not User.objects.filter(email="sneaky@example.org").exists()


def test_signup_with_invitation_shows_the_form(world: World) -> None:
    invitation = InvitationFactory(program=world.program, email="nia@example.org")
    client = Client()
    assert client.get(invitation.get_absolute_url()).status_code == 200
    assert client.session["invitation_token"] == invitation.token
    response = client.get(SIGNUP)
    assert response.status_code == 200
    assert 'name="password1"' in response.content.decode()
    assert "account/signup_closed.html" not in [t.name for t in response.templates]


def sign_up_through(invitation: Invitation) -> Client:
    client = Client()
    client.get(invitation.get_absolute_url())
    response = client.post(SIGNUP, signup_data(invitation.email.title()))
    assert response.status_code == 302
    assert response.url == invitation.get_absolute_url()
    return client


def test_signup_with_invitation_creates_a_verified_logged_in_user(world: World) -> None:
    invitation = InvitationFactory(program=world.program, email="nia@example.org")
    client = sign_up_through(invitation)
    user = User.objects.get(email="nia@example.org")
    assert (user.full_name, user.pronouns) == ("Nia Newcomer", "they/them")
    address = EmailAddress.objects.get(user=user)
    assert address.verified is True
    assert address.email.lower() == "nia@example.org"
    assert int(client.session["_auth_user_id"]) == user.pk  # logged in at once
    assert not Membership.objects.filter(user=user).exists()  # not before accepting


def test_signup_then_accepting_the_invitation_gives_an_approved_membership(
    world: World,
) -> None:
    invitation = InvitationFactory(
        program=world.program,
        email="nia@example.org",
        role=Role.MENTOR,
        invited_by=world.coordinator,
    )
    client = sign_up_through(invitation)
    response = client.post(invitation.get_absolute_url())
    assert response.status_code == 302
    user = User.objects.get(email="nia@example.org")
    membership = Membership.objects.get(program=world.program, user=user)
    assert (membership.role, membership.status) == (Role.MENTOR, MembershipStatus.APPROVED)
    invitation.refresh_from_db()
    assert invitation.state == "accepted"
    assert invitation.accepted_by == user


def test_signup_with_expired_invitation_is_closed(world: World) -> None:
    invitation = InvitationFactory(program=world.program, email="late@example.org")
    client = Client()
    client.get(invitation.get_absolute_url())
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert_signup_closed(client.get(SIGNUP))
    assert_signup_closed(client.post(SIGNUP, signup_data("late@example.org")))
    assert not User.objects.filter(email="late@example.org").exists()


def test_expired_invitation_page_does_not_open_signup(world: World) -> None:
    invitation = InvitationFactory(
        program=world.program,
        email="late@example.org",
        expires_at=timezone.now() - dt.timedelta(days=1),
    )
    client = Client()
    assert client.get(invitation.get_absolute_url()).status_code == 410
    assert "invitation_token" not in client.session
    assert_signup_closed(client.get(SIGNUP))


def test_signup_with_revoked_invitation_is_closed(world: World) -> None:
    invitation = InvitationFactory(program=world.program, email="gone@example.org")
    client = Client()
    client.get(invitation.get_absolute_url())
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    assert_signup_closed(client.get(SIGNUP))


def test_login_with_pending_invitation_goes_to_the_invitation(world: World) -> None:
    existing = UserFactory(email="known@example.org")
    invitation = InvitationFactory(program=world.program, email=existing.email)
    client = Client()
    client.get(invitation.get_absolute_url())
    response = client.post(
        "/accounts/login/", {"login": existing.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response.url == invitation.get_absolute_url()


def test_signup_with_an_invitation_refuses_another_address(world: World) -> None:
    invitation = InvitationFactory(program=world.program, email="nia@example.org")
    client = Client()
    client.get(invitation.get_absolute_url())
    response = client.post(SIGNUP, signup_data("someone-else@example.org"))
    assert response.status_code == 200
    assert "This invitation was sent to nia@example.org" in response.content.decode()
    assert not User.objects.filter(email="someone-else@example.org").exists()
