"""Mentorships API: meeting_records."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["mentorships"])
