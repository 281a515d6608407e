"""Reads of meetings for pages and the API."""

from __future__ import annotations

from typing import Any

from tandem.mentoring.models import Mentorship, MentorshipMember


def meetings_panel(mentorship: Mentorship, member: MentorshipMember) -> dict[str, Any]:
    """What the workspace's meetings panel shows ``member`` (next meeting, the series)."""
    return {}
