"""How the profile form looks: short answers on one line, checkboxes next to their text."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tandem.enrolment.enums import QuestionKind
from tandem.enrolment.forms.profiles import ConsentForm, field_for
from tests.conftest import World
from tests.enrolment.factories_profiles import QuestionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("key", "label", "html_type"),
    [
        ("employer", "Employer", "text"),
        ("college", "College or university", "text"),
        ("manager", "Your manager's e-mail address", "email"),
        ("sponsor", "Your sponsor's e-mail address", "email"),
    ],
)
def test_short_text_answers_are_single_line_inputs(
    world: World, key: str, label: str, html_type: str
) -> None:
    question = QuestionFactory(program=world.program, key=key, label=label, kind=QuestionKind.TEXT)
    html = str(field_for(question).widget.render(key, ""))
    assert html.startswith(f'<input type="{html_type}" name="{key}"')


def test_free_text_questions_stay_multi_line(world: World) -> None:
    question = QuestionFactory(
        program=world.program, key="goals", label="Your goals", kind=QuestionKind.TEXT
    )
    assert str(field_for(question).widget.render("goals", "")).startswith("<textarea")


def test_consent_checkbox_sits_next_to_its_text() -> None:
    html = ConsentForm()["consent"].as_field_group()
    assert re.search(
        r'<div class="checkbox-field"><input type="checkbox" name="consent"[^>]*> '
        r'<label for="id_consent">',
        html,
    )
    assert html.index('type="checkbox"') < html.index("<label")


def test_profile_page_renders_the_short_answer_as_one_line(world: World, login: Any) -> None:
    QuestionFactory(program=world.program, key="employer", label="Employer")
    html = login(world.mentee).get(world.url("profile/")).content.decode()
    assert '<input type="text" name="employer"' in html
    assert '<textarea name="employer"' not in html
