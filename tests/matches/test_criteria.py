"""Matching criteria per program: roles, kind/question fit, params, writes, and the preview."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.core.errors import ServiceError
from tandem.core.models import AuditEntry
from tandem.enrolment.models import ProfileQuestion
from tandem.matches import rules
from tandem.matches.criteria import CriterionInput, add_criterion, check
from tandem.matches.enums import CriterionKind
from tandem.matches.models import MatchingCriterion
from tandem.matches.queries import preview
from tandem.mentoring.models import Relationship
from tandem.programs.access import resolve_access
from tandem.programs.enums import Role
from tests.conftest import World
from tests.matches.runs_support import member, pool, setup_program

pytestmark = pytest.mark.django_db


def question(world: World, key: str) -> ProfileQuestion:
    return ProfileQuestion.objects.get(program=world.program, key=key)


@pytest.fixture
def questions(world: World) -> list[MatchingCriterion]:
    return setup_program(world.program, world.coordinator)


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule", [rules.can_manage_criteria, rules.can_run_matching, rules.can_publish_matches]
)
def test_rules_allow_coordinators_and_admins_only(world: World, rule: Any) -> None:
    allowed = [world.coordinator, world.org_admin]
    denied = [world.mentor, world.mentee, world.applicant]
    for user in allowed:
        assert rule(resolve_access(user, "northwind", "spring")) is True
    for user in denied:
        assert rule(resolve_access(user, "northwind", "spring")) is False


@pytest.mark.parametrize(
    ("who", "status"),
    [("coordinator", 200), ("org_admin", 200), ("mentor", 403), ("mentee", 403), ("outsider", 404)],
)
def test_criteria_page_roles(
    world: World, login: Any, questions: Any, who: str, status: int
) -> None:
    response = login(getattr(world, who)).get(world.url("matching/criteria/"))
    assert response.status_code == status


def test_criteria_page_installs_and_marks_the_defaults(world: World, login: Any) -> None:
    setup_program(world.program, world.coordinator)
    MatchingCriterion.objects.filter(program=world.program).delete()
    response = login(world.coordinator).get(world.url("matching/criteria/"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tandem's default criteria" in page
    assert page.count('<span class="status">default</span>') == (
        MatchingCriterion.objects.filter(program=world.program).count()
    )
    assert MatchingCriterion.objects.filter(program=world.program).count() == 10


@pytest.mark.parametrize(
    "path",
    ["matching/criteria/new/", "matching/criteria/preview/"],
)
def test_criteria_subpages_denied_to_participants(
    world: World, login: Any, questions: Any, path: str
) -> None:
    assert login(world.mentee).get(world.url(path)).status_code == 403
    assert login(world.outsider).get(world.url(path)).status_code == 404
    assert login(world.coordinator).get(world.url(path)).status_code == 200


def test_criterion_writes_denied_to_participants(world: World, login: Any, questions: Any) -> None:
    criterion = questions[0]
    for suffix in ("", "delete/", "move/"):
        path = world.url(f"matching/criteria/{criterion.pk}/{suffix}")
        assert login(world.mentor).post(path, {"direction": "down"}).status_code == 403
        assert login(world.outsider).post(path, {"direction": "down"}).status_code == 404
    assert MatchingCriterion.objects.filter(pk=criterion.pk).exists()


# --- the examples of the issue ----------------------------------------------------------


def _form(world: World, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"weight": "1", "kind": "overlap"}
    for key, value in fields.items():
        if key in ("mentee_question", "mentor_question") and isinstance(value, str):
            value = question(world, value).pk
        data[key] = value
    return data


def test_add_never_the_same_team(world: World, login: Any, questions: Any) -> None:
    response = login(world.coordinator).post(
        world.url("matching/criteria/new/"),
        _form(world, kind="not_same", mentee_question="team", weight="0", hard="on"),
    )
    assert response.status_code == 302
    saved = MatchingCriterion.objects.get(program=world.program, kind=CriterionKind.NOT_SAME)
    assert (saved.mentee_question.key, saved.hard, saved.weight, saved.params) == (
        "team",
        True,
        0.0,
        {},
    )
    assert saved.position > max(c.position for c in questions)
    entry = AuditEntry.objects.filter(action="matching_criterion.added").latest("id")
    assert entry.actor == world.coordinator


def test_add_at_least_five_more_years(world: World, login: Any, questions: Any) -> None:
    response = login(world.coordinator).post(
        world.url("matching/criteria/new/"),
        _form(
            world,
            kind="gap",
            mentee_question="years_experience",
            weight="0",
            hard="on",
            target_low="5",
            target_high="40",
        ),
    )
    assert response.status_code == 302
    saved = MatchingCriterion.objects.filter(program=world.program, kind="gap").latest("id")
    assert saved.params == {"target": [5, 40]}
    assert saved.hard is True


def test_must_share_a_language_and_never_their_manager(world: World, questions: Any) -> None:
    language = add_criterion(
        world.program,
        CriterionInput(
            kind="shares_language",
            mentee_question=question(world, "languages"),
            weight=0,
            hard=True,
        ),
        by=world.coordinator,
    )
    manager = add_criterion(
        world.program,
        CriterionInput(
            kind="not_manager", mentee_question=question(world, "manager"), weight=0, hard=True
        ),
        by=world.coordinator,
    )
    assert (language.kind, language.hard) == ("shares_language", True)
    assert (manager.kind, manager.mentee_question.key) == ("not_manager", "manager")


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        (
            {"kind": "complement", "mentee_question": "years_experience"},
            "mentee_question",
            "needs a question of kind",
        ),
        (
            {"kind": "gap", "mentee_question": "industry"},
            "mentee_question",
            "number",
        ),
        (
            {"kind": "distance", "mentee_question": "time_zone"},
            "mentee_question",
            "location",
        ),
        (
            {"kind": "not_manager", "mentee_question": "employer", "hard": True, "weight": 0},
            "mentee_question",
            "“manager” question",
        ),
        (
            {
                "kind": "complement",
                "mentee_question": "skills_wanted",
                "mentor_question": "goals",
            },
            "mentor_question",
            "free text",
        ),
        ({"kind": "gap", "mentee_question": "years_experience"}, "target_low", "band"),
        (
            {
                "kind": "gap",
                "mentee_question": "years_experience",
                "target_low": 10,
                "target_high": 5,
            },
            "target_low",
            "above its high end",
        ),
        (
            {"kind": "timezone", "mentee_question": "time_zone", "scale_hours": 0},
            "scale_hours",
            "above 0",
        ),
        (
            {"kind": "availability", "mentee_question": "availability", "need": -1},
            "need",
            "above 0",
        ),
        ({"kind": "overlap", "mentee_question": "interests", "weight": 0}, "weight", "hard rule"),
        ({"kind": "overlap", "mentee_question": "interests", "weight": -1}, "weight", "0 or more"),
        (
            {"kind": "overlap", "mentee_question": "interests", "hard": True, "threshold": 2},
            "threshold",
            "between 0 and 1",
        ),
        (
            {"kind": "same", "mentee_question": "gender_identity"},
            "mentee_question",
            "demographic",
        ),
    ],
)
def test_check_names_the_field_and_why(
    world: World, questions: Any, fields: dict[str, Any], field: str, words: str
) -> None:
    values = dict(fields)
    for key in ("mentee_question", "mentor_question"):
        if key in values:
            values[key] = question(world, values[key])
    values.setdefault("weight", 1.0)
    with pytest.raises(ServiceError) as error:
        check(world.program, CriterionInput(**values))
    assert error.value.field == field
    assert words in error.value.message


def test_form_errors_come_back_with_the_form_filled(
    world: World, login: Any, questions: Any
) -> None:
    count = MatchingCriterion.objects.count()
    response = login(world.coordinator).post(
        world.url("matching/criteria/new/"),
        _form(world, kind="complement", mentee_question="years_experience", weight="2.5"),
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "“Years of work experience” is a number question" in page
    assert 'value="2.5"' in page
    assert MatchingCriterion.objects.count() == count


def test_question_of_another_program_is_refused(world: World, questions: Any) -> None:
    setup_program(world.other_program, world.outsider)
    foreign = ProfileQuestion.objects.get(program=world.other_program, key="interests")
    with pytest.raises(ServiceError) as error:
        check(world.program, CriterionInput(kind="overlap", mentee_question=foreign))
    assert error.value.field == "mentee_question"


# --- edit, delete, reorder ------------------------------------------------------------------


def test_edit_delete_and_move(world: World, login: Any, questions: Any) -> None:
    client = login(world.coordinator)
    first, second = questions[0], questions[1]
    response = client.post(
        world.url(f"matching/criteria/{first.pk}/"),
        _form(
            world,
            kind="complement",
            mentee_question="skills_wanted",
            mentor_question="skills_offered",
            weight="5",
        ),
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.weight == 5.0
    page = client.get(world.url("matching/criteria/")).content.decode()
    assert page.count('<span class="status">default</span>') == len(questions) - 1

    client.post(world.url(f"matching/criteria/{first.pk}/move/"), {"direction": "down"})
    order = list(
        MatchingCriterion.objects.filter(program=world.program).values_list("pk", flat=True)
    )
    assert order[:2] == [second.pk, first.pk]

    response = client.post(
        world.url(f"matching/criteria/{first.pk}/delete/"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="criteria-table"' in response.content.decode()
    assert not MatchingCriterion.objects.filter(pk=first.pk).exists()


# --- preview -------------------------------------------------------------------------------


@pytest.fixture
def people(world: World) -> tuple[list[Any], list[Any]]:
    mentees, mentors = pool(world.program, world.coordinator, mentees=3, mentors=4, capacity=2)
    return mentees, mentors


def test_preview_ranks_mentors_by_score(world: World, people: Any) -> None:
    _mentees, mentors = people
    result = preview(world.program)
    assert result.mentee is not None
    assert result.mentors == len(mentors)
    scores = [s.pair.score for s in result.suggestions]
    assert scores == sorted(scores, reverse=True)
    assert len(scores) == len(mentors)
    for suggestion in result.suggestions:
        assert sum(row.contribution for row in suggestion.rows) == pytest.approx(
            suggestion.pair.score - suggestion.pair.choice_bonus, abs=1e-4
        )


def test_preview_reflects_a_weight_change_without_saving(
    world: World, login: Any, people: Any
) -> None:
    mentees, mentors = people
    mentee = mentees[0]
    # One mentor shares the mentee's industry, the others never do.
    industry = mentee.answers["industry"]
    for index, mentor in enumerate(mentors):
        mentor.answers["industry"] = industry if index == 3 else "nowhere"
        mentor.save()
    criteria = list(MatchingCriterion.objects.filter(program=world.program))
    same = next(c for c in criteria if c.kind == "same")
    weights = {f"weight_{c.pk}": "0.01" for c in criteria if not c.hard}
    weights[f"weight_{same.pk}"] = "100"
    for c in criteria:
        weights.setdefault(f"weight_{c.pk}", str(c.weight))
    response = login(world.coordinator).post(
        world.url("matching/criteria/preview/"),
        {"mentee": mentee.pk, **weights},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.context["preview"].suggestions[0].mentor == mentors[3]
    assert response.context["tried"] is True
    page = response.content.decode()
    assert page.startswith('\n<section id="preview"') or '<section id="preview"' in page[:200]
    same.refresh_from_db()
    assert same.weight == 1.0

    saved = preview(world.program, mentee_id=mentee.pk)
    tried = preview(
        world.program,
        mentee_id=mentee.pk,
        weights={c.pk: float(weights[f"weight_{c.pk}"]) for c in criteria},
    )
    assert [s.pair.score for s in saved.suggestions] != [s.pair.score for s in tried.suggestions]


def test_preview_picks_another_mentee(world: World, login: Any, people: Any) -> None:
    mentees, _ = people
    response = login(world.coordinator).get(
        world.url("matching/criteria/preview/"),
        {"mentee": mentees[2].pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.context["preview"].mentee == mentees[2]


def test_preview_with_nobody_ready_says_so(world: World, login: Any, questions: Any) -> None:
    page = login(world.coordinator).get(world.url("matching/criteria/")).content.decode()
    assert "Nobody to preview yet" in page


def test_preview_excludes_mentors_without_places(world: World, people: Any) -> None:
    _mentees, _mentors = people
    full = member(world.program, Role.MENTOR, 10, capacity=1)
    taken = member(world.program, Role.MENTEE, 10)
    Relationship.objects.create(
        program=world.program, mentor=full, mentee=taken, source=Relationship.Source.MANUAL
    )
    result = preview(world.program)
    assert taken not in result.mentees
    assert full not in [s.mentor for s in result.suggestions]


# --- the per-mentee direction ("similar or different, as each mentee asks") ----------------


def test_preference_criterion_needs_the_mentees_question(world: World, questions: Any) -> None:
    style = question(world, "communication_style")
    with pytest.raises(ServiceError) as error:
        check(world.program, CriterionInput(kind=CriterionKind.PREFERENCE, mentee_question=style))
    assert error.value.field == "preference_question"
    with pytest.raises(ServiceError) as error:
        check(
            world.program,
            CriterionInput(
                kind=CriterionKind.PREFERENCE,
                mentee_question=style,
                preference_question=question(world, "languages"),
            ),
        )
    assert error.value.field == "preference_question"
    fields = check(
        world.program,
        CriterionInput(
            kind=CriterionKind.PREFERENCE,
            mentee_question=style,
            preference_question=question(world, "communication_style_preference"),
        ),
    )
    assert fields["params"] == {"preference_field": "communication_style_preference"}


def test_default_preference_follows_each_mentees_answer(world: World) -> None:
    from tandem.matches.services import score_pair

    setup_program(world.program, world.coordinator)
    assert MatchingCriterion.objects.filter(
        program=world.program,
        kind=CriterionKind.PREFERENCE,
        params={"preference_field": "communication_style_preference"},
    ).exists()
    mentor = member(world.program, Role.MENTOR, 0, communication_style="Direct")
    alike = member(
        world.program,
        Role.MENTEE,
        0,
        communication_style="Direct",
        communication_style_preference="Someone like me",
    )
    unlike = member(
        world.program,
        Role.MENTEE,
        1,
        communication_style="Direct",
        communication_style_preference="Someone different from me",
    )
    met = score_pair(world.program, mentee=alike, mentor=mentor, reader="mentee")
    missed = score_pair(world.program, mentee=unlike, mentor=mentor, reader="mentee")
    assert "the same communication style (Direct), as you asked" in met.reasons
    assert any(t.startswith("you asked for someone with a different") for t in missed.trade_offs)
    preference = {c.kind: c.score for c in met.contributions}["preference"]
    assert preference == 1.0
    assert {c.kind: c.score for c in missed.contributions}["preference"] == 0.0
