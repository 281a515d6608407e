"""``{{ pair.fit|fit_percent }}``: the one fit scale every page shows (the engine's
:func:`tandem.matching.model.fit_percent`; coordinators' pages add a decimal with
``|fit_percent:1``, never another number)."""

from __future__ import annotations

from django import template

from tandem.matching.model import fit_percent as engine_fit_percent

register = template.Library()


@register.filter
def fit_percent(fit: float | None, decimals: int = 0) -> str:
    return engine_fit_percent(fit, int(decimals))
