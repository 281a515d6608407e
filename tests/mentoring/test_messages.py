"""The conversation of a mentorship: posting, reading, unread counts, the batched e-mail, and
who may reach it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.mentoring.enums import EndReason, RelationshipStatus
from tandem.mentoring.models import Mentorship, MentorshipMember, Message, Relationship
from tandem.mentoring.services import messages as services
from tandem.mentoring.services.mentorships import end_relationship
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tests.conftest import World
from tests.mentoring.factories import Pair, everyone, workspace_url


def member(pair: Pair, side: str) -> MentorshipMember:
    return pair.member(pair.mentee if side == "mentee" else pair.mentor)


# --- the service ----------------------------------------------------------------------------


def test_post_message_stores_the_body_and_marks_it_read_for_its_author(pair: Pair) -> None:
    message = services.post_message(pair.mentorship, by=pair.mentee, body="  Hello **there**\r\n")
    assert Message.objects.get().body == "Hello **there**"
    assert member(pair, "mentee").last_read_at == message.created_at
    assert services.unread_count(member(pair, "mentee")) == 0
    assert services.unread_count(member(pair, "mentor")) == 1
    mentorship = Mentorship.objects.get(pk=pair.mentorship.pk)
    assert mentorship.last_activity_at == message.created_at


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write a message before sending it."),
        ("   \n ", "Write a message before sending it."),
        ("a\x00b", "The message contains a NUL character; remove it."),
        ("x" * 5001, "Keep a message under 5,000 characters (it has 5,001)."),
    ],
)
def test_post_message_refuses_bad_bodies(pair: Pair, body: str, error: str) -> None:
    with pytest.raises(ServiceError) as raised:
        services.post_message(pair.mentorship, by=pair.mentee, body=body)
    assert raised.value.message == error
    assert raised.value.field == "body"
    assert not Message.objects.exists()


def test_post_message_accepts_exactly_5000_characters(pair: Pair) -> None:
    services.post_message(pair.mentorship, by=pair.mentee, body="x" * 5000)
    assert len(Message.objects.get().body) == 5000


def test_post_message_refuses_someone_outside_the_mentorship(pair: Pair) -> None:
    outsider = pair.other.members.get(role="mentee").membership
    with pytest.raises(ServiceError):
        services.post_message(pair.mentorship, by=outsider, body="Hi")
    assert not Message.objects.exists()


def test_post_message_refuses_once_the_mentorship_has_ended(world: World, pair: Pair) -> None:
    relationship = Relationship.objects.get(mentorship=pair.mentorship)
    end_relationship(relationship, by=world.mentee, reason=EndReason.SCHEDULES)
    with pytest.raises(ServiceError) as raised:
        services.post_message(pair.mentorship, by=pair.mentee, body="Hi")
    assert raised.value.message == (
        "This mentorship is ended early: its conversation is read-only."
    )


def test_mark_read_clears_the_unread_count(pair: Pair) -> None:
    services.post_message(pair.mentorship, by=pair.mentee, body="One")
    services.post_message(pair.mentorship, by=pair.mentee, body="Two")
    assert services.mark_read(pair.mentorship, by=pair.mentor) == 2
    assert services.unread_count(member(pair, "mentor")) == 0
    assert services.mark_read(pair.mentorship, by=pair.mentor) == 0


# --- the batched e-mail ---------------------------------------------------------------------


def test_new_messages_email_goes_to_the_others_once_an_hour(
    world: World, pair: Pair, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(pair.mentorship, by=pair.mentee, body="First")
    notes = Notification.objects.filter(kind=NotificationKind.NEW_MESSAGES)
    assert [n.recipient for n in notes.all()] == [world.mentor]
    assert notes.get().body == (
        "You have 1 unread message in your mentorship in Spring. Read and answer them in your "
        "shared space."
    )
    assert notes.get().url == workspace_url(world, pair.mentorship, "messages/")
    assert [m.to for m in mailoutbox] == [[world.mentor.email]]
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(pair.mentorship, by=pair.mentee, body="Second")
    assert notes.count() == 1  # within the hour: no second e-mail
    assert len(mailoutbox) == 1
    # An hour later the sweep tells the mentor about what is still unread.
    later = timezone.now() + dt.timedelta(hours=1, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_message_emails(now=later) == 1
    assert notes.count() == 2
    assert notes.order_by("-id")[0].body.startswith("You have 2 unread messages")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_message_emails(now=later + dt.timedelta(hours=2)) == 0


def test_new_messages_email_skips_what_was_read(world: World, pair: Pair) -> None:
    services.post_message(pair.mentorship, by=pair.mentee, body="Hi")
    services.mark_read(pair.mentorship, by=pair.mentor)
    assert services.send_message_emails(pair.mentorship.pk) == 0
    assert not Notification.objects.filter(kind=NotificationKind.NEW_MESSAGES).exists()


def test_new_messages_claim_lets_only_one_worker_send(pair: Pair) -> None:
    services.post_message(pair.mentorship, by=pair.mentee, body="Hi")
    mentor = member(pair, "mentor")
    stale = MentorshipMember.objects.get(pk=mentor.pk)  # what a second worker read
    now = timezone.now()
    assert services._claim(mentor, now) is True
    assert services._claim(stale, now) is False


def test_new_messages_task_runs_the_service(pair: Pair) -> None:
    from tandem.mentoring.tasks import email_new_messages

    services.post_message(pair.mentorship, by=pair.mentee, body="Hi")
    result = email_new_messages.enqueue(pair.mentorship.pk)
    assert result.return_value == 1


# --- the views ------------------------------------------------------------------------------


def test_conversation_page_shows_sanitised_markdown_and_marks_read(
    world: World, pair: Pair, login: Any
) -> None:
    services.post_message(
        pair.mentorship,
        by=pair.mentee,
        body='**Hello** <script>alert(1)</script> [x](javascript:alert(1)) <b onclick="x()">b</b>',
    )
    response = login(world.mentor).get(workspace_url(world, pair.mentorship, "messages/"))
    assert response.status_code == 200
    assert "<strong>Hello</strong>" in response.text
    assert "<script>alert" not in response.text
    assert "javascript:" not in response.text
    assert "onclick" not in response.text
    assert "New" in response.text
    assert services.unread_count(member(pair, "mentor")) == 0


def test_conversation_page_is_paginated(world: World, pair: Pair, login: Any) -> None:
    for number in range(35):
        Message.objects.create(mentorship=pair.mentorship, author=pair.mentee, body=f"m{number}")
    client = login(world.mentor)
    first = client.get(workspace_url(world, pair.mentorship, "messages/"))
    assert "m34" in first.text
    assert "m5<" in first.text
    assert "m4<" not in first.text
    assert "Older messages" in first.text
    second = client.get(workspace_url(world, pair.mentorship, "messages/?page=2"))
    assert "m4<" in second.text
    assert "m5<" not in second.text


@pytest.mark.parametrize("count", [1, 30])
def test_conversation_page_query_count_is_constant(
    world: World, pair: Pair, login: Any, django_assert_num_queries: Any, count: int
) -> None:
    Message.objects.bulk_create(
        [Message(mentorship=pair.mentorship, author=pair.mentee, body="x") for _ in range(count)]
    )
    client = login(world.mentor)
    url = workspace_url(world, pair.mentorship, "messages/")
    client.get(url)  # warm the session
    with django_assert_num_queries(17):
        client.get(url)


def test_posting_with_htmx_returns_the_panel(world: World, pair: Pair, login: Any) -> None:
    response = login(world.mentee).post(
        workspace_url(world, pair.mentorship, "messages/"),
        {"body": "See you *Tuesday*", "from": "workspace"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="messages-panel"' in response.text
    assert "<em>Tuesday</em>" in response.text
    assert "<html" not in response.text
    assert Message.objects.get().author == pair.mentee


def test_posting_an_empty_message_with_htmx_names_the_field(
    world: World, pair: Pair, login: Any
) -> None:
    response = login(world.mentee).post(
        workspace_url(world, pair.mentorship, "messages/"),
        {"body": "", "from": "workspace"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "This field is required." in response.text
    assert not Message.objects.exists()


def test_posting_too_long_a_message_keeps_the_text(world: World, pair: Pair, login: Any) -> None:
    response = login(world.mentee).post(
        workspace_url(world, pair.mentorship, "messages/"), {"body": "y" * 5001}
    )
    assert response.status_code == 422
    assert "y" * 5001 in response.text
    assert "Ensure this value has at most 5000 characters (it has 5001)." in response.text


def test_posting_without_htmx_redirects_back(world: World, pair: Pair, login: Any) -> None:
    url = workspace_url(world, pair.mentorship, "messages/")
    response = login(world.mentee).post(url, {"body": "Hi", "from": "workspace"})
    assert response.status_code == 302
    assert response["Location"] == workspace_url(world, pair.mentorship)
    response = login(world.mentee).post(url, {"body": "Again"})
    assert response["Location"] == url


def test_message_list_refresh_returns_only_the_list(world: World, pair: Pair, login: Any) -> None:
    services.post_message(pair.mentorship, by=pair.mentee, body="Ping")
    response = login(world.mentor).get(workspace_url(world, pair.mentorship, "messages/latest/"))
    assert response.status_code == 200
    assert response.text.strip().startswith('<div id="message-list"')
    assert "Ping" in response.text
    assert "1</strong> unread message" in response.text


def test_ended_mentorship_conversation_is_read_only(world: World, pair: Pair, login: Any) -> None:
    services.post_message(pair.mentorship, by=pair.mentee, body="Before")
    Mentorship.objects.filter(pk=pair.mentorship.pk).update(status=RelationshipStatus.COMPLETED)
    client = login(world.mentee)
    page = client.get(workspace_url(world, pair.mentorship, "messages/"))
    assert "The conversation is read-only" in page.text
    assert "Before" in page.text
    response = client.post(workspace_url(world, pair.mentorship, "messages/"), {"body": "After"})
    assert response.status_code == 422
    assert "its conversation is read-only" in response.text
    assert Message.objects.count() == 1


# --- privacy matrix -------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["messages/", "messages/latest/"])
@pytest.mark.parametrize(
    ("viewer", "status"),
    [("member", 200), ("other_participant", 404), ("coordinator", 404), ("outsider", 404)],
)
def test_messages_privacy_matrix(
    world: World, pair: Pair, login: Any, suffix: str, viewer: str, status: int
) -> None:
    services.post_message(pair.mentorship, by=pair.mentor, body="Private words")
    person = everyone(world, pair)[viewer]
    response = login(person).get(workspace_url(world, pair.mentorship, suffix))
    assert response.status_code == status
    assert ("Private words" in response.text) is (status == 200)


@pytest.mark.parametrize("viewer", ["other_participant", "coordinator", "outsider"])
def test_posting_privacy_matrix(world: World, pair: Pair, login: Any, viewer: str) -> None:
    person = everyone(world, pair)[viewer]
    response = login(person).post(
        workspace_url(world, pair.mentorship, "messages/"), {"body": "Let me in"}
    )
    assert response.status_code == 404
    assert not Message.objects.exists()
