"""Benchmark: web writes and log-ins while a 200,000-row import runs, on SQLite.

Run from the repository root:

    PYTHONPATH=src .venv/bin/python benchmarks/import_under_load.py [--rows 200000] [--writers 4]

SQLite has one writer at a time. An import that checks and writes its rows inside one
transaction (``run_import_in_one_transaction``, the earlier way, kept callable for this
comparison) holds the write lock for as long as that takes, and every web write waiting longer
than the busy timeout (20 s) fails with "database is locked". ``run_import`` checks outside
any transaction, stages the rows in short transactions and switches them live in one short
step (``tandem.enrolment.services.staging``).

For each way, on a copy of the same prepared database (a program, ``--writers`` people
logged in, and the ``--rows``-row file uploaded and checked):

* one process runs the import, as the worker would;
* another makes web requests through Django's test client: ``--writers`` threads each save
  their e-mail preferences (a write, in a transaction) in a loop, and one thread logs a
  person in (password checked, session written) every two seconds, from just before the
  import starts until just after it ends.

It reports the import's duration, the writes and log-ins made and how many failed (any
exception or 5xx), and the longest a write waited. The figures go in
``docs/benchmarks/import-under-load.md``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password-1"  # noqa: S105 -- a throwaway database's test accounts
#: (label, import function, whether web writes retry a locked database)
MODES = [
    ("before: one transaction, no retry", "run_import_in_one_transaction", False),
    ("staged + switch, no retry", "run_import", False),
    ("after: staged + switch, retry", "run_import", True),
]


def _env(database: Path, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "tandem.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "TANDEM_DATA_DIR": str(data_dir),
        "SECRET_KEY": "import-under-load-benchmark",
        "DEBUG": "true",
        "ALLOWED_HOSTS": "testserver",
        "EMAIL_URL": "dummy://",
        "LOG_LEVEL": "WARNING",
    }


def _people_file(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "full name", "role", "pronouns", "years", "team"])
    for n in range(rows):
        role = "mentor" if n % 4 == 0 else "mentee"
        writer.writerow([f"person{n}@load.test", f"Person {n}", role, "", n % 30, f"Team {n % 97}"])
    return buffer.getvalue().encode()


def setup(rows: int, writers: int, logins: int) -> None:
    """Migrate, create the program and its people, upload and check the file."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    call_command("migrate", "--no-input", "--verbosity", "0")
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from tandem.accounts.models import User
    from tandem.enrolment.enums import QuestionKind
    from tandem.enrolment.models import ProfileQuestion
    from tandem.enrolment.services.imports import upload_import
    from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
    from tandem.programs.models import Membership, Organization, Program

    organization = Organization.objects.create(name="Load", slug="load")
    today = timezone.localdate()
    program = Program.objects.create(
        organization=organization,
        name="Big",
        slug="big",
        status=ProgramStatus.ENROLLING,
        starts_on=today,
        ends_on=today + dt.timedelta(days=180),
    )
    ProfileQuestion.objects.create(
        program=program, key="years", label="Years", kind=QuestionKind.NUMBER, min_value=0
    )
    ProfileQuestion.objects.create(
        program=program, key="team", label="Team", kind=QuestionKind.TEXT
    )
    password = make_password(PASSWORD)
    people = [
        User.objects.create(email=f"web{n}@load.test", full_name=f"Web {n}", password=password)
        for n in range(writers + logins)
    ]
    for user in people:
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        Membership.objects.create(
            program=program, user=user, role=Role.MENTEE, status=MembershipStatus.APPROVED
        )
    coordinator = people[0]
    started = time.perf_counter()
    participant_import = upload_import(
        program,
        file_name="people.csv",
        content=_people_file(rows),
        by=coordinator,
        in_background=False,
    )
    print(
        json.dumps(
            {
                "import_id": participant_import.pk,
                "rows": participant_import.report.get("rows"),
                "problems": participant_import.report.get("problem_count"),
                "check_seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


def run_import(function: str, import_id: int) -> None:
    import django

    django.setup()
    from tandem.accounts.models import User
    from tandem.enrolment.models import ParticipantImport
    from tandem.enrolment.services import imports

    participant_import = ParticipantImport.objects.get(pk=import_id)
    by = User.objects.get(email="web0@load.test")
    started = time.perf_counter()
    plan = getattr(imports, function)(participant_import, by=by)
    print(json.dumps({"seconds": round(time.perf_counter() - started, 1), "created": plan.created}))


def load(writers: int, logins: int, stop_file: Path, retry: bool) -> None:
    """Web writes and log-ins through the test client until ``stop_file`` exists."""
    import django

    django.setup()
    from tandem.core.sqlite3 import base

    if not retry:  # as Django's own backend: fail when the busy timeout expires
        base.LOCKED_RETRIES = 0
    from django.db import connection
    from django.test import Client

    from tandem.accounts.models import User
    from tandem.notifications.enums import NotificationKind

    kinds = [kind.value for kind in NotificationKind]
    results: dict[str, list[Any]] = {"writes": [], "logins": []}
    lock = threading.Lock()

    def record(kind: str, ok: bool, seconds: float, error: str = "") -> None:
        with lock:
            results[kind].append((ok, seconds, error))

    clients = []
    for n in range(writers):
        client = Client()
        client.force_login(User.objects.get(email=f"web{n}@load.test"))
        client.post("/me/notifications/", {})  # warm: templates and URLs loaded before timing
        clients.append(client)
    connection.close()

    def write_loop(number: int, client: Client) -> None:
        count = 0
        while not stop_file.exists():
            count += 1
            data = {kind: "on" for position, kind in enumerate(kinds) if (position + count) % 2}
            started = time.perf_counter()
            try:
                response = client.post("/me/notifications/", data)
                ok, error = response.status_code < 500, f"HTTP {response.status_code}"
            except Exception as exception:  # noqa: BLE001 -- every failure is counted, by kind
                ok, error = False, f"{type(exception).__name__}: {exception}"
            record("writes", ok, time.perf_counter() - started, "" if ok else error)
            time.sleep(0.05)
        connection.close()

    def login_loop() -> None:
        number = 0
        while not stop_file.exists() and number < logins:
            client = Client()
            started = time.perf_counter()
            try:
                response = client.post(
                    "/accounts/login/",
                    {"login": f"web{writers + number}@load.test", "password": PASSWORD},
                )
                ok = response.status_code == 302
                error = "" if ok else f"HTTP {response.status_code}"
            except Exception as exception:  # noqa: BLE001 -- every failure is counted, by kind
                ok, error = False, f"{type(exception).__name__}: {exception}"
            record("logins", ok, time.perf_counter() - started, error)
            number += 1
            time.sleep(2)
        connection.close()

    threads = [
        threading.Thread(target=write_loop, args=(number, client))
        for number, client in enumerate(clients)
    ]
    threads.append(threading.Thread(target=login_loop))
    print("ready", flush=True)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    summary: dict[str, Any] = {}
    for kind, made in results.items():
        waits = sorted(seconds for _ok, seconds, _error in made)
        errors = sorted({error for ok, _seconds, error in made if not ok})
        summary[kind] = {
            "made": len(made),
            "failed": sum(1 for ok, _seconds, _error in made if not ok),
            "p50_ms": round(statistics.median(waits) * 1000) if waits else None,
            "max_ms": round(waits[-1] * 1000) if waits else None,
            "errors": errors[:3],
        }
    print(json.dumps(summary), flush=True)


def _checkpoint(database: Path) -> None:
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--logins", type=int, default=30)
    parser.add_argument("--role", default="main", help=argparse.SUPPRESS)
    parser.add_argument("--function", default="", help=argparse.SUPPRESS)
    parser.add_argument("--import-id", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--stop-file", default="", help=argparse.SUPPRESS)
    parser.add_argument("--retry", default="yes", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.role == "setup":
        setup(options.rows, options.writers, options.logins)
        return 0
    if options.role == "import":
        run_import(options.function, options.import_id)
        return 0
    if options.role == "load":
        load(options.writers, options.logins, Path(options.stop_file), options.retry == "yes")
        return 0

    script = [sys.executable, __file__, "--writers", str(options.writers)]
    script += ["--logins", str(options.logins), "--rows", str(options.rows)]
    with tempfile.TemporaryDirectory(prefix="tandem-import-load-") as scratch:
        directory = Path(scratch)
        base = directory / "base.sqlite3"
        print(f"preparing {options.rows:,} rows …", file=sys.stderr)
        prepared = subprocess.run(
            [*script, "--role", "setup"],
            env=_env(base, directory),
            check=True,
            capture_output=True,
            text=True,
        )
        prepared_figures = json.loads(prepared.stdout.strip().splitlines()[-1])
        _checkpoint(base)
        figures: dict[str, Any] = {"prepared": prepared_figures}
        for number, (label, function, retry) in enumerate(MODES):
            database = directory / f"run{number}.sqlite3"
            shutil.copy(base, database)
            env = _env(database, directory)
            stop_file = directory / f"run{number}.stop"
            load_arguments = ["--role", "load", "--stop-file", str(stop_file)]
            load_arguments += ["--retry", "yes" if retry else "no"]
            load_process = subprocess.Popen(
                [*script, *load_arguments],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert load_process.stdout is not None
            assert load_process.stdout.readline().strip() == "ready"
            time.sleep(2)  # writes before the import starts, too
            print(f"{label}: importing …", file=sys.stderr)
            imported = subprocess.run(
                [
                    *script,
                    "--role",
                    "import",
                    "--function",
                    function,
                    "--import-id",
                    str(prepared_figures["import_id"]),
                ],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            time.sleep(2)
            stop_file.touch()
            load_output, _ = load_process.communicate(timeout=120)
            database.unlink()
            figures[label] = {
                "import": json.loads(imported.stdout.strip().splitlines()[-1]),
                **json.loads(load_output.strip().splitlines()[-1]),
            }
            print(json.dumps({label: figures[label]}), file=sys.stderr)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
