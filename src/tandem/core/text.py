"""Text for people: plain text from templates (e-mail bodies, subjects and notification
titles), and markdown written by users, rendered to HTML that is safe to show.

Django's template engine escapes for HTML, which turns "O'Neill" into ``O&#x27;Neill`` in a
text e-mail or a notification title. Every ``.txt`` template is rendered through
:func:`render_text`, which turns autoescaping off for the whole render (includes too), so no
template has to remember ``{% autoescape off %}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import markdown
import nh3
from django.template import Context
from django.template.loader import get_template


def render_text(template_name: str, context: Mapping[str, Any]) -> str:
    """Render a plain-text template without HTML escaping."""
    if not template_name.endswith(".txt"):
        raise ValueError(f"{template_name!r} is not a plain-text (.txt) template.")
    template = get_template(template_name)
    # The backend wrapper always escapes; its Django template takes a Context we control.
    return str(template.template.render(Context(dict(context), autoescape=False)))  # type: ignore[attr-defined]  # django.template.backends.django.Template wraps .template


#: Tags and attributes allowed in rendered markdown (links and images are kept; no style, no
#: event handler, no script).
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope"},
    "td": set(),
}


def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to show: no script, no event handler, no ``javascript:``."""
    html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
