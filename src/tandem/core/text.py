"""Plain text from templates: e-mail bodies, subjects and notification titles.

Django's template engine escapes for HTML, which turns "O'Neill" into ``O&#x27;Neill`` in a
text e-mail or a notification title. Every ``.txt`` template is rendered through
:func:`render_text`, which turns autoescaping off for the whole render (includes too), so no
template has to remember ``{% autoescape off %}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.template import Context
from django.template.loader import get_template


def render_text(template_name: str, context: Mapping[str, Any]) -> str:
    """Render a plain-text template without HTML escaping."""
    if not template_name.endswith(".txt"):
        raise ValueError(f"{template_name!r} is not a plain-text (.txt) template.")
    template = get_template(template_name)
    # The backend wrapper always escapes; its Django template takes a Context we control.
    return str(template.template.render(Context(dict(context), autoescape=False)))  # type: ignore[attr-defined]  # django.template.backends.django.Template wraps .template
