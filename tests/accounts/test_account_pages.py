"""The account pages (allauth's views) use Tandem's layout and words, and a new participant who
chooses their first password lands on their next step."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.accounts.models import User
from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
from tests.conftest import World
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT_TEMPLATES = Path(__file__).parents[2] / "src/tandem/accounts/templates/account"

#: allauth's account pages Tandem does not override, each with why no one can reach it.
NOT_REACHABLE = {
    "base_confirm_code.html": "a base of the code pages below",
    "base_entrance.html": "a base template; Tandem's pages extend account/_entrance.html",
    "base_manage.html": "a base template; Tandem's pages extend account/_manage.html",
    "base_manage_email.html": "a base template",
    "base_manage_password.html": "a base template",
    "base_manage_phone.html": "a base template",
    "base_reauthenticate.html": "a base template",
    "confirm_email_verification_code.html": "e-mail is verified by link, not by code",
    "confirm_login_code.html": "log-in by code is off",
    "confirm_password_reset_code.html": "password reset is by link, not by code",
    "confirm_phone_verification_code.html": "Tandem has no phone numbers",
    "confirm_reauthentication_code.html": "log-in by code is off",
    "email_change.html": "only with ACCOUNT_CHANGE_EMAIL, which is off",
    "phone_change.html": "Tandem has no phone numbers",
    "request_login_code.html": "log-in by code is off",
    "request_reauthentication_code.html": "log-in by code is off",
    "signup_by_passkey.html": "passkeys are off",
}


def heading(response: Any) -> str:
    match = re.search(r'<h[12] id="page-heading">(.*?)</h[12]>', response.content.decode())
    assert match is not None, "no page heading"
    return match.group(1)


def assert_tandem_page(response: Any, expected_heading: str) -> None:
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a class="brand" href="/">Tandem</a>' in html  # Tandem's layout, not allauth's
    assert heading(response) == expected_heading
    for library_word in ("Sign In", "Sign Up", "Sign Out", "Menu:"):
        assert library_word not in html


def test_every_reachable_allauth_account_page_is_overridden() -> None:
    library = resources.files("allauth").joinpath("templates/account")
    library_pages = {entry.name for entry in library.iterdir() if entry.name.endswith(".html")}
    overridden = {path.name for path in ACCOUNT_TEMPLATES.glob("*.html")}
    assert library_pages - overridden - set(NOT_REACHABLE) == set()
    assert set(NOT_REACHABLE) <= library_pages  # no stale excuse


@pytest.mark.parametrize(
    ("url_name", "expected_heading"),
    [
        ("account_login", "Log in to Tandem"),
        ("account_signup", "Sign-up is by invitation"),
        ("account_reset_password", "Forgot your password?"),
        ("account_reset_password_done", "Check your e-mail"),
        ("account_email_verification_sent", "Check your e-mail"),
    ],
)
def test_anonymous_account_page_uses_tandems_layout(
    client: Client, url_name: str, expected_heading: str
) -> None:
    assert_tandem_page(client.get(reverse(url_name)), expected_heading)


@pytest.mark.parametrize(
    ("url_name", "expected_heading"),
    [
        ("account_logout", "Log out of Tandem?"),
        ("account_change_password", "Change your password"),
        ("account_email", "Your e-mail addresses"),
    ],
)
def test_logged_in_account_page_uses_tandems_layout(
    user: User, login: Any, url_name: str, expected_heading: str
) -> None:
    assert_tandem_page(login(user).get(reverse(url_name)), expected_heading)


def test_account_manage_pages_show_the_account_navigation(user: User, login: Any) -> None:
    html = login(user).get(reverse("account_change_password")).content.decode()
    assert '<nav aria-label="Your account"' in html
    assert "<h1>Your account</h1>" in html


def test_password_set_page_for_an_account_without_password(login: Any) -> None:
    person = UserFactory()
    person.set_unusable_password()
    person.save(update_fields=["password"])
    assert_tandem_page(login(person).get(reverse("account_set_password")), "Choose a password")


def test_email_confirm_page_with_an_unknown_key_says_it_expired(client: Client) -> None:
    response = client.get(reverse("account_confirm_email", kwargs={"key": "nope"}))
    assert_tandem_page(response, "Confirm your e-mail address")
    assert "This confirmation link has expired or was already used." in response.text


def test_password_reset_page_labels_its_field(client: Client) -> None:
    html = client.get(reverse("account_reset_password")).content.decode()
    assert '<label for="id_email">' in html


def test_reset_link_that_no_longer_works_says_so(user: User, client: Client) -> None:
    url = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": "set-wrong"},
    )
    assert_tandem_page(client.get(url, follow=True), "This link no longer works")


def choose_first_password(person: User) -> Any:
    """Follow an imported person's "choose your password" link and save a password."""
    client = Client()
    url = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(person),
            "key": default_token_generator.make_token(person),
        },
    )
    form_page = client.get(url, follow=True)
    assert_tandem_page(form_page, "Choose your password")
    password = "a-new-Passw0rd-for-tandem"
    response = client.post(
        form_page.redirect_chain[-1][0], {"password1": password, "password2": password}
    )
    return response


def test_first_password_takes_a_new_participant_to_their_profile(world: World) -> None:
    world.program.status = ProgramStatus.ENROLLING
    world.program.save(update_fields=["status"])
    person = UserFactory(last_login=None)
    MembershipFactory(
        program=world.program, user=person, role=Role.MENTEE, status=MembershipStatus.APPROVED
    )
    response = choose_first_password(person)
    assert response.status_code == 302
    assert response.url == world.url("profile/")
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Your new password is saved.",
        "Next step: complete your profile, so that the coordinators can match you.",
        f"You are logged in as {person.display_name}.",
    ]


def test_password_reset_of_someone_who_logged_in_before_goes_home(world: World) -> None:
    world.program.status = ProgramStatus.ENROLLING
    world.program.save(update_fields=["status"])
    person = UserFactory(last_login=timezone.now())
    MembershipFactory(program=world.program, user=person, role=Role.MENTEE)
    response = choose_first_password(person)
    assert (response.status_code, response.url) == (302, "/")


def test_first_password_without_a_program_goes_home(db: Any) -> None:
    response = choose_first_password(UserFactory(last_login=None))
    assert (response.status_code, response.url) == (302, "/")


def test_first_password_of_a_coordinator_goes_home(world: World) -> None:
    person = UserFactory(last_login=None)
    MembershipFactory(program=world.program, user=person, role=Role.COORDINATOR)
    response = choose_first_password(person)
    assert (response.status_code, response.url) == (302, "/")


def test_login_page_still_logs_in(user: User, client: Client) -> None:
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/")
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        f"You are logged in as {user.display_name}."
    ]


# --- the account's time zone -----------------------------------------------------------------


def test_signup_takes_the_time_zone_the_browser_sent(world: World) -> None:
    from tests.factories import InvitationFactory

    invitation = InvitationFactory(program=world.program, email="nia@example.org")
    client = Client()
    client.get(invitation.get_absolute_url())
    password = "a-new-Passw0rd-for-tandem"
    response = client.post(
        reverse("account_signup"),
        {
            "email": "nia@example.org",
            "full_name": "Nia Okafor",
            "password1": password,
            "password2": password,
            "time_zone": "Africa/Lagos",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="nia@example.org").time_zone == "Africa/Lagos"


def test_signup_with_an_unknown_time_zone_keeps_utc(world: World) -> None:
    from tests.factories import InvitationFactory

    invitation = InvitationFactory(program=world.program, email="nia@example.org")
    client = Client()
    client.get(invitation.get_absolute_url())
    password = "a-new-Passw0rd-for-tandem"
    client.post(
        reverse("account_signup"),
        {
            "email": "nia@example.org",
            "full_name": "Nia Okafor",
            "password1": password,
            "password2": password,
            "time_zone": "Mars/Olympus",
        },
    )
    assert User.objects.get(email="nia@example.org").time_zone == "UTC"


def test_signup_page_has_the_hidden_browser_time_zone_field(world: World) -> None:
    from tests.factories import InvitationFactory

    invitation = InvitationFactory(program=world.program)
    client = Client()
    client.get(invitation.get_absolute_url())
    html = client.get(reverse("account_signup")).content.decode()
    assert re.search(
        r'<input type="hidden" name="time_zone"[^>]*data-browser-time-zone="fill"', html
    )


def test_first_password_takes_the_browsers_time_zone(db: Any) -> None:
    person = UserFactory(last_login=None)
    client = Client()
    url = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(person),
            "key": default_token_generator.make_token(person),
        },
    )
    form_page = client.get(url, follow=True)
    assert 'name="time_zone" value="" data-browser-time-zone="fill"' in form_page.text
    password = "a-new-Passw0rd-for-tandem"
    client.post(
        form_page.redirect_chain[-1][0],
        {"password1": password, "password2": password, "time_zone": "Asia/Tokyo"},
    )
    person.refresh_from_db()
    assert person.time_zone == "Asia/Tokyo"


def test_account_page_starts_on_the_zone_given_in_a_program_profile(
    world: World, login: Any
) -> None:
    Membership = world.program.memberships.model
    Membership.objects.filter(user=world.mentee).update(answers={"time_zone": "Europe/Lisbon"})
    response = login(world.mentee).get(reverse("accounts:profile"))
    form = response.context["form"]
    assert form["time_zone"].value() == "Europe/Lisbon"
    assert form.fields["time_zone"].choices[0] == ("Likely", [("Europe/Lisbon", "Europe/Lisbon")])


def test_account_page_without_a_likely_zone_asks_the_browser(user: User, login: Any) -> None:
    html = login(user).get(reverse("accounts:profile")).content.decode()
    assert re.search(r'<select name="time_zone"[^>]*data-browser-time-zone="UTC"', html)
    assert 'value="Africa/Timbuktu"' not in html


def test_account_page_keeps_an_old_alias_choosable(user: User, login: Any) -> None:
    user.time_zone = "Asia/Calcutta"
    user.save(update_fields=["time_zone"])
    client = login(user)
    form = client.get(reverse("accounts:profile")).context["form"]
    assert form.fields["time_zone"].choices[0] == ("Likely", [("Asia/Calcutta", "Asia/Calcutta")])
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": user.full_name, "pronouns": "", "time_zone": "Asia/Calcutta"},
    )
    assert response.status_code == 302


def test_account_page_refuses_a_zone_alias_it_does_not_offer(user: User, login: Any) -> None:
    response = login(user).post(
        reverse("accounts:profile"),
        {"full_name": user.full_name, "pronouns": "", "time_zone": "Africa/Timbuktu"},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.time_zone == "UTC"
