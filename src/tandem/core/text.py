"""Text for people: plain text from templates (e-mail bodies, subjects and notification
titles) and what they write in markdown, made safe to show.

Plain text from templates:

Django's template engine escapes for HTML, which turns "O'Neill" into ``O&#x27;Neill`` in a
text e-mail or a notification title. Every ``.txt`` template is rendered through
:func:`render_text`, which turns autoescaping off for the whole render (includes too), so no
template has to remember ``{% autoescape off %}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


#: A NUL character: PostgreSQL cannot store one in text (and SQLite cuts C strings at it).
NUL = "\x00"


def nul_message(name: str) -> str:
    """What a person is told when ``name`` holds a NUL character."""
    return (
        f"“{name}” contains a NUL character (\\0), which cannot be stored: remove it and try again."
    )


def find_nul(value: Any, path: str = "") -> str | None:
    """The dotted path of the first text holding a NUL in ``value`` (a string, or lists and
    dicts of them, keys included); ``None`` when there is none. ``path`` names ``value``."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            key_path = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and NUL in key:
                return path or key.replace(NUL, "\\0")
            found = find_nul(item, key_path)
            if found is not None:
                return found
        return None
    if isinstance(value, list | tuple):
        return _first_nul(value, path)
    return None


def _first_nul(items: Iterable[Any], path: str) -> str | None:
    for index, item in enumerate(items):
        found = find_nul(item, f"{path}.{index}" if path else str(index))
        if found is not None:
            return found
    return None


#: What markdown written by people may become: text formatting, lists, tables, links, images.
#: No script, no style, no event handler attributes, no ``javascript:`` URLs.
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
    """Markdown to HTML that is safe to show: no script, no event handler, no inline style,
    no ``javascript:``; links get ``rel="noopener noreferrer"``."""
    html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
