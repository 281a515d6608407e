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


def test_a_long_profile_reads_in_sections_with_how_far_each_is(world: World, login: Any) -> None:
    from tandem.enrolment.starter import install_starter_questions
    from tandem.programs.models import Membership

    install_starter_questions(world.program, by=world.coordinator)
    QuestionFactory(program=world.program, key="chapter", label="Your chapter", kind="text")
    mentee = Membership.objects.get(program=world.program, user=world.mentee)
    mentee.answers = {"industry": "Healthcare", "employer": "Northwind", "chapter": "North"}
    mentee.save(update_fields=["answers"])

    html = login(world.mentee).get(world.url("profile/")).content.decode()

    legends = re.findall(r"<legend>(\d+ of \d+: [^<]+)<span class=\"muted\">\(([^)]+)\)", html)
    titles = [title.strip() for title, _ in legends]
    assert titles[0].startswith("1 of ")
    assert [t.split(": ", 1)[1] for t in titles] == [
        "Your mentoring",
        "Your work",
        "Where and when",
        "How you like to work",
        "More from your program",
    ]
    work = {t.strip().split(": ", 1)[1]: progress for t, progress in legends}
    assert work["Your work"].startswith("2 of ")
    assert work["More from your program"] == "done"
    assert 'href="#section-work"' in html
    # every question is still on the page, once
    assert html.count('id="q-employer"') == 1
    assert html.count('id="q-chapter"') == 1


def test_a_short_profile_stays_one_list(world: World, login: Any) -> None:
    QuestionFactory(program=world.program, key="chapter", label="Your chapter", kind="text")
    html = login(world.mentee).get(world.url("profile/")).content.decode()
    assert 'id="q-chapter"' in html
    assert "<legend>1 of" not in html
