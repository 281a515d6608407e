"""Benchmark: the coordinator's busiest enrolment pages on a 10,000-participant program, with
readiness stored on the membership against readiness computed live on every request.

Run from the repository root:

    PYTHONPATH=src .venv/bin/python benchmarks/busy_pages.py [--participants 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem \\
        PYTHONPATH=src .venv/bin/python benchmarks/busy_pages.py

In a fresh SQLite database — and a fresh PostgreSQL one when ``DATABASE_URL`` names one (a
scratch database ``<name>_busy_pages`` beside it, dropped afterwards) — it builds one program
with ``--participants`` mentors and mentees (the demo's generated people and starter questions,
about a third of them with answers left out), a confidentiality agreement accepted by about 70%,
one training module required of each role completed by about 60%, and 1,000 pairs. It then
computes everyone's stored readiness with ``refresh_readiness`` (timed), and measures with
Django's test client logged in as the coordinator, warm, ``--requests`` requests each (median
and 95th percentile of the server time, and the number of queries):

* the profiles page (first page, incomplete only, a search), the funnel (everyone, stuck at
  the profile step, approved without training), the relationships page, the new-pair page
  (which lists the ready people without a mentor and the mentors with places) and the API's
  funnel;
* the read path each of those pages had before the stored state, called alone: completeness of
  every member for the profiles page (the old ``profile_rows``), ``program_funnel`` (every
  member's readiness evaluated in Python) for the funnel and for the matching pool — against
  the read path they have now, in the same run, as a ratio.

Target: under 150 ms per page for one user.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _postgres import scratch_database  # sibling module: benchmarks run as scripts

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 150.0


def _timed(run: Callable[[], Any], requests: int) -> tuple[float, float, Any]:
    run()  # warm
    seconds = []
    result = None
    for _ in range(requests):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    p95 = seconds[min(len(seconds) - 1, round(0.95 * len(seconds)) - 1)]
    return statistics.median(seconds) * 1000, p95 * 1000, result


def build(participants: int) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from tandem.accounts.models import User
    from tandem.demo.seed import _bulk_people, generate_people
    from tandem.enrolment.models import (
        Agreement,
        AgreementAcceptance,
        TrainingCompletion,
        TrainingModule,
    )
    from tandem.enrolment.services.readiness import participants as program_participants
    from tandem.enrolment.services.readiness import refresh_readiness
    from tandem.enrolment.starter import install_starter_questions
    from tandem.mentoring.services.mentorships import PairSpec, create_pairs
    from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
    from tandem.programs.models import Membership, Organization, Program

    rng = random.Random(11)
    today = timezone.localdate()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    organization = Organization.objects.create(name="Bench", slug="bench")
    program = Program.objects.create(
        organization=organization,
        name="Big program",
        slug="big",
        status=ProgramStatus.ENROLLING,
        starts_on=today + dt.timedelta(days=14),
        ends_on=today + dt.timedelta(days=196),
    )
    password = make_password("bench-password")
    coordinator = User.objects.create(email="coordinator@bench.test", password=password)
    Membership.objects.create(
        program=program, user=coordinator, role=Role.COORDINATOR, status=MembershipStatus.APPROVED
    )
    install_starter_questions(program, by=coordinator)
    people = list(generate_people(participants, seed=5))
    for person in people:  # about a third leave answers out
        if rng.random() < 0.33:
            for key in rng.sample(sorted(person.answers), k=min(3, len(person.answers))):
                person.answers.pop(key)
    _bulk_people(program, people, password)
    members = list(program_participants(program.pk).order_by("pk"))
    statuses = [MembershipStatus.APPROVED] * 8 + [MembershipStatus.APPLIED]
    for membership in members:
        membership.status = rng.choice(statuses)
    Membership.objects.bulk_update(members, ["status"], batch_size=2000)
    agreement = Agreement.objects.create(program=program, version=1, text="Keep it private.")
    AgreementAcceptance.objects.bulk_create(
        [
            AgreementAcceptance(membership=membership, agreement=agreement)
            for membership in members
            if rng.random() < 0.7
        ],
        batch_size=2000,
    )
    modules = {
        role: TrainingModule.objects.create(
            program=program, title=f"Training for {role}s", body="Read me.", required_for=[role]
        )
        for role in (Role.MENTOR, Role.MENTEE)
    }
    TrainingCompletion.objects.bulk_create(
        [
            TrainingCompletion(membership=membership, module=modules[Role(membership.role)])
            for membership in members
            if rng.random() < 0.6
        ],
        batch_size=2000,
    )
    mentors = [m for m in members if m.role == Role.MENTOR]
    mentees = [m for m in members if m.role == Role.MENTEE]
    pairs = min(1000, len(mentors), len(mentees))
    create_pairs(
        program,
        [
            PairSpec(mentor_id=mentors[i].pk, mentee_id=mentees[i].pk, source="manual")
            for i in range(pairs)
        ],
    )
    timings["people, answers, acceptances, completions, pairs"] = time.perf_counter() - started
    started = time.perf_counter()
    refresh_readiness([membership.pk for membership in members])
    timings[f"refresh_readiness of all {len(members):,} participants"] = (
        time.perf_counter() - started
    )
    return {"program": program, "coordinator": coordinator, "timings": timings}


def _page(client: Any, url: str) -> Callable[[], tuple[int, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(queries), len(response.content)

    return run


def live_profile_rows(program: Any) -> int:
    """The profiles page's read before stored state: completeness of every member, in Python,
    then the first page of 50."""
    from tandem.enrolment.answers import completeness
    from tandem.enrolment.queries import questions_of
    from tandem.programs.enums import MembershipStatus, Role
    from tandem.programs.models import Membership

    questions = list(questions_of(program))
    labels = {q.key: q.label for q in questions}
    rows = []
    for membership in (
        Membership.objects.filter(
            program=program,
            role__in=[Role.MENTOR, Role.MENTEE],
            status__in=[MembershipStatus.APPROVED, MembershipStatus.APPLIED],
        )
        .select_related("user")
        .order_by("role", "user__full_name", "user__email")
    ):
        done = completeness(questions, membership.answers, membership.role)
        rows.append((membership, done, tuple(labels[key] for key in done.missing_required)))
    return len(rows[:50])


def stored_profile_rows(program: Any) -> int:
    from tandem.enrolment.queries import profile_rows
    from tandem.enrolment.services.readiness import refresh_stale_readiness

    refresh_stale_readiness(program)
    rows = profile_rows(program)
    return len(rows) + len(rows[:50])


def live_funnel(program: Any) -> int:
    from tandem.enrolment.readiness import program_funnel

    funnel = program_funnel(program)
    return len(funnel.rows()) + len(funnel.people[:100])


def stored_funnel(program: Any) -> int:
    from tandem.enrolment.readiness import funnel_people, funnel_summary, progress_of
    from tandem.enrolment.services.readiness import refresh_stale_readiness

    refresh_stale_readiness(program)
    summary = funnel_summary(program)
    people = funnel_people(program)
    return len(summary.rows()) + people.count() + len(progress_of(people[:100]))


def live_pool(program: Any) -> int:
    from tandem.enrolment.readiness import program_funnel

    funnel = program_funnel(program)
    return sum(1 for person in funnel.people if person.readiness.ready)


def stored_pool(program: Any) -> int:
    from tandem.matches.problem import ready_pool

    mentees, mentors = ready_pool(program)
    return len(mentees) + len(mentors)


def run_backend(label: str, participants: int, requests: int) -> list[list[str]]:
    """Inside a process whose DATABASE_URL names a fresh database: migrate, build, measure."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", "--no-input", verbosity=0)
    from django.test import Client

    world = build(participants)
    program = world["program"]
    client = Client()
    client.force_login(world["coordinator"])
    base = program.get_absolute_url()
    api = f"/api/v1/organizations/{program.organization.slug}/programs/{program.slug}/funnel"
    rows: list[list[str]] = [
        [label, "build", name, f"{seconds * 1000:.0f}", "", ""]
        for name, seconds in world["timings"].items()
    ]
    pages = [
        ("profiles: first page", base + "profiles/"),
        ("profiles: incomplete only", base + "profiles/?incomplete=on"),
        ("profiles: search “ana”", base + "profiles/?q=ana"),
        ("funnel: everyone", base + "funnel/"),
        ("funnel: stuck at the profile", base + "funnel/?step=profile"),
        ("funnel: approved, training not done", base + "funnel/?missing=trained"),
        ("relationships", base + "relationships/"),
        ("new pair (ready people without a mentor)", base + "relationships/new/"),
    ]
    for name, url in pages:
        median, p95, (queries, _size) = _timed(_page(client, url), requests)
        rows.append([label, "page", name, f"{median:.1f}", f"{p95:.1f}", str(queries)])
    api_client = Client()
    api_client.force_login(world["coordinator"])
    median, p95, (queries, _size) = _timed(_page(api_client, api), requests)
    rows.append([label, "page", "API: GET funnel", f"{median:.1f}", f"{p95:.1f}", str(queries)])
    for name, live, stored in [
        ("profiles read", live_profile_rows, stored_profile_rows),
        ("funnel read", live_funnel, stored_funnel),
        ("matching pool (ready_pool)", live_pool, stored_pool),
    ]:
        live_median, _, _ = _timed(lambda live=live: live(program), max(3, requests // 4))
        stored_median, _, _ = _timed(lambda stored=stored: stored(program), requests)
        rows.append([label, "read", name, f"{live_median:.1f}", f"{stored_median:.1f}", "ratio"])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--backend", help=argparse.SUPPRESS)  # set for the child processes
    parser.add_argument("--results", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.backend:  # child: one database
        results = run_backend(options.backend, options.participants, options.requests)
        with open(options.results, "w", newline="") as handle:
            csv.writer(handle).writerows(results)
        return 0

    database_url = os.environ.get("DATABASE_URL", "")
    all_rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="tandem-busy-pages-") as temporary:
        backends: list[tuple[str, str, Any]] = [
            ("SQLite", f"sqlite:///{temporary}/bench.sqlite3", None)
        ]
        if database_url.startswith(("postgres://", "postgresql://")):
            scratch_url, drop = scratch_database(database_url, "busy_pages")
            backends.append(("PostgreSQL", scratch_url, drop))
        for label, url, drop in backends:
            results_file = Path(temporary) / f"{label}.csv"
            environment = {
                **os.environ,
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "tandem.settings",
                "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
                "TANDEM_DATA_DIR": temporary,
                "ALLOWED_HOSTS": "testserver",
                "TASK_BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
                "PYTHONPATH": os.pathsep.join(
                    [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
                ),
            }
            print(f"{label}: {options.participants:,} participants…", flush=True)
            try:
                subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--backend",
                        label,
                        "--participants",
                        str(options.participants),
                        "--requests",
                        str(options.requests),
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
                all_rows += list(csv.reader(handle))

    print()
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs")
    print("| database | page | median ms | p95 ms | queries |")
    print("| --- | --- | ---: | ---: | ---: |")
    for label, kind, name, median, p95, queries in all_rows:
        if kind == "page":
            flag = "" if float(p95) < TARGET_MS else " (over target)"
            print(f"| {label} | {name} | {median} | {p95}{flag} | {queries} |")
    print()
    print("| database | read path alone | live, median ms | stored, median ms | live ÷ stored |")
    print("| --- | --- | ---: | ---: | ---: |")
    for label, kind, name, live, stored, _ in all_rows:
        if kind == "read":
            ratio = float(live) / float(stored)
            print(f"| {label} | {name} | {live} | {stored} | {ratio:.0f} |")
    print()
    for label, kind, name, milliseconds, _, _ in all_rows:
        if kind == "build":
            print(f"{label} build: {name}: {int(milliseconds) / 1000:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
