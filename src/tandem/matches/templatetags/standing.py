"""A participant's standing on pages of the apps below matches: the program home and the
dashboard (programs), the checklist (enrolment) and the shared-space chooser (mentoring) load
``{% standing_panel %}`` and ``{% standings %}``; those apps must not import matches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from tandem.matches.participants import Standing, standing_of, standings_of
from tandem.programs.models import Membership

register = template.Library()


@register.inclusion_tag("matches/_standing.html")
def standing_panel(membership: Membership | None, here: str = "") -> dict[str, Any]:
    """The headline, the words and the next step for ``membership`` (nothing for coordinators
    or visitors); the next step is left out when it leads to ``here``, the page itself."""
    standing = None
    if membership is not None and membership.role != "coordinator":
        standing = standing_of(membership)
    return {"standing": standing, "here": here}


@register.simple_tag
def standings(memberships: Iterable[Membership]) -> list[tuple[Membership, Standing | None]]:
    """Each membership with its standing (None for a coordinator's), in a fixed number of
    queries: ``{% standings memberships as cards %}``."""
    memberships = list(memberships)
    found = standings_of(memberships)
    return [(membership, found.get(membership.pk)) for membership in memberships]
