"""Every API schema that writes a model is at least as strict as the model's fields: a value
the API accepts must fit the column (lengths, digits, decimal places), or it is a 500 later."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from annotated_types import MaxLen
from django.apps import apps
from django.db import models
from ninja import Schema
from pydantic.fields import FieldInfo

from tandem.api import schemas
from tandem.api.routers import applications, growth, onboarding, profiles, relationships, tokens
from tests.conftest import World

#: Schema → the model it writes. Fields with the same name are compared.
WRITES: list[tuple[type[Schema], str]] = [
    (schemas.ObjectiveIn, "programs.Objective"),
    (schemas.ProgramIn, "programs.Program"),
    (schemas.ProgramPatch, "programs.Program"),
    (schemas.InvitationIn, "programs.Invitation"),
    (applications.ApplyIn, "enrolment.Application"),
    (applications.DecisionIn, "enrolment.Application"),
    (profiles.QuestionIn, "enrolment.ProfileQuestion"),
    (profiles.QuestionPatch, "enrolment.ProfileQuestion"),
    (onboarding.ModuleIn, "enrolment.TrainingModule"),
    (relationships.EndIn, "mentoring.Relationship"),
    (tokens.TokenIn, "accounts.ApiToken"),
    (growth.EntryIn, "growth.JournalEntry"),
    (growth.FeedbackRequestIn, "growth.FeedbackRequest"),
    (growth.FeedbackIn, "growth.Feedback"),
    (growth.SwotIn, "growth.Swot"),
    (growth.PlanIn, "growth.DevelopmentPlan"),
]


def _metadata(info: FieldInfo, kind: type) -> list[Any]:
    return [item for item in info.metadata if isinstance(item, kind)]


def _max_length(info: FieldInfo) -> int | None:
    lengths = [item.max_length for item in _metadata(info, MaxLen)]
    return min(lengths) if lengths else None


def _decimal_limits(info: FieldInfo) -> tuple[int | None, int | None]:
    digits = places = None
    for item in info.metadata:
        digits = getattr(item, "max_digits", None) or digits
        places = getattr(item, "decimal_places", None) or places
    return digits, places


def problems_of(schema: type[Schema], model: type[models.Model]) -> list[str]:
    found = []
    names = {field.name: field for field in model._meta.get_fields() if hasattr(field, "column")}
    for name, info in schema.model_fields.items():
        field = names.get(name)
        if field is None:
            continue
        where = f"{schema.__name__}.{name} → {model.__name__}.{name}"
        if isinstance(field, models.CharField) and not field.choices and field.max_length:
            limit = _max_length(info)
            if limit is None or limit > field.max_length:
                found.append(f"{where}: max_length {limit}, column {field.max_length}")
        if isinstance(field, models.DecimalField):
            digits, places = _decimal_limits(info)
            if digits is None or digits > field.max_digits:
                found.append(f"{where}: max_digits {digits}, column {field.max_digits}")
            if places is None or places > field.decimal_places:
                found.append(f"{where}: decimal_places {places}, column {field.decimal_places}")
    return found


def test_every_writing_schema_fits_its_model() -> None:
    found = [
        problem
        for schema, label in WRITES
        for problem in problems_of(schema, apps.get_model(label))
    ]
    assert found == []


def test_the_walk_sees_a_too_loose_schema() -> None:
    class Loose(Schema):
        statement: str
        target_value: Decimal

    assert problems_of(Loose, apps.get_model("programs.Objective")) == [
        "Loose.statement → Objective.statement: max_length None, column 300",
        "Loose.target_value → Objective.target_value: max_digits None, column 12",
        "Loose.target_value → Objective.target_value: decimal_places None, column 2",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "status"),
    [("9999999999.99", 201), ("99999999999", 422), ("1.234", 422), ("1e20", 422)],
)
def test_objective_values_at_the_column_limits(
    world: World, login: Any, value: str, status: int
) -> None:
    client = login(world.coordinator)
    path = "/api/v1/organizations/northwind/programs/spring/objectives"
    payload = {
        "statement": "Pairs meet",
        "metric": "Meetings",
        "target_value": value,
        "deadline": "2030-01-01",
    }
    response = client.post(path, json.dumps(payload), content_type="application/json")
    assert response.status_code == status, response.content
    if status == 422:
        assert response.json()["field"] == "target_value"
    assert client.get("/api/v1/organizations/northwind/programs/spring").status_code == 200
