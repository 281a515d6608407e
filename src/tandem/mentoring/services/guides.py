"""The program's meeting guide (filled by the guides work; here the hook meetings call)."""

from __future__ import annotations

from tandem.mentoring.models import Mentorship


def assign_agendas(mentorship: Mentorship) -> None:
    """Give the mentorship's meetings their agendas from the guide (the guide work fills it)."""
