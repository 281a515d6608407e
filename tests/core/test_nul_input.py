"""A NUL character in any text input is refused with a message naming the field, never stored.

PostgreSQL cannot store ``\\0`` in text: before, a NUL in a query-string filter, a field read
straight from ``request.POST``, the log-in form, an API body or an import cell was a 500 there.
Run on both databases (``DATABASE_URL=postgres://…`` for PostgreSQL).
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import ninja
import pytest
from django.test import Client

import tandem.api.api
import tandem.api.routers
from tandem.accounts.services import create_api_token
from tandem.api import schemas
from tandem.core.text import find_nul
from tandem.enrolment.services import imports
from tandem.programs.models import Membership
from tests.conftest import World
from tests.enrolment.factories_profiles import QuestionFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/organizations/northwind/programs/spring"


def _api(world: World) -> Client:
    _, raw = create_api_token(world.mentee, by=world.mentee, name="tests")
    return Client(headers={"authorization": f"Bearer {raw}"})


def _answers(world: World) -> dict[str, Any]:
    return dict(Membership.objects.get(program=world.program, user=world.mentee).answers)


# --- the web: forms, htmx endpoints, filters, the address ----------------------------------


def test_a_form_field_with_nul_is_refused_naming_it_and_nothing_changes(
    world: World, login: Any
) -> None:
    QuestionFactory(program=world.program, key="goals", label="Goals")
    before = _answers(world)
    response = login(world.mentee).post(world.url("profile/"), {"goals": "grow\x00more"})
    assert response.status_code == 400
    assert "“goals” contains a NUL character" in response.text
    assert _answers(world) == before


def test_a_field_read_straight_from_post_is_refused(world: World, login: Any) -> None:
    # The import page reads ``action`` from request.POST itself (no form field).
    response = login(world.coordinator).post(world.url("import/1/"), {"action": "imp\x00ort"})
    assert response.status_code == 400
    assert "“action” contains a NUL character" in response.text


def test_a_query_string_filter_with_nul_is_refused(world: World, login: Any) -> None:
    response = login(world.coordinator).get(world.url("profiles/"), {"q": "ann\x00"})
    assert response.status_code == 400
    assert "“q” contains a NUL character" in response.text


def test_a_nul_in_a_query_string_key_is_refused(world: World, login: Any) -> None:
    response = login(world.coordinator).get(world.url("profiles/") + "?q%00=1")
    assert response.status_code == 400


def test_a_nul_in_the_address_is_refused(world: World, login: Any) -> None:
    response = login(world.coordinator).get("/o/north%00wind/p/spring/")
    assert response.status_code == 400
    assert "the address" in response.text


def test_the_log_in_form_refuses_nul_before_the_throttle_counts_it(client: Client) -> None:
    response = client.post("/accounts/login/", {"login": "a\x00@example.org", "password": "x"})
    assert response.status_code == 400
    assert "“login” contains a NUL character" in response.text


# --- the API ------------------------------------------------------------------------------


def test_api_json_body_with_nul_names_the_field(world: World) -> None:
    QuestionFactory(program=world.program, key="goals", label="Goals")
    response = _api(world).put(
        API + "/profile",
        json.dumps({"answers": {"goals": "grow\x00"}}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["field"] == "answers"
    assert "answers.goals contains a NUL character" in response.json()["detail"]
    assert _answers(world) == {}


def test_api_json_key_with_nul_is_refused(world: World) -> None:
    response = _api(world).put(
        API + "/profile",
        json.dumps({"answers": {"go\x00als": "grow"}}),
        content_type="application/json",
    )
    assert response.status_code == 422


def test_api_query_parameter_with_nul_is_refused_as_json(world: World) -> None:
    response = _api(world).get(API + "/mentors", {"q": "a\x00"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "“q” contains a NUL character (\\0), which cannot be stored: remove it and "
        "try again.",
        "field": "q",
    }


def _schemas_in(module: Any) -> list[type[ninja.Schema]]:
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, ninja.Schema)
        and value.__module__ == module.__name__
    ]


def test_every_api_schema_refuses_nul() -> None:
    import importlib
    import pkgutil

    modules = [schemas, tandem.api.api] + [
        importlib.import_module(f"tandem.api.routers.{info.name}")
        for info in pkgutil.iter_modules(tandem.api.routers.__path__)
    ]
    found = [schema for module in modules for schema in _schemas_in(module)]
    assert len(found) > 50
    loose = [s.__qualname__ for s in found if not issubclass(s, schemas.Schema)]
    assert loose == []


def test_find_nul_walks_nested_values() -> None:
    assert find_nul({"a": ["x", {"b": "y\x00"}]}, "answers") == "answers.a.1.b"
    assert find_nul(["ok", "fine"]) is None
    assert find_nul(3) is None


# --- imports ------------------------------------------------------------------------------


def test_an_import_cell_with_nul_is_a_row_problem_naming_the_column(world: World) -> None:
    QuestionFactory(program=world.program, key="goals", label="Goals")
    content = b"email,role,goals\nann@example.org,mentee,grow\x00more\n"
    participant_import, plan = imports.import_file(
        world.program, file_name="people.csv", content=content, by=world.coordinator
    )
    [problem] = plan.problems
    assert (problem.row, problem.column) == (2, "goals")
    assert "NUL character" in problem.reason
    assert problem.value == "grow\\0more"
    participant_import.refresh_from_db()
    assert participant_import.report["problem_count"] == 1
    assert not Membership.objects.filter(user__email="ann@example.org").exists()


def test_an_import_heading_with_nul_is_refused(world: World) -> None:
    with pytest.raises(imports.ServiceError, match="column 2 contains a NUL"):
        imports.read_sheet("people.csv", b"email,ro\x00le\nann@example.org,mentee\n")
