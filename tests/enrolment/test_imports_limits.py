"""Bounded reading of import files: a workbook that unzips to too much or is compressed like a
zip bomb is refused before a cell is read; rows, columns and cell lengths are bounded while
reading (streaming), each refusal naming its limit; a large but legal file is read by the
worker, never inside the web request, and the page shows the preview when it is ready."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tandem.accounts.models import User
from tandem.accounts.services import create_api_token
from tandem.enrolment.enums import ImportStatus
from tandem.enrolment.models import ParticipantImport
from tandem.enrolment.services import imports
from tests.conftest import World

pytestmark = pytest.mark.django_db

API = "/api/v1/organizations/northwind/programs/spring/imports"
HEADINGS = ["email", "full name", "role"]


def people(count: int) -> list[list[str]]:
    return [[f"p{n}@example.org", f"Person {n}", "mentee"] for n in range(count)]


def csv_bytes(rows: list[list[str]], headings: list[str] = HEADINGS) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([headings, *rows])
    return buffer.getvalue().encode()


def xlsx_bytes(rows: list[list[Any]], headings: list[str] = HEADINGS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [headings, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_shared_strings(workbook: bytes, shared_strings: bytes) -> bytes:
    """The workbook with its shared-strings part replaced (deflated, as Excel writes it)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.infolist():
            if part.filename != "xl/sharedStrings.xml":
                target.writestr(part, source.read(part.filename))
        target.writestr("xl/sharedStrings.xml", shared_strings)
    return out.getvalue()


def huge_shared_strings(size: int) -> bytes:
    head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    return head + b"A" * size + b"</t></si></sst>"


def upload(client: Any, world: World, name: str, content: bytes) -> Any:
    return client.post(world.url("import/"), {"file": SimpleUploadedFile(name, content)})


def test_a_zip_bomb_workbook_is_refused_before_it_is_read(world: World, login: Any) -> None:
    bomb = with_shared_strings(xlsx_bytes(people(2)), huge_shared_strings(30 * 1024 * 1024))
    assert len(bomb) < 100 * 1024  # 30 MB of shared strings in a small file
    response = upload(login(world.coordinator), world, "bomb.xlsx", bomb)
    assert response.status_code == 422
    assert (
        "Part “xl/sharedStrings.xml” of the workbook is compressed more than 100 to 1, more "
        "than any spreadsheet needs (the mark of a zip bomb): it was not read."
    ) in response.text
    assert not ParticipantImport.objects.exists()


def test_a_workbook_that_unzips_past_the_limit_is_refused_naming_it(
    world: World, login: Any, settings: Any
) -> None:
    settings.TANDEM_IMPORT_MAX_UNZIPPED_BYTES = 64 * 1024
    settings.TANDEM_IMPORT_MAX_COMPRESSION_RATIO = 1_000_000
    workbook = with_shared_strings(xlsx_bytes(people(2)), huge_shared_strings(2 * 1024 * 1024))
    response = upload(login(world.coordinator), world, "big.xlsx", workbook)
    assert response.status_code == 422
    assert "The workbook unzips to more than 64 KB, the most one import reads" in response.text
    assert not ParticipantImport.objects.exists()


@pytest.mark.parametrize(("name", "make"), [("p.csv", csv_bytes), ("p.xlsx", xlsx_bytes)])
def test_rows_past_the_limit_are_refused_naming_it(
    world: World, login: Any, settings: Any, name: str, make: Any
) -> None:
    settings.TANDEM_IMPORT_MAX_ROWS = 50
    client = login(world.coordinator)
    assert upload(client, world, name, make(people(50))).status_code == 302
    response = upload(client, world, name, make(people(51)))
    assert response.status_code == 422
    assert "The file has more than 50 rows of people, the most one import takes" in response.text
    assert ParticipantImport.objects.count() == 1


@pytest.mark.parametrize(("name", "make"), [("p.csv", csv_bytes), ("p.xlsx", xlsx_bytes)])
def test_columns_and_long_cells_past_the_limit_are_refused_naming_them(
    world: World, login: Any, settings: Any, name: str, make: Any
) -> None:
    settings.TANDEM_IMPORT_MAX_COLUMNS = 4
    settings.TANDEM_IMPORT_MAX_CELL_CHARS = 100
    client = login(world.coordinator)
    wide = make([["a@example.org", "Ana", "mentor", "x", "y"]], [*HEADINGS, "four", "five"])
    response = upload(client, world, name, wide)
    assert response.status_code == 422
    assert "Row 1 has more than 4 columns, the most one import takes" in response.text
    long = make([["a@example.org", "A" * 101, "mentor"]])
    response = upload(client, world, name, long)
    assert "Row 2, column 2 holds more than 100 characters, the most one cell may hold" in (
        response.text
    )
    assert not ParticipantImport.objects.exists()
    fits = make([["a@example.org", "A" * 100, "mentor"]], [*HEADINGS, "four"])
    assert upload(client, world, name, fits).status_code == 302


def test_a_crafted_many_rows_workbook_is_refused_in_the_streaming_read(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TANDEM_IMPORT_MAX_ROWS = 1000
    read: list[int] = []
    bounded = imports._bounded

    def counting(rows: Any) -> Any:
        def each() -> Any:
            for row in rows:
                read.append(1)
                yield row

        return bounded(each())

    monkeypatch.setattr(imports, "_bounded", counting)
    with pytest.raises(imports.ServiceError) as raised:
        imports.read_sheet("p.xlsx", xlsx_bytes(people(5000)))
    assert "more than 1,000 rows of people" in raised.value.message
    assert len(read) == 1002  # the heading, 1,000 people and the one past the limit: no more


def test_a_large_legal_file_is_read_by_the_worker_and_the_page_polls_for_the_preview(
    world: World,
    login: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TANDEM_IMPORT_INLINE_BYTES = 1024
    client = login(world.coordinator)
    content = csv_bytes(people(100))
    assert len(content) > 1024
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client, world, "many.csv", content)
    assert response.status_code == 302
    participant_import = ParticipantImport.objects.get()
    assert participant_import.status == ImportStatus.READING
    assert participant_import.report == {"job": "reading", "bytes": len(content)}
    page = client.get(response.url)
    assert "so it is being read in the background" in page.text
    assert 'hx-trigger="every 2s"' in page.text
    assert "Dry run" not in page.text
    status_url = f"{response.url}status/?reading=1"
    assert client.get(status_url).status_code == 200
    assert client.post(response.url, {"action": "import"}).status_code == 302
    assert not User.objects.filter(email="p0@example.org").exists()
    assert len(callbacks) == 1
    callbacks[0]()  # the worker reads the file
    participant_import.refresh_from_db()
    assert participant_import.status == ImportStatus.PREVIEWED
    assert participant_import.report["rows"] == 100
    assert participant_import.mapping == {
        "email": "email",
        "full name": "full_name",
        "role": "role",
    }
    done = client.get(status_url)
    assert done.status_code == 286
    assert done["HX-Refresh"] == "true"
    assert "All 100 rows are good." in client.get(response.url).text
    assert login(world.mentor).get(status_url).status_code == 403


def test_a_large_workbook_is_judged_by_its_unzipped_size(settings: Any) -> None:
    settings.TANDEM_IMPORT_INLINE_BYTES = 10 * 1024
    small = xlsx_bytes(people(10))
    large = xlsx_bytes(people(3000))
    assert len(large) > 10 * 1024  # compressed, it would still be read inline by size alone
    assert not imports.reads_in_background("p.xlsx", small)
    assert imports.reads_in_background("p.xlsx", large)
    settings.TANDEM_IMPORT_INLINE_BYTES = 100 * 1024
    assert len(large) < 100 * 1024
    assert imports.reads_in_background("p.xlsx", large)  # unzipped it is over 4 × 100 KB


def test_a_file_the_worker_refuses_shows_why(
    world: World,
    login: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TANDEM_IMPORT_INLINE_BYTES = 1024
    settings.TANDEM_IMPORT_MAX_ROWS = 50
    client = login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, world, "many.xlsx", xlsx_bytes(people(3000)))
    participant_import = ParticipantImport.objects.get()
    assert participant_import.status == ImportStatus.REJECTED
    assert participant_import.report == {
        "read_error": "The file has more than 50 rows of people, the most one import takes: "
        "split it into smaller files."
    }
    page = client.get(response.url)
    assert "This file could not be read, and nothing was imported. The file has more" in page.text
    assert "Dry run" not in page.text
    refused = client.post(response.url, {"action": "import"}, follow=True)
    assert refused.status_code == 200
    assert not User.objects.filter(email="p0@example.org").exists()


def test_api_reads_a_large_file_in_the_background_with_the_mapping_given(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TANDEM_IMPORT_INLINE_BYTES = 1024
    _, raw = create_api_token(world.coordinator, by=world.coordinator, name="tests")
    client = Client(headers={"authorization": f"Bearer {raw}"})
    upload = SimpleUploadedFile("many.csv", csv_bytes(people(100)))
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(API, {"file": upload, "mapping": json.dumps({"full name": ""})})
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["job"]) == ("reading", "reading")
    early = client.post(
        f"{API}/{body['id']}/confirm", json.dumps({}), content_type="application/json"
    )
    assert early.status_code == 422
    assert early.json()["detail"] == (
        "This file is still being read: try again when its preview is ready."
    )
    callbacks[0]()
    ready = client.get(f"{API}/{body['id']}").json()
    assert (ready["status"], ready["rows"], ready["problem_count"]) == ("previewed", 100, 0)
    assert ready["mapping"] == {"email": "email", "full name": "", "role": "role"}
    confirmed = client.post(
        f"{API}/{body['id']}/confirm", json.dumps({}), content_type="application/json"
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "imported"
    assert User.objects.filter(email="p99@example.org", full_name="").exists()
