"""Benchmark: importing 10,000 participants from CSV and XLSX, against the naive way.

Run from the repository root:

    PYTHONPATH=src .venv/bin/python benchmarks/import_participants.py [--rows 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem \\
        PYTHONPATH=src .venv/bin/python benchmarks/import_participants.py

It generates ``--rows`` people with ``tandem.demo.seed.generate_people`` (22 profile answers
each), writes them to a CSV and an XLSX file laid out like Tandem's own export, and imports each
file into a fresh SQLite database — and a fresh PostgreSQL database when ``DATABASE_URL`` names
one (a scratch database ``<name>_import_bench`` is created beside it and dropped afterwards).

For each backend and format it times, separately:
* **dry run** — read the file, check every row against the program's questions, compare with the
  program's members (``upload_import``: what the coordinator's preview costs);
* **import** — ``run_import``: check again inside the transaction, then write in bulk;
* **re-import** — the same file again (upload, check, import): every row is "unchanged";
* **naive** — the alternative a first version would write: the same file reading and the same
  answer checks, then per row ``User.objects.get_or_create`` + ``EmailAddress.get_or_create`` +
  ``Membership.objects.get_or_create`` + ``save()``, all in one transaction.

Ratios are naive ÷ Tandem for the same work (check + write): above 1 means Tandem is faster.
Each measurement starts from a database without the generated people.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

from _postgres import scratch_database  # sibling module: benchmarks run as scripts

ROOT = Path(__file__).resolve().parent.parent


def _questions() -> list[dict[str, Any]]:
    from tandem.demo import seed
    from tandem.enrolment.enums import Audience
    from tandem.enrolment.enums import QuestionKind as K

    values = ["growth", "fairness", "curiosity", "service", "craft", "family", "independence"]
    values.append("community")
    rows: list[tuple[str, str, dict[str, Any]]] = [
        ("interests", K.MULTIPLE_CHOICE, {"choices": list(seed.INTERESTS)}),
        ("values", K.MULTIPLE_CHOICE, {"choices": values}),
        ("industry", K.SINGLE_CHOICE, {"choices": list(seed.INDUSTRIES)}),
        ("years_experience", K.NUMBER, {"min_value": 0, "max_value": 60}),
        ("seniority", K.SINGLE_CHOICE, {"choices": list(seed.SENIORITY)}),
        ("employer", K.TEXT, {}),
        ("college", K.TEXT, {}),
        ("team", K.TEXT, {}),
        ("manager", K.TEXT, {}),
        ("location", K.LOCATION, {}),
        ("time_zone", K.TIME_ZONE, {}),
        ("availability", K.AVAILABILITY, {}),
        ("languages", K.LANGUAGES, {}),
        ("hours_per_month", K.NUMBER, {"min_value": 0, "max_value": 40}),
        ("communication_style", K.SINGLE_CHOICE, {"choices": list(seed.COMMUNICATION_STYLES)}),
        ("learning_preference", K.SINGLE_CHOICE, {"choices": list(seed.LEARNING_PREFERENCES)}),
        ("prefers_other_team", K.YES_NO, {}),
        ("skills_offered", K.MULTIPLE_CHOICE, {"choices": list(seed.SKILLS)}),
        ("capacity", K.NUMBER, {"min_value": 1, "max_value": 10}),
        ("experience", K.TEXT, {}),
        ("skills_wanted", K.MULTIPLE_CHOICE, {"choices": list(seed.SKILLS)}),
        ("goals", K.TEXT, {}),
    ]
    audience = {
        "skills_offered": Audience.MENTORS,
        "capacity": Audience.MENTORS,
        "experience": Audience.MENTORS,
        "skills_wanted": Audience.MENTEES,
        "goals": Audience.MENTEES,
    }
    return [
        {
            "key": key,
            "label": key.replace("_", " ").capitalize(),
            "kind": kind,
            "audience": audience.get(key, Audience.BOTH),
            "position": position,
            **extra,
        }
        for position, (key, kind, extra) in enumerate(rows)
    ]


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return f"{value['city']}, {value['country']}"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return value


def _ascii(email: str) -> str:
    """generate_people spells some addresses with accents (müller); Django's e-mail validator,
    and so Tandem's sign-up and import, accepts ASCII local parts only."""
    return unicodedata.normalize("NFKD", email).encode("ascii", "ignore").decode()


def write_files(rows: int, directory: Path) -> dict[str, Path]:
    import openpyxl

    from tandem.demo.seed import generate_people

    keys = [question["key"] for question in _questions()]
    table: list[list[Any]] = [["email", "full_name", "pronouns", "role", *keys]]
    for person in generate_people(rows, seed=11):
        answers = person.answers
        table.append(
            [
                _ascii(person.email),
                person.full_name,
                person.pronouns,
                person.role.value,
                *[_cell(answers.get(key, "")) for key in keys],
            ]
        )
    csv_path = directory / "people.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    csv_path.write_text(buffer.getvalue(), encoding="utf-8")
    xlsx_path = directory / "people.xlsx"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Participants")
    for row in table:
        sheet.append(row)
    workbook.save(xlsx_path)
    return {"csv": csv_path, "xlsx": xlsx_path}


def naive_import(program: Any, file_name: str, content: bytes) -> int:
    """Per-row get_or_create and save in one transaction, with the same checks as Tandem's."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from tandem.accounts.models import User
    from tandem.enrolment.services import imports
    from tandem.programs.enums import MembershipStatus
    from tandem.programs.models import Membership

    sheet = imports.read_sheet(file_name, content)
    questions = {q.key: q for q in imports.importable_questions(program)}
    mapping = imports.auto_mapping(sheet.headings, questions.values())
    columns = [(i, h, mapping[h]) for i, h in enumerate(sheet.headings) if mapping[h]]
    clean = imports._AnswerCleaner()
    written = 0
    with transaction.atomic():
        for number, cells in enumerate(sheet.rows, start=2):
            problems: list[imports.Problem] = []
            person = imports._check_row(number, cells, columns, questions, clean, problems)
            if person is None:
                raise SystemExit(f"naive import: row {number} is bad: {problems}")
            user, created = User.objects.get_or_create(
                email=person.email,
                defaults={
                    "full_name": person.full_name or "",
                    "pronouns": person.pronouns or "",
                    "password": make_password(None),
                },
            )
            if created:
                EmailAddress.objects.get_or_create(
                    user=user, email=user.email, defaults={"verified": True, "primary": True}
                )
            membership, _ = Membership.objects.get_or_create(
                program=program,
                user=user,
                defaults={"role": person.role, "status": MembershipStatus.APPROVED},
            )
            membership.answers = {**membership.answers, **person.answers}
            membership.save()
            written += 1
    return written


def run_backend(label: str, rows: int, directory: Path) -> list[tuple[str, str, str, float]]:
    """Inside a process whose DATABASE_URL names a fresh database: migrate, then measure."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", "--verbosity", "0")
    from django.utils import timezone

    from tandem.accounts.models import User
    from tandem.enrolment.models import ParticipantImport, ProfileQuestion
    from tandem.enrolment.services import imports
    from tandem.programs.enums import ProgramStatus
    from tandem.programs.models import Membership, Organization, Program

    today = timezone.localdate()
    files = write_files(rows, directory)
    coordinator = User.objects.create_user("bench-coordinator@example.org", "x" * 12)
    organization = Organization.objects.create(name="Bench", slug="bench")
    program = Program.objects.create(
        organization=organization,
        name="Bench program",
        slug="bench",
        status=ProgramStatus.ENROLLING,
        starts_on=today,
        ends_on=today + dt.timedelta(days=180),
    )
    ProfileQuestion.objects.bulk_create(
        [ProfileQuestion(program=program, **question) for question in _questions()]
    )

    def reset() -> None:
        Membership.objects.filter(program=program).delete()
        User.objects.filter(email__endswith="@people.tandem.test").delete()
        ParticipantImport.objects.all().delete()

    results: list[tuple[str, str, str, float]] = []
    for file_format, path in files.items():
        content = path.read_bytes()
        reset()
        started = time.perf_counter()
        participant_import = imports.upload_import(
            program, file_name=path.name, content=content, by=coordinator
        )
        dry_run = time.perf_counter() - started
        problems = participant_import.report.get("problem_count")
        if problems or participant_import.report.get("mapping_error"):
            raise SystemExit(f"the generated file has problems: {participant_import.report}")
        started = time.perf_counter()
        plan = imports.run_import(participant_import, by=coordinator)
        write = time.perf_counter() - started
        assert plan.created == rows, plan.report()
        started = time.perf_counter()
        _, again = imports.import_file(
            program, file_name=path.name, content=content, by=coordinator
        )
        reimport = time.perf_counter() - started
        assert (again.created, again.updated, again.unchanged) == (0, 0, rows), again.report()
        reset()
        started = time.perf_counter()
        naive_import(program, path.name, content)
        naive = time.perf_counter() - started
        assert Membership.objects.filter(program=program).count() == rows
        results += [
            (label, file_format, "dry run (read + check)", dry_run),
            (label, file_format, "import (check + write)", write),
            (label, file_format, "dry run + import", dry_run + write),
            (label, file_format, "re-import, all unchanged", reimport),
            (label, file_format, "naive get_or_create per row", naive),
        ]
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--backend", help=argparse.SUPPRESS)  # set for the child processes
    parser.add_argument("--results", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.backend:  # child: one database
        directory = Path(options.results).parent
        results = run_backend(options.backend, options.rows, directory)
        with open(options.results, "w", newline="") as handle:
            csv.writer(handle).writerows(results)
        return 0

    database_url = os.environ.get("DATABASE_URL", "")
    all_results: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="tandem-import-bench-") as temporary:
        backends: list[tuple[str, str, Any]] = [
            ("SQLite", f"sqlite:///{temporary}/bench.sqlite3", None)
        ]
        if database_url.startswith(("postgres://", "postgresql://")):
            scratch_url, drop = scratch_database(database_url, "import_bench")
            backends.append(("PostgreSQL", scratch_url, drop))
        for label, url, drop in backends:
            results_file = Path(temporary) / f"{label}.csv"
            environment = {
                **os.environ,
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "tandem.settings",
                "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
                "TANDEM_DATA_DIR": temporary,
                "TASK_BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
                "PYTHONPATH": os.pathsep.join(
                    [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
                ),
            }
            print(f"{label}: importing {options.rows:,} rows from CSV and XLSX…", flush=True)
            try:
                subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--backend",
                        label,
                        "--rows",
                        str(options.rows),
                        "--results",
                        str(results_file),
                    ],
                    env=environment,
                    check=True,
                )
            finally:
                if drop is not None:
                    drop()
            with open(results_file, newline="") as handle:
                all_results += list(csv.reader(handle))

    print()
    print(f"{'database':<11} {'file':<5} {'step':<30} {'seconds':>8} {'rows/s':>9} {'naive ÷':>8}")
    print("-" * 76)
    naive = {
        (backend, file_format): float(seconds)
        for backend, file_format, step, seconds in all_results
        if step.startswith("naive")
    }
    for backend, file_format, step, seconds_text in all_results:
        seconds = float(seconds_text)
        ratio = (
            f"{naive[(backend, file_format)] / seconds:.1f}×"
            if step in {"import (check + write)", "dry run + import"}
            else ""
        )
        print(
            f"{backend:<11} {file_format:<5} {step:<30} {seconds:>8.2f} "
            f"{options.rows / seconds:>9,.0f} {ratio:>8}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
