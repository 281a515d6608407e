"""CSV files in encodings other than UTF-8: marked ones are read as they say, unmarked UTF-16
by its NULs, the rest guessed with a warning, and what nothing reads is refused by byte and row.
On the web, the API and the command line, on both databases (UTF-16 used to 500 on PostgreSQL).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tandem.accounts.models import User
from tandem.accounts.services import create_api_token
from tandem.cli import main as tandem
from tandem.core.encodings import decode_text
from tandem.core.errors import ServiceError
from tandem.enrolment.enums import ImportStatus
from tandem.enrolment.models import ParticipantImport
from tests.conftest import World

pytestmark = pytest.mark.django_db

API = "/api/v1/organizations/northwind/programs/spring/imports"

ANA = ("ana@example.org", "Ana Muñoz", "mentee")
JAPANESE = [("hana@example.jp", "山田 花子", "mentee"), ("taro@example.jp", "鈴木 太郎", "mentor")]
ZOE = ("zoe@example.org", "Zoë Brontë", "mentee")
WESTERN = [("jose@example.org", "José Müller", "mentor"), ZOE]
QUOTED = [("jose@example.org", "José “Pepe” Müller", "mentor"), ANA]
FRENCH = [("francois@example.org", "François Gaël", "mentor"), ANA]
WARNING = "Read as {} — the file is not UTF-8: check the names look right."


def csv_text(people: list[tuple[str, str, str]]) -> str:
    return "email,full name,role\r\n" + "".join(f"{e},{n},{r}\r\n" for e, n, r in people)


def utf16_be_with_mark(text: str) -> bytes:
    return codecs.BOM_UTF16_BE + text.encode("utf-16-be")


#: (case, encoder, people, the encoding the file is read as, guessed)
CASES: list[tuple[str, Callable[[str], bytes], list[tuple[str, str, str]], str, bool]] = [
    ("utf-8-sig", lambda text: text.encode("utf-8-sig"), JAPANESE, "UTF-8", False),
    ("utf-16-le-bom", lambda text: text.encode("utf-16"), JAPANESE, "UTF-16", False),
    ("utf-16-be-bom", utf16_be_with_mark, WESTERN, "UTF-16", False),
    ("utf-16-le", lambda text: text.encode("utf-16-le"), WESTERN, "UTF-16", False),
    ("utf-16-be", lambda text: text.encode("utf-16-be"), JAPANESE, "UTF-16", False),
    ("utf-32", lambda text: text.encode("utf-32"), JAPANESE, "UTF-32", False),
    ("shift-jis", lambda text: text.encode("shift_jis"), JAPANESE, "Shift-JIS", True),
    ("windows-1252", lambda text: text.encode("cp1252"), QUOTED, "Windows-1252", True),
    # Latin-1 and Windows-1252 agree on every letter: the text is the same either way.
    ("latin-1", lambda text: text.encode("latin-1"), FRENCH, "Windows-1252", True),
]
IDS = [case[0] for case in CASES]


def names(people: list[tuple[str, str, str]]) -> dict[str, str]:
    return {email: name for email, name, _role in people}


def imported_names(people: list[tuple[str, str, str]]) -> dict[str, str]:
    emails = [email for email, _name, _role in people]
    return dict(User.objects.filter(email__in=emails).values_list("email", "full_name"))


@pytest.mark.parametrize(("case", "encode", "people", "encoding", "guessed"), CASES, ids=IDS)
def test_decode_text_reads_marked_unmarked_and_guessed_encodings(
    case: str, encode: Callable[[str], bytes], people: Any, encoding: str, guessed: bool
) -> None:
    decoded = decode_text(encode(csv_text(people)))
    assert decoded.text == csv_text(people)
    assert (decoded.encoding, decoded.guessed) == (encoding, guessed)


def test_decode_text_refuses_what_nothing_reads_naming_the_byte_and_row() -> None:
    content = b"email,full name,role\nana@example.org,Ana,mentor\n" + bytes(range(128, 256)) * 4
    with pytest.raises(ServiceError) as raised:
        decode_text(content)
    assert raised.value.message == (
        "This file is not UTF-8 and no other encoding reads it cleanly: the first byte that is "
        "not UTF-8 is byte 49 (row 3). Save it as “CSV UTF-8” and upload that."
    )


def test_decode_text_refuses_a_broken_utf16_file_naming_the_byte_and_row() -> None:
    content = codecs.BOM_UTF16_LE + "email\r\nana@example.org\r\n".encode("utf-16-le")
    content += b"\x00\xd8A\x00"  # a high surrogate followed by "A": not UTF-16
    with pytest.raises(ServiceError) as raised:
        decode_text(content)
    assert raised.value.message == (
        "This file says it is UTF-16, but byte 51 (row 3) is not valid UTF-16: save it again "
        "as “CSV UTF-8” and upload that."
    )


def test_a_stray_nul_in_a_utf8_file_is_not_taken_for_utf16(world: World, login: Any) -> None:
    content = csv_text(WESTERN).replace("José", "Jo\x00sé").encode("utf-8")
    decoded = decode_text(content)
    assert (decoded.encoding, decoded.guessed) == ("UTF-8", False)
    client = login(world.coordinator)
    client.post(world.url("import/"), {"file": SimpleUploadedFile("people.csv", content)})
    report = ParticipantImport.objects.get().report
    assert report["problem_count"] == 1
    assert report["problems"][0]["row"] == 2


@pytest.mark.parametrize(("case", "encode", "people", "encoding", "guessed"), CASES, ids=IDS)
def test_web_import_reads_the_encoding_and_warns_when_it_was_guessed(
    world: World,
    login: Any,
    case: str,
    encode: Callable[[str], bytes],
    people: Any,
    encoding: str,
    guessed: bool,
) -> None:
    client = login(world.coordinator)
    content = encode(csv_text(people))
    response = client.post(world.url("import/"), {"file": SimpleUploadedFile("p.csv", content)})
    assert response.status_code == 302
    participant_import = ParticipantImport.objects.get()
    assert participant_import.guessed_encoding == (encoding if guessed else "")
    assert participant_import.report["problem_count"] == 0
    page = client.get(response.url)
    assert (WARNING.format(encoding) in page.text) is guessed
    assert ("Read as" in page.text) is guessed
    for _email, name, _role in people:
        assert name in page.text  # the first values of each column, as read
    client.post(response.url, {"action": "import"})
    assert ParticipantImport.objects.get().status == ImportStatus.IMPORTED
    assert imported_names(people) == names(people)


@pytest.mark.parametrize(("case", "encode", "people", "encoding", "guessed"), CASES, ids=IDS)
def test_api_import_reads_the_encoding_and_names_a_guess(
    world: World,
    case: str,
    encode: Callable[[str], bytes],
    people: Any,
    encoding: str,
    guessed: bool,
) -> None:
    _, raw = create_api_token(world.coordinator, by=world.coordinator, name="tests")
    client = Client(headers={"authorization": f"Bearer {raw}"})
    upload = SimpleUploadedFile("p.csv", encode(csv_text(people)))
    response = client.post(API, {"file": upload})
    assert response.status_code == 201
    body = response.json()
    assert body["rows"] == 2
    assert body["problem_count"] == 0
    assert body["guessed_encoding"] == (encoding if guessed else "")
    assert body["encoding_warning"] == (WARNING.format(encoding) if guessed else "")
    confirmed = client.post(
        f"{API}/{body['id']}/confirm", json.dumps({}), content_type="application/json"
    )
    assert confirmed.status_code == 200
    assert imported_names(people) == names(people)


def test_api_refuses_a_file_nothing_reads_with_the_byte_named(world: World) -> None:
    _, raw = create_api_token(world.coordinator, by=world.coordinator, name="tests")
    client = Client(headers={"authorization": f"Bearer {raw}"})
    content = b"email,role\n" + bytes(range(128, 256)) * 4
    response = client.post(API, {"file": SimpleUploadedFile("p.csv", content)})
    assert response.status_code == 422
    assert "the first byte that is not UTF-8 is byte 12 (row 2)" in response.json()["detail"]
    assert not ParticipantImport.objects.exists()


@pytest.mark.parametrize(("case", "encode", "people", "encoding", "guessed"), CASES, ids=IDS)
def test_cli_import_reads_the_encoding_and_warns_when_it_was_guessed(
    world: World,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    encode: Callable[[str], bytes],
    people: Any,
    encoding: str,
    guessed: bool,
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(encode(csv_text(people)))
    assert tandem(["import", "spring", str(path), "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert (f"warning: {WARNING.format(encoding)}" in captured.err) is guessed
    assert "Would import 2 rows" in captured.out
    assert imported_names(people) == {}
    assert tandem(["import", "spring", str(path)]) == 0
    assert imported_names(people) == names(people)


def test_cli_refuses_a_file_nothing_reads_with_the_byte_named(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(b"email,role\n" + bytes(range(128, 256)) * 4)
    assert tandem(["import", "spring", str(path)]) == 2
    assert "the first byte that is not UTF-8 is byte 12 (row 2)" in capsys.readouterr().err
