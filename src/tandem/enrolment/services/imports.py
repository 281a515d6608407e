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

import contextlib
import csv
import datetime as dt
import io
import secrets
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

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
MAX_FILE_BYTES = 20 * 1024 * 1024

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


def read_sheet(file_name: str, content: bytes) -> Sheet:
    """Read the first sheet of an XLSX workbook, or a CSV file (comma, semicolon or tab)."""
    if not content:
        raise ServiceError("The file is empty.", field="file")
    if len(content) > MAX_FILE_BYTES:
        raise ServiceError("The file is larger than 20 MB: split it.", field="file")
    raw_rows: Sequence[Sequence[Any]]
    if file_name.lower().endswith(".xlsx"):
        raw_rows = _read_xlsx(content)
    elif file_name.lower().endswith((".csv", ".txt")):
        raw_rows = _read_csv(content)
    else:
        raise ServiceError("Upload a .csv or .xlsx file.", field="file")
    return _sheet_of_rows(raw_rows)


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


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _read_xlsx(content: bytes) -> list[Sequence[Any]]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError):
        raise ServiceError("This is not a readable .xlsx workbook.", field="file") from None
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
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
    program: Program, *, file_name: str, content: bytes, by: User | None
) -> ParticipantImport:
    """Store an uploaded spreadsheet and map its columns automatically; check it at once."""
    sheet = read_sheet(file_name, content)
    mapping = auto_mapping(sheet.headings, importable_questions(program))
    with transaction.atomic():
        participant_import = ParticipantImport.objects.create(
            program=program,
            uploaded_by=by,
            file_name=file_name[:200],
            # XLSX is slow to parse: keep the first sheet's text as CSV (data is all we use).
            content=sheet_as_csv(sheet) if content[:4] == XLSX_SIGNATURE else content,
            mapping=mapping,
        )
        record_audit(by, "import.uploaded", participant_import, changes={"file": file_name})
    # A mapping problem stays in the report: the mapping page shows it, to fix there.
    with contextlib.suppress(ServiceError):
        _store_check(participant_import, sheet)
    return participant_import


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
    return failed


def run_import(
    participant_import: ParticipantImport, *, by: User | None, email_new_people: bool = False
) -> Plan:
    """Import the file all-or-nothing: any bad row and nothing at all is written."""
    with transaction.atomic():
        participant_import = (
            ParticipantImport.objects.select_for_update()
            .select_related("program__organization")
            .get(pk=participant_import.pk)
        )
        if participant_import.status == ImportStatus.IMPORTED:
            raise ServiceError("This file was already imported.")
        program = participant_import.program
        plan = plan_import(program, sheet_of(participant_import), participant_import.mapping)
        if plan.problems:
            participant_import.status = ImportStatus.REJECTED
            participant_import.report = plan.report()
            participant_import.save(update_fields=["status", "report"])
            first = plan.problems[0]
            raise ServiceError(
                f"Nothing was imported: {len(plan.problems)} row problem(s), the first on row "
                f"{first.row}, column “{first.column}”: {first.reason}"
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                new_users = _write_plan(program, plan, now)
                refresh_members_readiness(
                    program, [membership.pk for membership in plan.changed_memberships]
                )
        except IntegrityError:
            raise ServiceError(
                "Someone else added some of these people while this import ran: nothing was "
                "imported. Check the file again, then import."
            ) from None
        participant_import.status = ImportStatus.IMPORTED
        participant_import.imported_at = now
        participant_import.report = {**plan.report(), "job": "done"}
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
        if email_new_people and new_users:
            user_ids = [user.pk for user in new_users]
            program_id = program.pk
            for start in range(0, len(user_ids), BATCH):
                _email_on_commit(program_id, user_ids[start : start + BATCH])
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
    participant_import = upload_import(program, file_name=file_name, content=content, by=by)
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
