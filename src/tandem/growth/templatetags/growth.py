"""Growth's panels on pages of the apps below it: the mentoring workspace loads
``{% goals_panel %}`` (mentoring must not import growth, so growth renders its own panel)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from tandem.core.text import render_markdown
from tandem.growth.queries.goals import workspace_panel
from tandem.growth.services.goals import goals_url

register = template.Library()


@register.inclusion_tag("growth/goals/_workspace.html")
def goals_panel(mentorship: Any, member: Any) -> dict[str, Any]:
    """The workspace's goals panel for ``member``: open goals and their progress, suggestions
    waiting for them, the latest celebrations."""
    return {
        "mentorship": mentorship,
        "member": member,
        "goals_url": goals_url(mentorship),
        **workspace_panel(mentorship, member),
    }


@register.filter
def markdown(text: str) -> SafeString:
    """What a member wrote, as sanitised HTML."""
    return mark_safe(render_markdown(text))  # noqa: S308  # nh3 has sanitised it
