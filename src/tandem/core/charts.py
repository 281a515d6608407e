"""Charts as inline, accessible SVG: a Vega-Lite spec rendered by ``vl-convert`` (no browser,
no script), given a ``<title>`` and ``<desc>`` for screen readers, and cached by the spec's
hash. Pages show a text table next to each chart as its alternative.

The SVG vl-convert emits uses presentation attributes only; anything the page's Content
Security Policy would block (``style`` attributes, ``<style>``/``<script>`` elements, event
handlers) is stripped all the same, so a future version cannot break the page.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from typing import Any

from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

#: How long a rendered chart is kept (the spec's hash is the key, so stale is impossible).
CACHE_SECONDS = 24 * 3600

_BLOCKED_ELEMENTS = re.compile(r"<(script|style|foreignObject)\b.*?</\1\s*>", re.I | re.S)
_BLOCKED_ATTRIBUTES = re.compile(r"""\s(?:style|on[a-z]+)\s*=\s*(?:"[^"]*"|'[^']*')""", re.I)
_SVG_OPEN = re.compile(r"<svg\b([^>]*)>", re.I)


def spec_hash(spec: dict[str, Any], title: str, description: str) -> str:
    canonical = json.dumps([spec, title, description], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _convert(spec: dict[str, Any]) -> str:
    import vl_convert  # imported on first use: it loads a JavaScript engine

    return str(vl_convert.vegalite_to_svg(json.dumps(spec)))


def clean_svg(svg: str) -> str:
    """Strip what a strict CSP would block from an SVG document."""
    svg = _BLOCKED_ELEMENTS.sub("", svg)
    return _BLOCKED_ATTRIBUTES.sub("", svg)


def accessible(svg: str, *, key: str, title: str, description: str) -> str:
    """Name the SVG for assistive technology: role img, a title and a description."""
    ids = f"chart-{key[:12]}"
    named = (
        f'<title id="{ids}-title">{escape(title)}</title>'
        f'<desc id="{ids}-desc">{escape(description)}</desc>'
    )

    def head(match: re.Match[str]) -> str:
        attributes = match.group(1)
        return (
            f'<svg{attributes} role="img" aria-labelledby="{ids}-title {ids}-desc" '
            f'focusable="false">{named}'
        )

    return _SVG_OPEN.sub(head, svg, count=1)


#: Charts rendered by this process, newest last (a small LRU before the shared cache).
_LOCAL: OrderedDict[str, str] = OrderedDict()
LOCAL_SIZE = 256


def render_svg(spec: dict[str, Any], *, title: str, description: str) -> SafeString:
    """The chart as inline SVG markup, safe to place in a page."""
    key = spec_hash(spec, title, description)
    cached = _LOCAL.get(key)
    if cached is not None:
        _LOCAL.move_to_end(key)
        return mark_safe(cached)  # noqa: S308  # as below
    cached = cache.get(f"chart:{key}")
    if cached is None:
        svg = clean_svg(_convert(spec))
        svg = svg[svg.find("<svg") :] if "<svg" in svg else svg  # drop any XML prolog
        cached = accessible(svg, key=key, title=title, description=description)
        cache.set(f"chart:{key}", cached, CACHE_SECONDS)
    _LOCAL[key] = cached
    if len(_LOCAL) > LOCAL_SIZE:
        _LOCAL.popitem(last=False)
    return mark_safe(cached)  # noqa: S308  # vl-convert's output, cleaned; our text escaped
