"""Reads of a mentorship's conversation: the workspace's panel and the paginated page, each in
a fixed number of queries whatever the conversation's length."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator

from tandem.core.text import render_markdown
from tandem.mentoring.models import Mentorship, MentorshipMember, Message
from tandem.mentoring.services.messages import unread_count

#: Messages shown in the workspace's panel (the latest ones).
PANEL_SIZE = 5
#: Messages per page of the conversation.
PAGE_SIZE = 30


@dataclass(frozen=True)
class ShownMessage:
    message: Message
    author_name: str
    html: str
    is_mine: bool
    is_unread: bool


def _shown(messages: list[Message], member: MentorshipMember) -> list[ShownMessage]:
    read_until = member.last_read_at
    return [
        ShownMessage(
            message=message,
            author_name=message.author.user.display_name,
            html=render_markdown(message.body),
            is_mine=message.author_id == member.membership_id,
            is_unread=message.author_id != member.membership_id
            and (read_until is None or message.created_at > read_until),
        )
        for message in messages
    ]


def _thread(mentorship: Mentorship) -> Any:
    return (
        Message.objects.filter(mentorship=mentorship)
        .select_related("author__user")
        .order_by("-created_at", "-id")
    )


def messages_panel(mentorship: Mentorship, member: MentorshipMember) -> dict[str, Any]:
    """The latest messages (oldest first), the unread count, and whether ``member`` may write."""
    latest = list(_thread(mentorship)[:PANEL_SIZE])[::-1]
    return {
        "items": _shown(latest, member),
        "unread": unread_count(member),
        "can_write": mentorship.is_live,
    }


def conversation_page(
    mentorship: Mentorship, member: MentorshipMember, page_number: str | int | None
) -> tuple[Page[Message], list[ShownMessage]]:
    """One page of the conversation: page 1 holds the newest messages, shown oldest first."""
    paginator = Paginator(_thread(mentorship), PAGE_SIZE)
    page = paginator.get_page(page_number)
    return page, _shown(list(page.object_list)[::-1], member)
