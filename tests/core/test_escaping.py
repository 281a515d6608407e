"""User-authored text is escaped in HTML (forms, widgets) and left alone in plain text."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django import forms

from tandem.core.text import render_text
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import notify
from tests.conftest import World
from tests.enrolment.factories_profiles import QuestionFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "tandem"
SCRIPT = "<script>alert(1)</script>"


class _HelpForm(forms.Form):
    name = forms.CharField(help_text=SCRIPT)


@pytest.mark.parametrize("layout", ["as_div", "as_p", "as_table", "as_ul"])
def test_form_help_text_is_escaped_in_every_layout(layout: str) -> None:
    html = str(getattr(_HelpForm(), layout)())
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_form_field_group_escapes_help_text() -> None:
    html = str(_HelpForm()["name"].as_field_group())
    assert SCRIPT not in html
    assert "&lt;script&gt;" in html


def test_profile_question_help_text_is_escaped_for_participants(world: World, login: Any) -> None:
    QuestionFactory(program=world.program, key="goals", help_text=SCRIPT, label=f"Goals {SCRIPT}")
    page = login(world.mentee).get(world.url("profile/")).text
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_render_text_does_not_html_escape_names(world: World) -> None:
    world.program.name = 'R&D "Spring"'
    world.program.save(update_fields=["name"])
    person = UserFactory(full_name="Pat O'Neill")
    notification = notify(
        world.coordinator,
        kind=NotificationKind.INVITATION_ACCEPTED,
        program=world.program,
        context={"person": person, "role": "Mentor"},
    )
    assert notification.title == 'Pat O\'Neill joined R&D "Spring"'
    assert "&#x27;" not in notification.body
    assert "&amp;" not in notification.body


def test_email_subject_and_body_of_a_notification_are_not_escaped(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    world.program.name = "R&D"
    world.program.save(update_fields=["name"])
    with django_capture_on_commit_callbacks(execute=True):
        notify(world.mentee, kind=NotificationKind.WELCOME, program=world.program, context={})
    [message] = mailoutbox
    assert message.subject == "[Tandem] Welcome to R&D"
    assert "R&D" in message.body
    [(html, _)] = message.alternatives
    assert "R&amp;D" in html


def test_render_text_refuses_html_templates() -> None:
    with pytest.raises(ValueError, match="not a plain-text"):
        render_text("base.html", {})


def test_plain_text_templates_are_rendered_only_through_render_text() -> None:
    """The class of the bug: a ``.txt`` template rendered by the HTML-escaping loader."""
    offenders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"render_to_string\(\s*f?[\"'][^\"']*\.txt", line)
    ]
    assert offenders == []


NAME = "O'Neill & R&D <b>"
ESCAPES = ("&#x27;", "&#39;", "&amp;", "&lt;", "&gt;", "&quot;")


class _Anything:
    """Every attribute, item and loop of a template variable: the same name again."""

    def __str__(self) -> str:
        return NAME

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name.endswith(("_on", "_at")):  # dates, as the models name them
            return dt.datetime(2027, 3, 1, 9, 30, tzinfo=dt.UTC)
        return self

    def __getitem__(self, key: object) -> Any:
        return getattr(self, key) if isinstance(key, str) else self

    def __iter__(self) -> Any:
        return iter([self])

    def __call__(self) -> _Anything:
        return self


KINDS_DIR = SRC / "notifications" / "templates" / "notifications" / "kinds"


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_notification_kind_leaves_names_unescaped(kind: NotificationKind) -> None:
    from tandem.notifications.services import _render

    source = "".join(
        (KINDS_DIR / f"{kind}.{part}.txt").read_text(encoding="utf-8") for part in ("title", "body")
    )
    names = set(re.findall(r"{[{%][^}]*?\b([a-z_]+)\b", source)) - {"if", "for", "in", "not"}
    context: dict[str, Any] = {name: _Anything() for name in names}
    for name in re.findall(r"([a-z_]+)\|(?:date|time)", source):
        context[name] = dt.datetime(2027, 3, 1, 9, 30, tzinfo=dt.UTC)
    title, body = _render(kind, _Anything(), _Anything(), context)  # type: ignore[arg-type]
    text = f"{title}\n{body}"
    assert not [escape for escape in ESCAPES if escape in text], text
    assert NAME.lower() in text.lower()
