"""Meeting times in the reader's own time zone, and the meeting actions block."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from tandem.mentoring.services.meetings import local_label

register = template.Library()


@register.filter
def in_zone(moment: dt.datetime | None, zone: str) -> str:
    """“Tuesday 2 March 2027, 10:00” in ``zone`` (the viewer's)."""
    if moment is None:
        return ""
    return local_label(moment, zone)


@register.inclusion_tag("mentoring/meetings/_actions_body.html", takes_context=True)
def meeting_actions(context: template.Context, meeting: Any, member: Any) -> dict[str, Any]:
    from tandem.mentoring.views.meetings import schedule_actions_context

    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "meeting": meeting,
        "member": member,
        "mentorship": meeting.mentorship,
        "viewer_zone": getattr(user, "time_zone", "") or "UTC",
        **schedule_actions_context(meeting, member),
    }
