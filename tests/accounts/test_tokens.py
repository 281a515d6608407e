"""API tokens need the password, expire, have a scope, and die with a password change."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tandem.accounts.models import ApiToken, User
from tandem.accounts.services import authenticate_api_token, create_api_token
from tandem.core.models import AuditEntry
from tests.accounts.test_accounts import token_form
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


# --- creating one needs the current password -------------------------------------------------


def test_token_page_refuses_a_wrong_password_and_keeps_the_form(user: User, login: Any) -> None:
    response = login(user).post("/me/tokens/", token_form(name="HR sync", password="guess"))
    assert response.status_code == 422
    assert response.context["form"].errors["password"] == [
        "That is not your current password: a new token needs it."
    ]
    assert response.context["form"]["name"].value() == "HR sync"
    assert not ApiToken.objects.exists()


def test_token_page_creates_a_read_only_token_for_30_days(user: User, login: Any) -> None:
    response = login(user).post("/me/tokens/", token_form(scope="read", days="30"))
    assert response.status_code == 200
    token = ApiToken.objects.get(user=user)
    assert token.scope == "read"
    assert token.expires_at - timezone.now() == pytest.approx(
        dt.timedelta(days=30), abs=dt.timedelta(minutes=1)
    )
    assert "Read only" in login(user).get("/me/tokens/").text


def test_token_page_offers_30_90_365_days_with_90_by_default(user: User, login: Any) -> None:
    form = login(user).get("/me/tokens/").context["form"]
    assert [value for value, _ in form.fields["days"].choices] == [30, 90, 365]
    assert form["days"].value() == 90
    refused = login(user).post("/me/tokens/", token_form(days="1000"))
    assert refused.status_code == 422
    assert "days" in refused.context["form"].errors


def test_token_page_throttles_password_guesses(user: User, login: Any) -> None:
    client = login(user)
    for _ in range(5):
        assert client.post("/me/tokens/", token_form(password="guess")).status_code == 422
    response = client.post("/me/tokens/", token_form())
    assert response.status_code == 429
    assert "try again in" in response.context["form"].errors["password"][0]
    assert not ApiToken.objects.exists()


def test_api_creates_a_token_with_the_password(user: User, client: Client) -> None:
    client.force_login(user)
    response = client.post(
        "/api/v1/me/tokens",
        json.dumps({"name": "ci", "password": PASSWORD, "days": 365, "scope": "read"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["scope"], body["is_active"]) == ("ci", "read", True)
    assert authenticate_api_token(body["token"]) == user
    listed = client.get("/api/v1/me/tokens").json()
    assert [token["name"] for token in listed] == ["ci"]
    assert "token" not in listed[0]


def test_api_refuses_a_token_without_the_right_password(user: User, client: Client) -> None:
    client.force_login(user)
    for payload in ({"name": "ci", "password": "guess"}, {"name": "ci"}):
        response = client.post(
            "/api/v1/me/tokens", json.dumps(payload), content_type="application/json"
        )
        assert response.status_code == 422
        assert response.json()["field"] == "password"
    assert not ApiToken.objects.exists()


def test_api_refuses_a_token_made_from_a_token_without_the_password(user: User) -> None:
    _, raw = create_api_token(user, by=user, name="old")
    response = Client().post(
        "/api/v1/me/tokens",
        json.dumps({"name": "more", "password": "nope"}),
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 422
    assert ApiToken.objects.count() == 1


# --- expiry ------------------------------------------------------------------------------------


def test_expired_token_is_refused_with_a_clear_401(user: User) -> None:
    token, raw = create_api_token(user, by=user, name="old sync")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    response = Client().get("/api/v1/me", **bearer(raw))
    assert response.status_code == 401
    assert response.json()["detail"].startswith("This API token (“old sync”, tdm_")
    assert "expired on" in response.json()["detail"]
    assert authenticate_api_token(raw) is None


def test_live_token_works_until_it_expires(user: User) -> None:
    _, raw = create_api_token(user, by=user, name="sync", days=30)
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200


# --- scope -------------------------------------------------------------------------------------


def test_read_only_token_reads_but_every_write_is_403_naming_the_scope(user: User) -> None:
    _, raw = create_api_token(user, by=user, name="dashboard", scope="read")
    client = Client()
    assert client.get("/api/v1/me", **bearer(raw)).status_code == 200
    program = "/api/v1/organizations/northwind/programs/spring"
    for method, path in (
        ("post", "/api/v1/me/tokens"),
        ("post", "/api/v1/notifications/1/read"),
        ("patch", program),
        ("delete", f"{program}/objectives/1"),
    ):
        response = getattr(client, method)(
            path, "{}", content_type="application/json", **bearer(raw)
        )
        assert response.status_code == 403, (method, path)
        assert "has the read-only scope: it cannot" in response.json()["detail"]


def test_read_write_token_may_write(user: User) -> None:
    token, raw = create_api_token(user, by=user, name="sync", scope="read_write")
    response = Client().post(f"/api/v1/me/tokens/{token.pk}/revoke", **bearer(raw))
    assert response.status_code == 200
    assert response.json()["is_active"] is False


# --- last use, written at most once a minute ---------------------------------------------------


def test_last_use_is_written_at_most_once_a_minute(
    user: User, django_assert_num_queries: Any
) -> None:
    token, raw = create_api_token(user, by=user, name="sync")
    assert authenticate_api_token(raw) == user
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the look-up only, no write
        assert authenticate_api_token(raw) == user
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    authenticate_api_token(raw)
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_at > first - dt.timedelta(minutes=1)


def test_token_page_shows_last_use_and_expiry(user: User, login: Any) -> None:
    token, raw = create_api_token(user, by=user, name="sync")
    authenticate_api_token(raw)
    page = login(user).get("/me/tokens/").text
    token.refresh_from_db()
    assert timezone.localtime(token.expires_at).strftime("%-d %b %Y") in page
    assert timezone.localtime(token.last_used_at).strftime("%-d %b %Y %H:%M") in page


# --- a password change or reset revokes them all -----------------------------------------------


def test_password_change_revokes_every_token(user: User, login: Any) -> None:
    _, first = create_api_token(user, by=user, name="a")
    _, second = create_api_token(user, by=user, name="b")
    response = login(user).post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-password-9",
            "password2": "a-new-long-password-9",
        },
    )
    assert response.status_code == 302
    assert (authenticate_api_token(first), authenticate_api_token(second)) == (None, None)
    entry = AuditEntry.objects.get(action="account.api_tokens_revoked")
    assert entry.changes == {"count": 2, "reason": "password changed"}


def test_password_reset_revokes_every_token(user: User) -> None:
    _, raw = create_api_token(user, by=user, name="a")
    client = Client()
    client.post("/accounts/password/reset/", {"email": user.email})
    link = next(
        line for line in mail.outbox[-1].body.splitlines() if "/password/reset/key/" in line
    )
    path = link[link.index("/accounts/") :].strip()
    form = client.get(path, follow=True)
    response = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"password1": "a-new-long-password-9", "password2": "a-new-long-password-9"},
    )
    assert response.status_code == 302
    assert authenticate_api_token(raw) is None
