"""API: participant imports (dry run, then confirm) and exports."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tandem.accounts.models import User
from tandem.accounts.services import create_api_token
from tandem.enrolment.enums import ImportStatus
from tandem.enrolment.models import ParticipantImport
from tandem.programs.enums import ProgramStatus
from tandem.programs.models import Program
from tests.conftest import World

pytestmark = pytest.mark.django_db

PROGRAM = "/api/v1/organizations/northwind/programs/spring"


def client_for(user: User) -> Client:
    _, raw = create_api_token(user, by=user, name="tests")
    return Client(headers={"authorization": f"Bearer {raw}"})


def post_json(client: Client, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(data), content_type="application/json")


def enrolling(world: World, access: str) -> None:
    Program.objects.filter(pk=world.program.pk).update(
        status=ProgramStatus.ENROLLING, enrolment_access=access
    )


# --- imports and export --------------------------------------------------------------------


def sheet(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["email", "name", "role"], *rows])
    return buffer.getvalue().encode()


def test_api_import_dry_run_then_confirm(world: World) -> None:
    client = client_for(world.coordinator)
    upload = client.post(
        f"{PROGRAM}/imports",
        {
            "file": SimpleUploadedFile("people.csv", sheet([["a@example.org", "Ann", "mentor"]])),
            "mapping": json.dumps({"name": "full_name"}),
        },
    )
    assert upload.status_code == 201
    body = upload.json()
    assert (body["rows"], body["create"], body["problem_count"]) == (1, 1, 0)
    assert body["mapping"] == {"email": "email", "name": "full_name", "role": "role"}
    assert not User.objects.filter(email="a@example.org").exists()
    confirm = post_json(client, f"{PROGRAM}/imports/{body['id']}/confirm", {})
    assert confirm.status_code == 200
    assert confirm.json()["status"] == ImportStatus.IMPORTED
    assert User.objects.get(email="a@example.org").full_name == "Ann"
    detail = client.get(f"{PROGRAM}/imports/{body['id']}")
    assert detail.json()["create"] == 1


def test_api_import_reports_bad_rows_and_refuses_to_confirm(world: World) -> None:
    client = client_for(world.coordinator)
    upload = client.post(
        f"{PROGRAM}/imports",
        {"file": SimpleUploadedFile("p.csv", sheet([["a@example.org", "", "pilot"]]))},
    )
    assert upload.json()["problems"] == [
        {
            "row": 2,
            "column": "role",
            "value": "pilot",
            "reason": "The role must be mentor or mentee.",
        }
    ]
    confirm = post_json(client, f"{PROGRAM}/imports/{upload.json()['id']}/confirm", {})
    assert confirm.status_code == 422
    assert "Nothing was imported" in confirm.json()["detail"]
    assert not User.objects.filter(email="a@example.org").exists()


def test_api_imports_and_export_are_for_coordinators(world: World) -> None:
    for user, status in ((world.mentor, 403), (world.outsider, 404)):
        client = client_for(user)
        upload = client.post(
            f"{PROGRAM}/imports",
            {"file": SimpleUploadedFile("p.csv", sheet([["a@example.org", "", "mentor"]]))},
        )
        assert upload.status_code == status
        assert client.get(f"{PROGRAM}/export").status_code == status
    assert not ParticipantImport.objects.exists()


def test_api_export_csv_and_xlsx(world: World) -> None:
    client = client_for(world.org_admin)
    response = client.get(f"{PROGRAM}/export")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert world.mentor.email in response.content.decode("utf-8-sig")
    xlsx = client.get(f"{PROGRAM}/export", {"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"
    assert client.get(f"{PROGRAM}/export", {"format": "pdf"}).status_code == 422
