"""The program's meeting guide (filled by the guides work; here the hook meetings call)."""

from __future__ import annotations

from tandem.mentoring.models import Meeting, Mentorship


def assign_agendas(mentorship: Mentorship) -> None:
    """Give the mentorship's meetings their agendas from the guide (the guide work fills it)."""


def agenda_lines(meeting: Meeting) -> list[str]:
    """The agenda as lines for a reminder e-mail (the guide work fills it)."""
    return []
