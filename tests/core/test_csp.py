"""The Content-Security-Policy header, and templates that need no exception to it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import tandem

SRC = Path(tandem.__file__).parent

EXPECTED_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; object-src 'none'; base-uri 'self'"
)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/admin/login/", "/healthz"])
def test_every_response_sends_the_content_security_policy(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == EXPECTED_POLICY


#: What a CSP without 'unsafe-inline' blocks. E-mail templates are read by mail clients, not
#: served by Tandem, so they keep their inline styles (most mail clients drop <style> blocks).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"\sstyle\s*=|<style[\s>]", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=|\shx-on[:-]|javascript:", re.IGNORECASE)


def served_templates() -> list[Path]:
    return sorted(
        path
        for path in SRC.rglob("templates/**/*.html")
        if "email" not in path.relative_to(SRC).parts
    )


def test_templates_have_no_inline_script_style_or_event_handler() -> None:
    offenders = [
        f"{path.relative_to(SRC)}: {pattern.pattern}"
        for path in served_templates()
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, EVENT_HANDLER)
        if pattern.search(path.read_text())
    ]
    assert offenders == []


def test_the_template_check_sees_the_shapes_it_forbids() -> None:
    samples: dict[re.Pattern[str], str] = {
        INLINE_SCRIPT: "<script>alert(1)</script>",
        INLINE_STYLE: '<div style="color:red">',
        EVENT_HANDLER: '<a onclick="x()">',
    }
    for pattern, sample in samples.items():
        assert pattern.search(sample), pattern.pattern
    assert not INLINE_SCRIPT.search('<script src="/static/core/tandem.js" defer></script>')
    assert len(served_templates()) > 50


def test_htmx_does_not_inject_its_indicator_style(client: Client, db: Any) -> None:
    body = client.get("/accounts/login/").content.decode()
    assert '"includeIndicatorStyles":false' in body
    css = (SRC / "core/static/core/tandem.css").read_text()
    assert ".htmx-request .htmx-indicator" in css
