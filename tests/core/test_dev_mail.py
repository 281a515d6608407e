"""E-mail in development: the console shows each message decoded, the local inbox lists them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client, override_settings

from tandem.core.mail import ConsoleEmailBackend, kept_messages, links_in
from tandem.env import email_config

LONG_LINK = "https://tandem.example.org/accounts/password/reset/key/3f-" + "a" * 90 + "/"


def _message() -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject="[Tandem] Réinitialisez votre mot de passe",
        body=f"Hello Zoë,\n\nChoose a new password here:\n{LONG_LINK}\n\nThe Tandem team\n",
        from_email="Tandem <tandem@localhost>",
        to=["zoe@example.org"],
        cc=["coordinator@example.org"],
    )
    message.attach_alternative(f"<p>Hello Zoë, <a href='{LONG_LINK}'>choose</a></p>", "text/html")
    message.attach("meeting.ics", "BEGIN:VCALENDAR\nEND:VCALENDAR\n", "text/calendar")
    return message


def test_console_url_selects_the_readable_backend() -> None:
    assert email_config("console://") == {
        "BACKEND": "tandem.core.mail.ConsoleEmailBackend",
        "OPTIONS": {},
    }


@override_settings(DEBUG=False)
def test_console_backend_prints_the_message_decoded() -> None:
    stream = io.StringIO()
    sent = ConsoleEmailBackend(stream=stream).send_messages([_message()])
    assert sent == 1
    assert stream.getvalue() == (
        "Subject: [Tandem] Réinitialisez votre mot de passe\n"
        "From: Tandem <tandem@localhost>\n"
        "To: zoe@example.org\n"
        "Cc: coordinator@example.org\n"
        "\n"
        f"Hello Zoë,\n\nChoose a new password here:\n{LONG_LINK}\n\nThe Tandem team\n"
        "\n"
        "Attachments: meeting.ics\n" + "-" * 79 + "\n"
    )


@override_settings(DEBUG=False)
def test_console_backend_prints_no_mime(capsys: pytest.CaptureFixture[str]) -> None:
    ConsoleEmailBackend().send_messages([_message()])
    printed = capsys.readouterr().out
    assert "Content-Transfer-Encoding" not in printed
    assert "=\n" not in printed  # no quoted-printable soft line break
    assert LONG_LINK in printed.splitlines()


def test_console_backend_keeps_a_copy_only_with_debug_on(tmp_path: Path) -> None:
    with override_settings(DEBUG=False, TANDEM_DEV_INBOX=tmp_path):
        ConsoleEmailBackend(stream=io.StringIO()).send_messages([_message()])
    assert list(tmp_path.iterdir()) == []
    with override_settings(DEBUG=True, TANDEM_DEV_INBOX=tmp_path):
        ConsoleEmailBackend(stream=io.StringIO()).send_messages([_message()])
    (kept,) = kept_messages(tmp_path)
    assert (kept.subject, kept.to, kept.links, kept.attachments) == (
        "[Tandem] Réinitialisez votre mot de passe",
        "zoe@example.org",
        [LONG_LINK],
        ["meeting.ics"],
    )
    assert kept.body.startswith("Hello Zoë,\n")


def test_links_in_finds_each_link_once_without_trailing_punctuation() -> None:
    text = "Open https://a.example/x. Or https://a.example/x, or (http://b.example/y?z=1)."
    assert links_in(text) == ["https://a.example/x", "http://b.example/y?z=1"]


def _send(subject: str, tmp_path: Path) -> None:
    message = mail.EmailMessage(subject, f"Open {LONG_LINK}", to=["ada@example.org"])
    with override_settings(DEBUG=True, TANDEM_DEV_INBOX=tmp_path):
        ConsoleEmailBackend(stream=io.StringIO()).send_messages([message])


@pytest.mark.django_db
def test_dev_inbox_lists_sent_emails_newest_first_with_their_links(
    client: Client, tmp_path: Path
) -> None:
    _send("First", tmp_path)
    _send("Second", tmp_path)
    with override_settings(DEBUG=True, TANDEM_DEV_INBOX=tmp_path):
        response = client.get("/dev/inbox/")
    assert response.status_code == 200
    assert [message.subject for message in response.context["inbox"]] == ["Second", "First"]
    assert response.content.decode().count(f'<a href="{LONG_LINK}">') == 2


@pytest.mark.django_db
def test_dev_inbox_is_empty_before_any_email(client: Client, tmp_path: Path) -> None:
    with override_settings(DEBUG=True, TANDEM_DEV_INBOX=tmp_path / "none-yet"):
        response = client.get("/dev/inbox/")
    assert response.status_code == 200
    assert "No e-mails yet." in response.content.decode()


@pytest.mark.django_db
def test_dev_inbox_is_not_found_with_debug_off(client: Client, tmp_path: Path) -> None:
    _send("Secret reset link", tmp_path)
    with override_settings(DEBUG=False, TANDEM_DEV_INBOX=tmp_path):
        response = client.get("/dev/inbox/")
    assert response.status_code == 404
    assert "Secret reset link" not in response.content.decode()
