"""The set-up checklist on the coordinator's program overview (``programs`` sits below the
apps the checklist reads, so this app renders it: ``{% load program_setup %}``)."""

from __future__ import annotations

from typing import Any

from django import template

from tandem.matches.setup import next_step, setup_checklist

register = template.Library()


@register.inclusion_tag("matches/_setup_checklist.html")
def setup_checklist_panel(program: Any) -> dict[str, Any]:
    steps = setup_checklist(program)
    return {"program": program, "steps": steps, "next": next_step(steps)}
