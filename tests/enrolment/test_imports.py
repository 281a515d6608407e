"""Spreadsheet import (mapping, dry run, all-or-nothing, re-import) and export, UI and CLI."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.accounts.models import User
from tandem.cli import main as tandem
from tandem.core.models import AuditEntry
from tandem.enrolment.enums import Audience, ImportStatus, QuestionKind
from tandem.enrolment.models import ParticipantImport, ProfileQuestion
from tandem.enrolment.services import imports
from tandem.notifications.enums import NotificationKind
from tandem.notifications.models import Notification
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.models import Membership
from tests.conftest import World
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADINGS = ["Email", "Full name", "Role", "Pronouns", "Skills", "Years", "Where", "Goals", "Gender"]


@pytest.fixture
def questions(world: World) -> dict[str, ProfileQuestion]:
    program = world.program
    made = [
        ProfileQuestion(
            program=program,
            key="skills",
            label="Skills",
            kind=QuestionKind.MULTIPLE_CHOICE,
            choices=["negotiation", "coaching", "public speaking"],
        ),
        ProfileQuestion(
            program=program, key="years", label="Years", kind=QuestionKind.NUMBER, min_value=0
        ),
        ProfileQuestion(program=program, key="location", label="Where", kind=QuestionKind.LOCATION),
        ProfileQuestion(
            program=program,
            key="goals",
            label="Your goals",
            kind=QuestionKind.TEXT,
            audience=Audience.MENTEES,
        ),
        ProfileQuestion(program=program, key="open", label="Open", kind=QuestionKind.YES_NO),
        ProfileQuestion(
            program=program,
            key="gender",
            label="Gender",
            kind=QuestionKind.SINGLE_CHOICE,
            choices=["Woman", "Man"],
            is_demographic=True,
        ),
    ]
    return {q.key: q for q in ProfileQuestion.objects.bulk_create(made)}


def csv_bytes(rows: list[list[Any]], headings: list[str] = HEADINGS) -> bytes:
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


GOOD_ROWS = [
    [
        "Ana@Example.org",
        "Ana Lima",
        "Mentor",
        "she/her",
        "coaching; Negotiation",
        "12",
        "Lisbon, Portugal",
        "",
        "",
    ],
    ["bob@example.org", "Bob Stone", "mentee", "", "public speaking", "2", "", "Lead a team", ""],
]


def upload(client: Any, world: World, name: str, content: bytes) -> Any:
    return client.post(world.url("import/"), {"file": SimpleUploadedFile(name, content)})


def latest() -> ParticipantImport:
    return ParticipantImport.objects.latest("created_at")


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["mentor", "mentee", "applicant"])
def test_import_and_export_pages_are_forbidden_to_participants(
    world: World, login: Any, who: str
) -> None:
    client = login(getattr(world, who))
    assert client.get(world.url("import/")).status_code == 403
    assert upload(client, world, "people.csv", csv_bytes(GOOD_ROWS)).status_code == 403
    assert client.get(world.url("export.csv")).status_code == 403
    assert client.get(world.url("export.xlsx")).status_code == 403
    assert not ParticipantImport.objects.exists()


def test_import_pages_are_404_for_outsiders(world: World, login: Any) -> None:
    client = login(world.outsider)
    assert client.get(world.url("import/")).status_code == 404
    assert client.get(world.url("export.csv")).status_code == 404


@pytest.mark.parametrize("who", ["coordinator", "org_admin"])
def test_coordinators_can_open_import_and_export(world: World, login: Any, who: str) -> None:
    client = login(getattr(world, who))
    assert client.get(world.url("import/")).status_code == 200
    assert client.get(world.url("export.csv")).status_code == 200


def test_import_detail_of_another_program_is_404(world: World, login: Any, questions: Any) -> None:
    other = imports.upload_import(
        world.other_program, file_name="x.csv", content=csv_bytes(GOOD_ROWS), by=None
    )
    response = login(world.coordinator).get(world.url(f"import/{other.pk}/"))
    assert response.status_code == 404


# --- mapping and dry run -------------------------------------------------------------------


def test_upload_maps_columns_by_key_or_label_and_previews(
    world: World, login: Any, questions: Any
) -> None:
    client = login(world.coordinator)
    response = upload(client, world, "people.csv", csv_bytes(GOOD_ROWS))
    participant_import = latest()
    assert response.status_code == 302
    assert response["Location"] == world.url(f"import/{participant_import.pk}/")
    assert participant_import.mapping == {
        "Email": "email",
        "Full name": "full_name",
        "Role": "role",
        "Pronouns": "pronouns",
        "Skills": "skills",
        "Years": "years",
        "Where": "location",
        "Goals": "goals",
        "Gender": "",  # demographic: never imported
    }
    assert participant_import.report["create"] == 2
    assert participant_import.report["problem_count"] == 0
    page = client.get(response["Location"])
    assert "Dry run" in page.text
    assert "Import 2 rows" in page.text
    assert not Membership.objects.filter(user__email="bob@example.org").exists()


def test_every_kind_of_bad_row_is_reported_and_nothing_is_written(
    world: World, login: Any, questions: Any
) -> None:
    rows = [
        ["", "No Mail", "mentor", "", "", "", "", "", ""],
        ["not-an-email", "", "mentee", "", "", "", "", "", ""],
        ["c@example.org", "", "captain", "", "", "", "", "", ""],
        ["d@example.org", "", "", "", "", "", "", "", ""],
        ["e@example.org", "", "mentor", "", "juggling", "", "", "", ""],
        ["f@example.org", "", "mentor", "", "", "many", "", "", ""],
        ["g@example.org", "", "mentor", "", "", "-3", "", "", ""],
        ["h@example.org", "", "mentor", "", "", "", "Nowhere", "", ""],
        ["i@example.org", "", "mentor", "", "", "", "", "Lead", ""],
        ["E@example.org", "", "mentor", "", "", "", "", "", ""],
        ["ok@example.org", "Fine", "mentee", "", "", "", "", "", ""],
    ]
    client = login(world.coordinator)
    upload(client, world, "bad.csv", csv_bytes(rows))
    report = latest().report
    problems = [(p["row"], p["column"], p["value"]) for p in report["problems"]]
    assert problems == [
        (2, "Email", ""),
        (3, "Email", "not-an-email"),
        (4, "Role", "captain"),
        (5, "Role", ""),
        (6, "Skills", "juggling"),
        (7, "Years", "many"),
        (8, "Years", "-3"),
        (9, "Where", "Nowhere"),
        (10, "Goals", "Lead"),
        (11, "Email", "E@example.org"),
    ]
    reasons = {p["row"]: p["reason"] for p in report["problems"]}
    assert reasons[2] == "The e-mail address is missing."
    assert reasons[4] == "The role must be mentor or mentee."
    assert "is not one of the allowed answers: negotiation, coaching" in reasons[6]
    assert reasons[7] == "“many” is not a number."
    assert "outside the allowed range" in reasons[8]
    assert "City, Country" in reasons[9]
    assert reasons[10] == "This question is for mentees only; this row is a mentor."
    assert reasons[11] == "This e-mail address is already on row 6."
    assert latest().status == ImportStatus.REJECTED
    page = client.get(world.url(f"import/{latest().pk}/"))
    assert "“many” is not a number." in page.text
    assert "Import 11 rows" not in page.text
    # Forcing the import anyway writes nothing at all, not even the good row.
    client.post(world.url(f"import/{latest().pk}/"), {"action": "import"})
    assert not User.objects.filter(email="ok@example.org").exists()
    assert latest().status == ImportStatus.REJECTED


def test_mapping_can_be_changed_and_must_name_email_and_role(
    world: World, login: Any, questions: Any
) -> None:
    client = login(world.coordinator)
    upload(
        client,
        world,
        "people.csv",
        csv_bytes(GOOD_ROWS, headings=["Mail", "Name", "Kind", "P", "S", "Y", "W", "G", "X"]),
    )
    participant_import = latest()
    assert participant_import.report["mapping_error"].startswith("Map one column to “Role")
    page = client.get(world.url(f"import/{participant_import.pk}/"))
    assert "Map one column to" in page.text
    fields = {f"column_{i}": "" for i in range(9)}
    twice = client.post(
        world.url(f"import/{participant_import.pk}/"),
        {**fields, "column_0": "email", "column_1": "email", "action": "check"},
    )
    assert twice.status_code == 422
    assert "are both mapped to “email”" in twice.text
    response = client.post(
        world.url(f"import/{participant_import.pk}/"),
        {
            **fields,
            "column_0": "email",
            "column_1": "full_name",
            "column_2": "role",
            "column_4": "skills",
            "action": "check",
        },
    )
    assert response.status_code == 302
    participant_import.refresh_from_db()
    assert participant_import.mapping["Kind"] == "role"
    assert participant_import.report["create"] == 2


def test_unreadable_files_are_refused_with_a_reason(world: World, login: Any) -> None:
    client = login(world.coordinator)
    response = upload(client, world, "people.pdf", b"%PDF")
    assert response.status_code == 422
    assert "Upload a .csv or .xlsx file." in response.text
    broken = upload(client, world, "people.xlsx", b"not a zip")
    assert "not a readable .xlsx workbook" in broken.text
    repeated = upload(client, world, "people.csv", b"email,email\na@b.org,c@d.org\n")
    assert "appears more than once" in repeated.text
    assert not ParticipantImport.objects.exists()


# --- importing -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "make"), [("people.csv", csv_bytes), ("people.xlsx", xlsx_bytes)])
def test_import_creates_people_and_reimport_updates_without_duplicates(
    world: World, login: Any, questions: Any, name: str, make: Any
) -> None:
    client = login(world.coordinator)
    upload(client, world, name, make(GOOD_ROWS))
    response = client.post(world.url(f"import/{latest().pk}/"), {"action": "import"})
    assert response.status_code == 302
    ana = Membership.objects.select_related("user").get(user__email="ana@example.org")
    assert (ana.role, ana.status) == (Role.MENTOR, MembershipStatus.APPROVED)
    assert ana.user.full_name == "Ana Lima"
    assert ana.user.pronouns == "she/her"
    assert not ana.user.has_usable_password()
    assert EmailAddress.objects.get(user=ana.user).verified
    assert ana.answers == {
        "skills": ["coaching", "negotiation"],
        "years": 12,
        "location": {"city": "Lisbon", "country": "Portugal", **_coordinates("lisbon")},
    }
    assert latest().status == ImportStatus.IMPORTED
    assert AuditEntry.objects.get(action="import.imported").changes["created"] == 2

    changed = [row[:] for row in GOOD_ROWS]
    changed[0][0] = "ANA@example.org"
    changed[0][5] = "13"
    changed[1][4] = ""  # an empty cell keeps the answer
    upload(client, world, name, make(changed))
    assert latest().report | {"problems": []} == latest().report | {
        "rows": 2,
        "create": 0,
        "update": 1,
        "unchanged": 1,
        "problem_count": 0,
        "problems": [],
    }
    client.post(world.url(f"import/{latest().pk}/"), {"action": "import"})
    assert User.objects.filter(email__iexact="ana@example.org").count() == 1
    assert Membership.objects.get(user__email="ana@example.org").answers["years"] == 13
    assert Membership.objects.get(user__email="bob@example.org").answers["skills"] == [
        "public speaking"
    ]


def _coordinates(city: str) -> dict[str, float]:
    from tandem.enrolment.answers import KNOWN_CITIES

    found = [v for (c, _), v in KNOWN_CITIES.items() if c == city]
    return {"lat": found[0][0], "lon": found[0][1]} if found else {}


def test_import_adds_existing_accounts_without_renaming_people_who_logged_in(
    world: World, login: Any, questions: Any
) -> None:
    from django.utils import timezone

    person = UserFactory(email="ana@example.org", full_name="Ana Real", last_login=timezone.now())
    imports.import_file(
        world.program, file_name="p.csv", content=csv_bytes(GOOD_ROWS), by=world.coordinator
    )
    person.refresh_from_db()
    assert person.full_name == "Ana Real"
    assert Membership.objects.get(program=world.program, user=person).role == Role.MENTOR
    assert User.objects.filter(email__iexact="ana@example.org").count() == 1


def test_import_refuses_to_change_a_members_role(world: World, questions: Any) -> None:
    rows = [[world.mentor.email, "", "mentee", "", "", "", "", "", ""]]
    _, plan = imports.import_file(
        world.program, file_name="p.csv", content=csv_bytes(rows), by=None
    )
    assert [p.reason for p in plan.problems] == [
        f"{world.mentor.email} is already mentor in this program; change roles on the People "
        "page, not by import."
    ]


def test_import_can_email_new_people_a_password_link(
    world: World, login: Any, questions: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(world.coordinator)
    upload(client, world, "people.csv", csv_bytes(GOOD_ROWS))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            world.url(f"import/{latest().pk}/"), {"action": "import", "email_new_people": "on"}
        )
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == ["ana@example.org", "bob@example.org"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_small_import_runs_inline_without_a_task(
    world: World, login: Any, questions: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(world.coordinator)
    upload(client, world, "people.csv", csv_bytes(GOOD_ROWS))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(world.url(f"import/{latest().pk}/"), {"action": "import"})
    assert latest().status == ImportStatus.IMPORTED
    assert latest().report["job"] == "done"
    assert not Notification.objects.filter(kind=NotificationKind.IMPORT_FINISHED).exists()
    assert callbacks == []


def test_large_import_runs_as_a_task_and_notifies(
    world: World,
    login: Any,
    questions: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(imports, "INLINE_ROW_LIMIT", 2)  # two rows count as "large" here
    client = login(world.coordinator)
    upload(client, world, "people.csv", csv_bytes(GOOD_ROWS))
    page = client.get(world.url(f"import/{latest().pk}/"))
    assert "imported in the background" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(world.url(f"import/{latest().pk}/"), {"action": "import"})
    assert latest().status == ImportStatus.IMPORTED
    assert Membership.objects.filter(program=world.program, user__email="bob@example.org").exists()
    notification = Notification.objects.get(kind=NotificationKind.IMPORT_FINISHED)
    assert notification.recipient == world.coordinator
    assert notification.title == "Import of people.csv into Spring finished"
    assert "2 people created" in notification.body
    status = client.get(world.url(f"import/{latest().pk}/status/"))
    assert status.status_code == 286  # tells htmx to stop polling
    assert "2</strong> created" in status.text


def test_status_poll_keeps_going_while_queued(world: World, login: Any, questions: Any) -> None:
    participant_import = imports.upload_import(
        world.program, file_name="p.csv", content=csv_bytes(GOOD_ROWS), by=world.coordinator
    )
    ParticipantImport.objects.filter(pk=participant_import.pk).update(
        report={**participant_import.report, "job": "queued"}
    )
    response = login(world.coordinator).get(world.url(f"import/{participant_import.pk}/status/"))
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in response.text
    assert (
        login(world.mentor).get(world.url(f"import/{participant_import.pk}/status/")).status_code
        == 403
    )


def test_planning_uses_the_same_number_of_queries_for_few_and_many_rows(
    world: World, questions: Any
) -> None:
    def queries_for(count: int) -> int:
        rows = [[f"p{i}@example.org", "", "mentee", "", "", "", "", "", ""] for i in range(count)]
        sheet = imports.read_sheet("p.csv", csv_bytes(rows))
        mapping = imports.auto_mapping(sheet.headings, imports.importable_questions(world.program))
        with CaptureQueriesContext(connection) as captured:
            imports.plan_import(world.program, sheet, mapping)
        return len(captured)

    assert queries_for(3) == queries_for(300)


# --- export --------------------------------------------------------------------------------


def test_export_has_one_row_per_participant_without_demographics(
    world: World, login: Any, questions: Any
) -> None:
    Membership.objects.filter(user=world.mentor).update(
        answers={
            "skills": ["coaching", "negotiation"],
            "location": {"city": "Lisbon", "country": "Portugal", "lat": 1.0, "lon": 2.0},
            "open": True,
            "gender": "Woman",
        }
    )
    response = login(world.coordinator).get(world.url("export.csv"))
    assert response["Content-Disposition"].startswith('attachment; filename="northwind-spring-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "email",
        "full_name",
        "pronouns",
        "role",
        "status",
        "skills",
        "years",
        "location",
        "goals",
        "open",
    ]
    assert len(rows) == 4  # mentor, mentee, applicant: no coordinator
    mentor_row = next(row for row in rows if row[0] == world.mentor.email)
    assert mentor_row[5:] == ["coaching; negotiation", "", "Lisbon, Portugal", "", "yes"]
    assert "Woman" not in response.content.decode()
    assert AuditEntry.objects.filter(action="participants.exported").count() == 1


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(
    world: World, login: Any, questions: Any, file_format: str
) -> None:
    imports.import_file(
        world.program, file_name="p.csv", content=csv_bytes(GOOD_ROWS), by=world.coordinator
    )
    Membership.objects.filter(user__email="bob@example.org").update(
        answers={"years": 2.5, "goals": "Lead; grow", "open": False, "skills": []}
    )
    before = {
        m.user.email: (m.role, m.status, m.answers, m.user.full_name, m.user.pronouns)
        for m in Membership.objects.select_related("user").filter(program=world.program)
    }
    exported = login(world.coordinator).get(world.url(f"export.{file_format}")).content
    _, plan = imports.import_file(
        world.program, file_name=f"export.{file_format}", content=exported, by=world.coordinator
    )
    assert (plan.created, plan.updated, plan.problems) == (0, 0, [])
    assert plan.unchanged == 5
    after = {
        m.user.email: (m.role, m.status, m.answers, m.user.full_name, m.user.pronouns)
        for m in Membership.objects.select_related("user").filter(program=world.program)
    }
    assert after == before


# --- the command line ----------------------------------------------------------------------


def test_cli_import_dry_run_reports_rows_and_exits_2_on_errors(
    world: World, questions: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes([*GOOD_ROWS, ["x@example.org", "", "boss", "", "", "", "", "", ""]]))
    assert tandem(["import", "spring", str(path), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "row 4, column 'Role', value 'boss': The role must be mentor or mentee." in err
    assert "nothing was imported" in err
    assert not User.objects.filter(email="ana@example.org").exists()


def test_cli_import_with_mapping_then_export(
    world: World, questions: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "people.xlsx"
    headings = ["Mail", *HEADINGS[1:]]
    path.write_bytes(xlsx_bytes(GOOD_ROWS, headings=headings))
    assert tandem(["import", "spring", str(path), "--dry-run", "--mapping", "Mail=email"]) == 0
    assert "Would import 2 rows into Spring: 2 created" in capsys.readouterr().out
    assert not User.objects.filter(email="ana@example.org").exists()
    assert (
        tandem(
            [
                "import",
                "spring",
                str(path),
                "--organization",
                "northwind",
                "--mapping",
                "Mail=email",
            ]
        )
        == 0
    )
    assert "Imported 2 rows" in capsys.readouterr().out
    assert Membership.objects.filter(program=world.program, user__email="ana@example.org").exists()
    output = tmp_path / "out.csv"
    assert tandem(["export", "spring", "-o", str(output)]) == 0
    assert "ana@example.org" in output.read_text(encoding="utf-8-sig")
    assert tandem(["export", "spring", "-o", str(tmp_path / "out.pdf")]) == 2
    assert "name the output file .csv or .xlsx" in capsys.readouterr().err


def test_cli_names_missing_programs_files_and_bad_mappings(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(GOOD_ROWS))
    assert tandem(["import", "nowhere", str(path)]) == 2
    assert "no program 'nowhere'" in capsys.readouterr().err
    assert tandem(["import", "spring", str(tmp_path / "missing.csv")]) == 2
    assert "no file" in capsys.readouterr().err
    assert tandem(["import", "spring", str(path), "--mapping", "nonsense"]) == 2
    assert "write COLUMN=KEY" in capsys.readouterr().err
    assert tandem(["import", "spring", str(path), "--mapping", "Nope=email"]) == 2
    assert "The file has no column “Nope”" in capsys.readouterr().err


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_neutralises_formulas_in_names_and_answers(
    world: World, login: Any, questions: Any, file_format: str
) -> None:
    User.objects.filter(pk=world.mentor.pk).update(full_name='=HYPERLINK("http://evil","x")')
    Membership.objects.filter(user=world.mentor).update(answers={"goals": "@SUM(A1)"})
    content = login(world.coordinator).get(world.url(f"export.{file_format}")).content
    if file_format == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        row = next(row for row in rows if row[0] == world.mentor.email)
        assert row[1] == '\'=HYPERLINK("http://evil","x")'
        assert row[8] == "'@SUM(A1)"
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        assert sheet is not None
        cells = [cell for row in sheet.iter_rows() for cell in row]
        # Text cells ("s"; openpyxl reads empty text cells back as "inlineStr"), no formula ("f").
        assert {cell.data_type for cell in cells} <= {"s", "inlineStr"}
        assert '\'=HYPERLINK("http://evil","x")' in [cell.value for cell in cells]
