"""Reads of agendas, meeting records and action items for pages and the API."""

from __future__ import annotations

from typing import Any

from tandem.mentoring.models import Mentorship, MentorshipMember


def agenda_panel(mentorship: Mentorship, member: MentorshipMember) -> dict[str, Any]:
    """What the workspace's agenda/guide panel shows ``member`` (the next agenda, the task)."""
    return {}


def actions_panel(mentorship: Mentorship, member: MentorshipMember) -> dict[str, Any]:
    """What the workspace's action-items panel shows ``member`` (open items, records to fill)."""
    return {}
