"""Participant spreadsheets: read CSV/XLSX, check each row (dry run), import all-or-nothing, export.

The same functions serve the web pages, the API, the ``tandem import``/``tandem export`` commands
and the background task. Checking and importing read the program's members and the people it
knows in a few bulk queries (never one per row), so 10,000 rows take seconds.

A row is identified by its e-mail address (case-insensitive): importing the same file twice
updates the people it created the first time and creates nobody twice. An empty cell never
erases an answer. Demographic questions are never imported or exported: they are answered only
by the person, with consent, and reported only in aggregate.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import secrets
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from tandem.core.encodings import decode_text
from tandem.core.errors import ServiceError
from tandem.core.leases import unfinished_tasks
from tandem.core.services import record_audit
from tandem.core.spreadsheets import restore, write_csv, write_xlsx
from tandem.core.text import NUL
from tandem.enrolment.answers import (
    AVAILABILITY_SLOTS,
    LIST_SEPARATOR,
    AnswerError,
    clean_answer,
    is_answered,
)
from tandem.enrolment.enums import ImportStatus, QuestionKind
from tandem.enrolment.models import ParticipantImport, ProfileQuestion
from tandem.enrolment.services.readiness import refresh_members_readiness
from tandem.programs.enums import MembershipStatus, Role

if TYPE_CHECKING:
    from tandem.accounts.models import User
    from tandem.programs.models import Membership, Program

#: Imports this many rows or more run as a background task; smaller ones run in the request.
INLINE_ROW_LIMIT = 1000
#: Rows written per INSERT/UPDATE statement.
BATCH = 1000
#: The report keeps this many problems (with the total count): enough to fix a file by.
MAX_PROBLEMS_KEPT = 500

EMAIL, FULL_NAME, ROLE, PRONOUNS, IGNORE = "email", "full_name", "role", "pronouns", ""
PERSON_TARGETS = {
    EMAIL: "E-mail address",
    FULL_NAME: "Full name",
    ROLE: "Role (mentor or mentee)",
    PRONOUNS: "Pronouns",
}
#: Other headings people commonly use for the person columns.
HEADING_SYNONYMS = {
    "e-mail": EMAIL,
    "e-mail address": EMAIL,
    "email address": EMAIL,
    "mail": EMAIL,
    "name": FULL_NAME,
    "full name": FULL_NAME,
}
NUL_CELL_REASON = "This cell contains a NUL character (\\0), which cannot be stored: remove it."
PARTICIPANT_ROLES = {Role.MENTOR.value: Role.MENTOR, Role.MENTEE.value: Role.MENTEE}
EXPORT_PERSON_COLUMNS = [EMAIL, FULL_NAME, PRONOUNS, ROLE, "status"]


# --- reading spreadsheets ------------------------------------------------------------------


@dataclass
class Sheet:
    """A spreadsheet as text: the heading row and the data rows (each a list of cells)."""

    headings: list[str]
    rows: list[list[str]]
    #: The encoding a CSV file was guessed to be in ("Shift-JIS"): empty when the file was
    #: UTF-8, said what it was (a byte-order mark) or was a workbook.
    guessed_encoding: str = ""
    #: The file's text re-encoded as UTF-8 when it was not UTF-8 (what an import keeps).
    utf8_text: bytes | None = None


def encoding_warning(guessed_encoding: str) -> str:
    """What the preview says about a file whose encoding was guessed."""
    if not guessed_encoding:
        return ""
    return f"Read as {guessed_encoding} — the file is not UTF-8: check the names look right."


def _cell_text(value: Any) -> str:
    if type(value) is str:
        return restore(value.strip())
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


XLSX_SIGNATURE = b"PK\x03\x04"
#: A workbook part smaller than this may be compressed any amount (tiny XML compresses well).
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
#: A workbook is read by the worker when it unzips to more than this many times
#: TANDEM_IMPORT_INLINE_BYTES (its XML is several times the text it holds, and what reading
#: costs is the XML).
XML_PER_TEXT = 4


def _megabytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size / 1024:g} KB"


def check_file(file_name: str, content: bytes) -> None:
    """Refuse, before reading a cell, a file that is empty, too large, not CSV or XLSX, or a
    workbook that unzips to too much or is compressed suspiciously well (a zip bomb)."""
    if not content:
        raise ServiceError("The file is empty.", field="file")
    if len(content) > settings.TANDEM_IMPORT_MAX_BYTES:
        raise ServiceError(
            f"The file is larger than {_megabytes(settings.TANDEM_IMPORT_MAX_BYTES)}, the most "
            "one import takes: split it.",
            field="file",
        )
    if file_name.lower().endswith(".xlsx"):
        _unzipped_size(content)
    elif not file_name.lower().endswith((".csv", ".txt")):
        raise ServiceError("Upload a .csv or .xlsx file.", field="file")


def _unzipped_size(content: bytes) -> int:
    """The workbook's size unzipped (the sizes a zip declares bound what it yields)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ServiceError("This is not a readable .xlsx workbook.", field="file") from None
    limit = settings.TANDEM_IMPORT_MAX_UNZIPPED_BYTES
    ratio = settings.TANDEM_IMPORT_MAX_COMPRESSION_RATIO
    for part in parts:
        if part.file_size >= RATIO_CHECKED_FROM_BYTES and part.file_size > ratio * max(
            part.compress_size, 1
        ):
            raise ServiceError(
                f"Part “{part.filename}” of the workbook is compressed more than {ratio} to 1, "
                "more than any spreadsheet needs (the mark of a zip bomb): it was not read. "
                "Save the sheet as CSV and upload that.",
                field="file",
            )
    total = sum(part.file_size for part in parts)
    if total > limit:
        raise ServiceError(
            f"The workbook unzips to more than {_megabytes(limit)}, the most one import reads: "
            "save the sheet as CSV or split it.",
            field="file",
        )
    return total


def reads_in_background(file_name: str, content: bytes) -> bool:
    """True for a file too large to read inside a web request (checked by :func:`check_file`)."""
    inline = settings.TANDEM_IMPORT_INLINE_BYTES
    if len(content) > inline:
        return True
    return file_name.lower().endswith(".xlsx") and _unzipped_size(content) > inline * XML_PER_TEXT


def read_sheet(file_name: str, content: bytes) -> Sheet:
    """Read the first sheet of an XLSX workbook, or a CSV file (comma, semicolon or tab)."""
    check_file(file_name, content)
    if file_name.lower().endswith(".xlsx"):
        return _sheet_of_rows(_read_xlsx(content))
    decoded = decode_text(content)
    sheet = _sheet_of_rows(_csv_rows(decoded.text))
    if decoded.guessed:
        sheet.guessed_encoding = decoded.encoding
    if decoded.encoding != "UTF-8" or content.startswith(codecs.BOM_UTF8):
        sheet.utf8_text = decoded.text.encode("utf-8")
    return sheet


def _bounded(rows: Iterable[Sequence[Any]]) -> list[Sequence[Any]]:
    """The rows, read one by one and refused as soon as one is past a limit (rows, columns,
    characters in a cell), the limit named."""
    max_rows = settings.TANDEM_IMPORT_MAX_ROWS
    max_columns = settings.TANDEM_IMPORT_MAX_COLUMNS
    max_chars = settings.TANDEM_IMPORT_MAX_CELL_CHARS
    kept: list[Sequence[Any]] = []
    filled = 0
    for number, row in enumerate(rows, start=1):
        if len(row) > max_columns and any(cell not in (None, "") for cell in row[max_columns:]):
            raise ServiceError(
                f"Row {number} has more than {max_columns} columns, the most one import takes: "
                "remove the columns you do not import.",
                field="file",
            )
        for column, cell in enumerate(row[:max_columns], start=1):
            if type(cell) is str and len(cell) > max_chars:
                raise ServiceError(
                    f"Row {number}, column {column} holds more than {max_chars:,} characters, "
                    "the most one cell may hold: shorten it.",
                    field="file",
                )
        if any(cell not in (None, "") for cell in row):
            filled += 1
            if filled > max_rows + 1:  # the heading row and max_rows rows of people
                raise ServiceError(
                    f"The file has more than {max_rows:,} rows of people, the most one import "
                    "takes: split it into smaller files.",
                    field="file",
                )
        kept.append(row[:max_columns])
    return kept


def sheet_as_csv(sheet: Sheet) -> bytes:
    """The sheet's text as CSV: what an import keeps, so checking again never re-parses XLSX."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(sheet.headings)
    writer.writerows(sheet.rows)
    return buffer.getvalue().encode("utf-8")


def _sheet_of_rows(raw_rows: Sequence[Sequence[Any]]) -> Sheet:
    rows = [[_cell_text(cell) for cell in row] for row in raw_rows]
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows or not any(rows[0]):
        raise ServiceError("The first row must hold the column headings.", field="file")
    headings = rows[0]
    while headings and not headings[-1]:
        headings.pop()
    for position, heading in enumerate(headings, start=1):
        if NUL in heading:
            raise ServiceError(
                f"The heading of column {position} contains a NUL character (\\0): remove it.",
                field="file",
            )
        if not heading:
            raise ServiceError(f"Column {position} has no heading in row 1.", field="file")
    repeated = {heading for heading in headings if headings.count(heading) > 1}
    if repeated:
        raise ServiceError(
            f"The heading “{sorted(repeated)[0]}” appears more than once in row 1.", field="file"
        )
    width = len(headings)
    data = [(row + [""] * width)[:width] for row in rows[1:]]
    return Sheet(headings=headings, rows=data)


def _read_csv(content: bytes) -> list[Sequence[Any]]:
    return _csv_rows(decode_text(content).text)


def _csv_rows(text: str) -> list[Sequence[Any]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _bounded(reader)
    except csv.Error as error:
        raise ServiceError(
            f"Row {reader.line_num} cannot be read as CSV ({error}).", field="file"
        ) from None


def _read_xlsx(content: bytes) -> list[Sequence[Any]]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError):
        raise ServiceError("This is not a readable .xlsx workbook.", field="file") from None
    try:
        # Read-only mode streams the sheet row by row: a row past a limit stops the reading.
        return _bounded(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


# --- mapping columns -----------------------------------------------------------------------


def importable_questions(program: Program) -> list[ProfileQuestion]:
    """The program's questions a spreadsheet may fill (never the demographic ones)."""
    return list(ProfileQuestion.objects.filter(program=program, is_demographic=False))


def mapping_choices(questions: Iterable[ProfileQuestion]) -> list[tuple[str, str]]:
    choices = [(IGNORE, "— ignore this column —")]
    choices += list(PERSON_TARGETS.items())
    choices += [(q.key, f"Question: {q.label} ({q.key})") for q in questions]
    return choices


def auto_mapping(headings: Iterable[str], questions: Iterable[ProfileQuestion]) -> dict[str, str]:
    """Map each heading to a target whose key or label it matches (case-insensitive)."""
    by_name: dict[str, str] = {**HEADING_SYNONYMS}
    for target in PERSON_TARGETS:
        by_name[target] = target
        by_name[target.replace("_", " ")] = target
    for question in questions:
        by_name[question.label.strip().lower()] = question.key
        by_name[question.key.lower()] = question.key
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for heading in headings:
        target = by_name.get(heading.strip().lower(), IGNORE)
        if target in used:
            target = IGNORE
        used.add(target)
        mapping[heading] = target
    return mapping


def check_mapping(
    mapping: Mapping[str, str],
    questions: Iterable[ProfileQuestion],
    headings: Sequence[str] | None = None,
) -> None:
    allowed = set(PERSON_TARGETS) | {q.key for q in questions} | {IGNORE}
    seen: dict[str, str] = {}
    for heading, target in mapping.items():
        if headings is not None and heading not in headings:
            raise ServiceError(
                f"The file has no column “{heading}” (its columns: {', '.join(headings)}).",
                field="mapping",
            )
        if target not in allowed:
            raise ServiceError(
                f"Column “{heading}”: “{target}” is not a field or question of this program.",
                field="mapping",
            )
        if target and target in seen:
            raise ServiceError(
                f"Columns “{seen[target]}” and “{heading}” are both mapped to “{target}”: "
                "map one of them to “ignore”.",
                field="mapping",
            )
        seen[target] = heading
    for required in (EMAIL, ROLE):
        if required not in seen:
            raise ServiceError(
                f"Map one column to “{PERSON_TARGETS[required]}”: it is required.",
                field="mapping",
            )


# --- checking rows -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class PlannedPerson:
    row: int
    email: str
    role: Role
    full_name: str | None
    pronouns: str | None
    answers: dict[str, Any]


@dataclass
class Plan:
    """What an import would do: nothing is written until :func:`run_import` carries it out."""

    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: People with no account yet, and people with an account but no place in the program.
    new_users: list[PlannedPerson] = field(default_factory=list)
    new_memberships: list[tuple[PlannedPerson, User]] = field(default_factory=list)
    changed_memberships: list[Membership] = field(default_factory=list)
    changed_users: list[User] = field(default_factory=list)
    unchanged: int = 0

    @property
    def created(self) -> int:
        return len(self.new_users) + len(self.new_memberships)

    @property
    def updated(self) -> int:
        return len(self.changed_memberships)

    def report(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "create": self.created,
            "update": self.updated,
            "unchanged": self.unchanged,
            "problem_count": len(self.problems),
            "problems": [problem.as_dict() for problem in self.problems[:MAX_PROBLEMS_KEPT]],
        }


LIST_KINDS = {QuestionKind.MULTIPLE_CHOICE, QuestionKind.LANGUAGES, QuestionKind.AVAILABILITY}
#: Time-zone answers checked so far (``clean_answer`` lists the system's zones on every call).
_TIME_ZONE_RESULTS: dict[str, Any] = {}


class _AnswerCleaner:
    """``clean_answer`` remembered per (question, cell text): spreadsheets repeat themselves.

    List answers ("a; b; c") are checked value by value, so the memory holds each skill or
    language once rather than every combination of them; the result is the same as
    ``clean_answer`` on the whole cell.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], Any] = {}

    def __call__(self, question: ProfileQuestion, text: str) -> Any:
        if question.kind not in LIST_KINDS or LIST_SEPARATOR not in text:
            return self._one(question, text)
        values: list[Any] = []
        for part in text.split(LIST_SEPARATOR):
            if part.strip():
                values.extend(self._one(question, part.strip()) or [])
        if not values:
            return None
        if question.kind == QuestionKind.AVAILABILITY:
            return sorted(set(values), key=AVAILABILITY_SLOTS.index)
        return list(dict.fromkeys(values))

    def _one(self, question: ProfileQuestion, text: str) -> Any:
        if question.kind == QuestionKind.TIME_ZONE and not _TIME_ZONE_RESULTS:
            _TIME_ZONE_RESULTS.update((zone, zone) for zone in zoneinfo.available_timezones())
        seen = _TIME_ZONE_RESULTS if question.kind == QuestionKind.TIME_ZONE else self._seen
        memo_key: Any = text if question.kind == QuestionKind.TIME_ZONE else (question.key, text)
        if memo_key not in seen:
            try:
                seen[memo_key] = clean_answer(question, text)
            except AnswerError as error:
                seen[memo_key] = error
        result = seen[memo_key]
        if isinstance(result, AnswerError):
            raise result
        return result


def _same_answer(question: ProfileQuestion, old: Any, new: Any) -> bool:
    if question.kind == QuestionKind.LOCATION and isinstance(old, dict) and isinstance(new, dict):
        return (str(old.get("city", "")).lower(), str(old.get("country", "")).lower()) == (
            str(new.get("city", "")).lower(),
            str(new.get("country", "")).lower(),
        )
    return bool(old == new)


def _users_by_email(emails: Sequence[str]) -> dict[str, User]:
    from tandem.accounts.models import User

    found: dict[str, User] = {}
    for start in range(0, len(emails), BATCH):
        chunk = emails[start : start + BATCH]
        users = User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk)
        found.update({user.email.lower(): user for user in users})
    return found


def plan_import(program: Program, sheet: Sheet, mapping: Mapping[str, str]) -> Plan:
    """Check every row and work out what importing would create and change. Writes nothing."""
    from tandem.programs.models import Membership

    questions = {q.key: q for q in importable_questions(program)}
    check_mapping(mapping, questions.values(), sheet.headings)
    columns = [
        (index, heading, mapping.get(heading, IGNORE))
        for index, heading in enumerate(sheet.headings)
        if mapping.get(heading, IGNORE)
    ]
    email_index, email_heading = next((i, h) for i, h, target in columns if target == EMAIL)
    clean = _AnswerCleaner()
    plan = Plan()
    first_row_of: dict[str, int] = {}
    people: list[PlannedPerson] = []
    for offset, cells in enumerate(sheet.rows):
        row_number = offset + 2  # the heading is row 1, as the spreadsheet shows it
        if not any(cells):
            continue
        plan.rows += 1
        person = _check_row(row_number, cells, columns, questions, clean, plan.problems)
        email = cells[email_index].strip().lower()
        if email and email in first_row_of:
            plan.problems.append(
                Problem(
                    row_number,
                    email_heading,
                    cells[email_index],
                    f"This e-mail address is already on row {first_row_of[email]}.",
                )
            )
            continue
        if email:
            first_row_of[email] = row_number
        if person is not None:
            people.append(person)

    members = {
        membership.user.email.lower(): membership
        for membership in Membership.objects.filter(program=program).select_related("user")
    }
    unknown = [person.email for person in people if person.email not in members]
    accounts = _users_by_email(unknown)
    role_heading = next(h for _, h, target in columns if target == ROLE)
    for person in people:
        membership = members.get(person.email)
        if membership is None:
            user = accounts.get(person.email)
            if user is None:
                plan.new_users.append(person)
            else:
                plan.new_memberships.append((person, user))
            continue
        if membership.role != person.role:
            plan.problems.append(
                Problem(
                    person.row,
                    role_heading,
                    person.role.value,
                    f"{person.email} is already {membership.get_role_display().lower()} in "
                    "this program; change roles on the People page, not by import.",
                )
            )
            continue
        if _plan_update(membership, person, questions, plan):
            plan.changed_memberships.append(membership)
        else:
            plan.unchanged += 1
    plan.problems.sort(key=lambda problem: problem.row)
    return plan


def _check_row(
    row_number: int,
    cells: Sequence[str],
    columns: Sequence[tuple[int, str, str]],
    questions: Mapping[str, ProfileQuestion],
    clean: _AnswerCleaner,
    problems: list[Problem],
) -> PlannedPerson | None:
    values = {target: (heading, cells[index]) for index, heading, target in columns}
    with_nul = [(heading, text) for heading, text in values.values() if NUL in text]
    for heading, text in with_nul:
        # Shown and stored with the NUL spelled out: PostgreSQL cannot store the character.
        problems.append(Problem(row_number, heading, text.replace(NUL, "\\0"), NUL_CELL_REASON))
    if with_nul:
        return None
    ok = True
    email_heading, email = values[EMAIL]
    email = email.strip().lower()
    if not email:
        problems.append(Problem(row_number, email_heading, "", "The e-mail address is missing."))
        ok = False
    else:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(
                Problem(row_number, email_heading, email, "This is not a valid e-mail address.")
            )
            ok = False
    role_heading, role_text = values[ROLE]
    role = PARTICIPANT_ROLES.get(role_text.strip().lower())
    if role is None:
        reason = (
            "The role is missing: write mentor or mentee."
            if not role_text.strip()
            else "The role must be mentor or mentee."
        )
        problems.append(Problem(row_number, role_heading, role_text, reason))
        ok = False
    person_fields: dict[str, str | None] = {FULL_NAME: None, PRONOUNS: None}
    for target, limit in ((FULL_NAME, 150), (PRONOUNS, 40)):
        if target in values:
            heading, text = values[target]
            if len(text) > limit:
                problems.append(
                    Problem(row_number, heading, text, f"Too long: {limit} characters at most.")
                )
                ok = False
            person_fields[target] = text or None
    answers: dict[str, Any] = {}
    for target, (heading, text) in values.items():
        question = questions.get(target)
        if question is None:
            continue
        try:
            value = clean(question, text)
        except AnswerError as error:
            problems.append(Problem(row_number, heading, text, str(error)))
            ok = False
            continue
        if value is None:
            continue
        if role is not None and not question.applies_to(role):
            audience = question.get_audience_display().lower()
            problems.append(
                Problem(
                    row_number,
                    heading,
                    text,
                    f"This question is for {audience} only; this row is a {role.value}.",
                )
            )
            ok = False
            continue
        answers[question.key] = value
    if not ok or role is None:
        return None
    return PlannedPerson(
        row=row_number,
        email=email,
        role=role,
        full_name=person_fields[FULL_NAME],
        pronouns=person_fields[PRONOUNS],
        answers=answers,
    )


def _plan_update(
    membership: Membership,
    person: PlannedPerson,
    questions: Mapping[str, ProfileQuestion],
    plan: Plan,
) -> bool:
    """Merge the row into the member's answers (empty cells keep theirs); True if it changed."""
    merged = dict(membership.answers)
    changed = False
    for key, value in person.answers.items():
        if key in merged and _same_answer(questions[key], merged[key], value):
            continue
        merged[key] = value
        changed = True
    if changed:
        membership.answers = merged
    user = membership.user
    # People who have logged in own their name; the spreadsheet only fills in the others'.
    user_changed = False
    if user.last_login is None:
        for attribute in (FULL_NAME, PRONOUNS):
            new = getattr(person, attribute)
            if new is not None and getattr(user, attribute) != new:
                setattr(user, attribute, new)
                user_changed = True
    if user_changed:
        plan.changed_users.append(user)
    return changed or user_changed


# --- the import record ---------------------------------------------------------------------


def upload_import(
    program: Program,
    *,
    file_name: str,
    content: bytes,
    by: User | None,
    mapping: Mapping[str, str] | None = None,
    in_background: bool = True,
) -> ParticipantImport:
    """Store an uploaded spreadsheet and map its columns automatically; check it at once.

    A file too large to read inside a web request (:func:`reads_in_background`) is stored as
    it is and read by the worker (:func:`read_stored_import`); ``in_background=False`` (the
    command line) reads it here whatever its size. ``mapping`` overrides the automatic mapping
    of a file read in the background (a file read here is checked again with it by the caller).
    """
    check_file(file_name, content)
    if in_background and reads_in_background(file_name, content):
        return _store_for_reading(
            program, file_name=file_name, content=content, by=by, mapping=mapping
        )
    sheet = read_sheet(file_name, content)
    mapping = auto_mapping(sheet.headings, importable_questions(program))
    with transaction.atomic():
        participant_import = ParticipantImport.objects.create(
            program=program,
            uploaded_by=by,
            file_name=file_name[:200],
            content=_stored_content(content, sheet),
            mapping=mapping,
            guessed_encoding=sheet.guessed_encoding,
        )
        record_audit(by, "import.uploaded", participant_import, changes={"file": file_name})
    # A mapping problem stays in the report: the mapping page shows it, to fix there.
    with contextlib.suppress(ServiceError):
        _store_check(participant_import, sheet)
    return participant_import


def _store_for_reading(
    program: Program,
    *,
    file_name: str,
    content: bytes,
    by: User | None,
    mapping: Mapping[str, str] | None,
) -> ParticipantImport:
    from tandem.enrolment.tasks import read_import_task

    with transaction.atomic():
        participant_import = ParticipantImport.objects.create(
            program=program,
            uploaded_by=by,
            file_name=file_name[:200],
            content=content,
            mapping=dict(mapping or {}),
            status=ImportStatus.READING,
            report={"job": "reading", "bytes": len(content)},
        )
        record_audit(by, "import.uploaded", participant_import, changes={"file": file_name})
        import_id = participant_import.pk
        transaction.on_commit(lambda: read_import_task.enqueue(import_id))
    return participant_import


def read_stored_import(participant_import: ParticipantImport, *, task_id: str = "") -> None:
    """Read a file stored by :func:`upload_import` for the worker, map and check it; a file
    past a limit is rejected with the reason kept (``report["read_error"]``)."""
    pk = participant_import.pk
    ParticipantImport.objects.filter(pk=pk, status=ImportStatus.READING).update(
        report={**participant_import.report, "task": task_id}
    )
    content = bytes(participant_import.content)
    try:
        sheet = read_sheet(participant_import.file_name, content)
    except ServiceError as error:
        ParticipantImport.objects.filter(pk=pk, status=ImportStatus.READING).update(
            status=ImportStatus.REJECTED, report={"read_error": error.message}
        )
        return
    overrides = participant_import.mapping
    participant_import.mapping = {
        **auto_mapping(sheet.headings, importable_questions(participant_import.program)),
        **overrides,
    }
    participant_import.content = _stored_content(content, sheet)
    participant_import.guessed_encoding = sheet.guessed_encoding
    participant_import.status = ImportStatus.PREVIEWED
    participant_import.report = {}
    updated = ParticipantImport.objects.filter(pk=pk, status=ImportStatus.READING).update(
        content=participant_import.content,
        guessed_encoding=participant_import.guessed_encoding,
        mapping=participant_import.mapping,
        status=participant_import.status,
        report={},
    )
    if updated:
        with contextlib.suppress(ServiceError):
            _store_check(participant_import, sheet)


def _refuse_while_reading(participant_import: ParticipantImport) -> None:
    if participant_import.status == ImportStatus.READING:
        raise ServiceError("This file is still being read: try again when its preview is ready.")
    read_error = participant_import.report.get("read_error")
    if read_error:
        raise ServiceError(f"This file could not be read. {read_error}")


def _stored_content(content: bytes, sheet: Sheet) -> bytes:
    """What an import keeps of its file: UTF-8 CSV, so checking again never guesses again."""
    if content[:4] == XLSX_SIGNATURE:
        # XLSX is slow to parse: keep the first sheet's text as CSV (data is all we use).
        return sheet_as_csv(sheet)
    return sheet.utf8_text if sheet.utf8_text is not None else content


def sheet_of(participant_import: ParticipantImport) -> Sheet:
    """The stored sheet: CSV text (an uploaded workbook was turned into CSV on upload)."""
    content = bytes(participant_import.content)
    if content[:4] == XLSX_SIGNATURE:  # stored by an earlier version as the workbook itself
        return _sheet_of_rows(_read_xlsx(content))
    return _sheet_of_rows(_read_csv(content))


def check_import(
    participant_import: ParticipantImport, *, mapping: Mapping[str, str] | None = None
) -> Plan:
    """The dry run: (re)check the file with ``mapping`` and store the report."""
    if participant_import.status == ImportStatus.IMPORTED:
        raise ServiceError("This file was already imported; upload it again to re-import.")
    _refuse_while_reading(participant_import)
    if mapping is not None:
        participant_import.mapping = dict(mapping)
    return _store_check(participant_import, sheet_of(participant_import))


def _store_check(participant_import: ParticipantImport, sheet: Sheet) -> Plan:
    """Check the file and keep the report on the import; a mapping error is raised as well."""
    mapping_error: ServiceError | None = None
    try:
        plan = plan_import(participant_import.program, sheet, participant_import.mapping)
    except ServiceError as error:
        mapping_error = error
        participant_import.report = {"mapping_error": error.message}
        participant_import.status = ImportStatus.REJECTED
    else:
        participant_import.report = plan.report()
        participant_import.status = (
            ImportStatus.REJECTED if plan.problems else ImportStatus.PREVIEWED
        )
    ParticipantImport.objects.filter(pk=participant_import.pk).update(
        mapping=participant_import.mapping,
        report=participant_import.report,
        status=participant_import.status,
    )
    if mapping_error is not None:
        raise mapping_error
    return plan


def runs_in_background(participant_import: ParticipantImport) -> bool:
    return int(participant_import.report.get("rows", 0)) >= INLINE_ROW_LIMIT


def queue_import(
    participant_import: ParticipantImport, *, by: User, email_new_people: bool
) -> ParticipantImport:
    """Hand a large import to the worker; the page polls until the report says it is done."""
    from tandem.enrolment.tasks import run_import_task

    with transaction.atomic():
        locked = ParticipantImport.objects.select_for_update().get(pk=participant_import.pk)
        if locked.status == ImportStatus.IMPORTED:
            raise ServiceError("This file was already imported.")
        _refuse_while_reading(locked)
        if locked.report.get("job") in {"queued", "running"}:
            return locked
        locked.report = {**locked.report, "job": "queued"}
        locked.save(update_fields=["report"])
        import_id, user_id = locked.pk, by.pk
        transaction.on_commit(lambda: run_import_task.enqueue(import_id, user_id, email_new_people))
    return locked


#: What the coordinator reads on an import whose worker died.
IMPORT_STOPPED = (
    "The worker stopped before this import finished. Nothing was imported — import it again."
)


def fail_stopped_imports() -> int:
    """Mark failed the background imports still "running" whose task is no longer waiting or
    running — its worker died and the sweep of dead workers failed its task row (nothing was
    written: an import is all-or-nothing). Returns how many; the coordinator can import again.
    """
    running = list(
        ParticipantImport.objects.filter(report__job="running").values_list("pk", "report")
    )
    alive = unfinished_tasks(str(report.get("task", "")) for _pk, report in running)
    failed = 0
    for pk, report in running:
        if not report.get("task") or str(report["task"]) in alive:
            continue
        with transaction.atomic():
            locked = ParticipantImport.objects.select_for_update().get(pk=pk)
            if locked.report.get("job") != "running" or locked.status == ImportStatus.IMPORTED:
                continue
            locked.report = {**locked.report, "job": "failed", "failure": IMPORT_STOPPED}
            locked.save(update_fields=["report"])
            failed += 1
    stopped = failed + _fail_stopped_reading()
    # Rows staged by an attempt whose worker died are deleted (they were never visible).
    from tandem.enrolment.services.staging import discard_abandoned_staging

    discard_abandoned_staging(timezone.now() - STAGING_ABANDONED_AFTER)
    return stopped


#: Staged rows older than this belong to an attempt whose worker died (an attempt takes minutes).
STAGING_ABANDONED_AFTER = dt.timedelta(hours=6)


#: What the coordinator reads on a file whose reading worker died.
READING_STOPPED = "The worker stopped before it finished reading this file: upload it again."


def _fail_stopped_reading() -> int:
    reading = list(
        ParticipantImport.objects.filter(status=ImportStatus.READING).values_list("pk", "report")
    )
    alive = unfinished_tasks(str(report.get("task", "")) for _pk, report in reading)
    stopped = [pk for pk, report in reading if report.get("task") and report["task"] not in alive]
    return ParticipantImport.objects.filter(pk__in=stopped, status=ImportStatus.READING).update(
        status=ImportStatus.REJECTED, report={"read_error": READING_STOPPED}
    )


def run_import(
    participant_import: ParticipantImport, *, by: User | None, email_new_people: bool = False
) -> Plan:
    """Import the file all-or-nothing: any bad row and nothing at all is written.

    The file is checked outside any transaction (reading only), its rows staged in short
    transactions and switched live in one short step (``services/staging.py``), so that a
    large import never holds the database's write lock for more than a few seconds.
    """
    from tandem.enrolment.services import staging

    participant_import = ParticipantImport.objects.select_related("program__organization").get(
        pk=participant_import.pk
    )
    if participant_import.status == ImportStatus.IMPORTED:
        raise ServiceError("This file was already imported.")
    _refuse_while_reading(participant_import)
    program = participant_import.program
    plan = plan_import(program, sheet_of(participant_import), participant_import.mapping)
    if plan.problems:
        _reject(participant_import, plan)
    now = timezone.now()
    attempt = staging.stage_plan(participant_import, plan)
    try:
        with transaction.atomic():
            locked = ParticipantImport.objects.select_for_update().get(pk=participant_import.pk)
            if locked.status == ImportStatus.IMPORTED:
                raise ServiceError("This file was already imported.")
            try:
                with transaction.atomic():
                    new_user_ids = staging.switch_live(attempt, program, plan, now)
                    # the rows just inserted are unchecked; the changed ones are refreshed
                    refresh_members_readiness(
                        program, [membership.pk for membership in plan.changed_memberships]
                    )
            except IntegrityError:
                raise ServiceError(SOMEONE_ADDED_PEOPLE) from None
            _finish_import(
                locked,
                plan,
                now,
                by=by,
                emailed=len(new_user_ids) if email_new_people else 0,
            )
            if email_new_people and new_user_ids:
                for start in range(0, len(new_user_ids), BATCH):
                    _email_on_commit(program.pk, new_user_ids[start : start + BATCH])
    finally:
        staging.discard_staged(attempt)
    return plan


SOMEONE_ADDED_PEOPLE = (
    "Someone else added some of these people while this import ran: nothing was imported. "
    "Check the file again, then import."
)


def _reject(participant_import: ParticipantImport, plan: Plan) -> NoReturn:
    participant_import.status = ImportStatus.REJECTED
    participant_import.report = plan.report()
    ParticipantImport.objects.filter(pk=participant_import.pk).update(
        status=participant_import.status, report=participant_import.report
    )
    first = plan.problems[0]
    raise ServiceError(
        f"Nothing was imported: {len(plan.problems)} row problem(s), the first on row "
        f"{first.row}, column “{first.column}”: {first.reason}"
    )


def _finish_import(
    participant_import: ParticipantImport,
    plan: Plan,
    now: dt.datetime,
    *,
    by: User | None,
    emailed: int,
) -> None:
    participant_import.status = ImportStatus.IMPORTED
    participant_import.imported_at = now
    # "emailed": the people this import sent a link to (the funnel counts them as invited)
    participant_import.report = {**plan.report(), "job": "done", "emailed": emailed}
    participant_import.save(update_fields=["status", "imported_at", "report"])
    record_audit(
        by,
        "import.imported",
        participant_import,
        changes={
            "file": participant_import.file_name,
            "created": plan.created,
            "updated": plan.updated,
            "unchanged": plan.unchanged,
        },
    )


def run_import_in_one_transaction(
    participant_import: ParticipantImport, *, by: User | None, email_new_people: bool = False
) -> Plan:
    """The earlier way, kept for the benchmark that compares both (``import_under_load``):
    check and write inside one transaction, holding the write lock throughout."""
    with transaction.atomic():
        participant_import = (
            ParticipantImport.objects.select_for_update()
            .select_related("program__organization")
            .get(pk=participant_import.pk)
        )
        if participant_import.status == ImportStatus.IMPORTED:
            raise ServiceError("This file was already imported.")
        _refuse_while_reading(participant_import)
        program = participant_import.program
        plan = plan_import(program, sheet_of(participant_import), participant_import.mapping)
        if plan.problems:
            _reject(participant_import, plan)
        now = timezone.now()
        try:
            with transaction.atomic():
                new_users = _write_plan(program, plan, now)
                refresh_members_readiness(
                    program, [membership.pk for membership in plan.changed_memberships]
                )
        except IntegrityError:
            raise ServiceError(SOMEONE_ADDED_PEOPLE) from None
        _finish_import(
            participant_import,
            plan,
            now,
            by=by,
            emailed=len(new_users) if email_new_people else 0,
        )
        if email_new_people and new_users:
            user_ids = [user.pk for user in new_users]
            for start in range(0, len(user_ids), BATCH):
                _email_on_commit(program.pk, user_ids[start : start + BATCH])
    return plan


def _write_plan(program: Program, plan: Plan, now: dt.datetime) -> list[User]:
    """Carry out a checked plan with bulk statements; returns the accounts it created."""
    from allauth.account.models import EmailAddress

    from tandem.accounts.models import User
    from tandem.programs.models import Membership

    # As make_password(None) makes it, minus 40 random choices per person: one random prefix
    # per import and a counter keep each value unique and unusable.
    prefix = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(16)
    new_users = User.objects.bulk_create(
        [
            User(
                email=person.email,
                full_name=person.full_name or "",
                pronouns=person.pronouns or "",
                password=f"{prefix}{index}",
                date_joined=now,
            )
            for index, person in enumerate(plan.new_users)
        ],
        batch_size=BATCH,
    )
    if new_users and new_users[0].pk is None:  # backends that return no ids on bulk insert
        ids = _users_by_email([person.email for person in plan.new_users])
        new_users = [ids[person.email] for person in plan.new_users]
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=user, email=user.email, verified=True, primary=True)
            for user in new_users
        ],
        batch_size=BATCH,
    )
    pairs = list(zip(plan.new_users, new_users, strict=True)) + plan.new_memberships
    Membership.objects.bulk_create(
        [
            Membership(
                program=program,
                user=user,
                role=person.role,
                status=MembershipStatus.APPROVED,
                answers=person.answers,
                joined_at=now,
            )
            for person, user in pairs
        ],
        batch_size=BATCH,
    )
    for membership in plan.changed_memberships:
        membership.updated_at = now
    Membership.objects.bulk_update(
        plan.changed_memberships, ["answers", "updated_at"], batch_size=BATCH
    )
    User.objects.bulk_update(plan.changed_users, [FULL_NAME, PRONOUNS], batch_size=BATCH)
    return new_users


def _email_on_commit(program_id: int, user_ids: list[int]) -> None:
    from tandem.enrolment.tasks import email_imported_people

    transaction.on_commit(lambda: email_imported_people.enqueue(program_id, user_ids))


def import_file(
    program: Program,
    *,
    file_name: str,
    content: bytes,
    mapping: Mapping[str, str] | None = None,
    dry_run: bool = False,
    by: User | None,
) -> tuple[ParticipantImport, Plan]:
    """Upload, check with ``mapping`` (or the automatic one) and, unless a dry run, import."""
    participant_import = upload_import(
        program, file_name=file_name, content=content, by=by, in_background=False
    )
    if mapping:
        merged = {**participant_import.mapping, **mapping}
        plan = check_import(participant_import, mapping=merged)
    else:
        plan = check_import(participant_import)
    if dry_run or plan.problems:
        return participant_import, plan
    plan = run_import(participant_import, by=by)
    participant_import.refresh_from_db()
    return participant_import, plan


# --- export --------------------------------------------------------------------------------


def _export_cell(question: ProfileQuestion, value: Any) -> Any:
    if not is_answered(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if question.kind == QuestionKind.LOCATION and isinstance(value, dict):
        return f"{value.get('city', '')}, {value.get('country', '')}"
    if isinstance(value, list):
        return f"{LIST_SEPARATOR} ".join(str(item) for item in value)
    return value


def export_rows(program: Program) -> Iterator[list[Any]]:
    """Heading row, then one row per mentor or mentee; demographic answers are left out."""
    from tandem.programs.models import Membership

    questions = importable_questions(program)
    yield EXPORT_PERSON_COLUMNS + [question.key for question in questions]
    memberships = (
        Membership.objects.filter(program=program)
        .participants()
        .select_related("user")
        .order_by("role", "user__email")
    )
    for membership in memberships.iterator(chunk_size=BATCH):
        user = membership.user
        yield [
            user.email,
            user.full_name,
            user.pronouns,
            membership.role,
            membership.status,
            *[_export_cell(q, membership.answers.get(q.key)) for q in questions],
        ]


def export_csv(program: Program) -> bytes:
    return write_csv(export_rows(program))


def export_xlsx(program: Program) -> bytes:
    return write_xlsx(export_rows(program), title="Participants")


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_file(program: Program, file_format: str, *, by: User | None) -> tuple[bytes, str, str]:
    """(content, file name, content type) of the program's export as ``csv`` or ``xlsx``.

    Exports hold personal data, so each one is written to the audit log.
    """
    if file_format not in CONTENT_TYPES:
        raise ServiceError("Export as csv or xlsx.", field="format")
    content = export_csv(program) if file_format == "csv" else export_xlsx(program)
    stamp = timezone.localdate().isoformat()
    name = f"{program.organization.slug}-{program.slug}-participants-{stamp}.{file_format}"
    record_audit(by, "participants.exported", program, changes={"format": file_format})
    return content, name, CONTENT_TYPES[file_format]
