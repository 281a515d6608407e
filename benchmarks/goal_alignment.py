"""Benchmark: the coordinator's goal-alignment page and the goal-achievement figures of a
program with 10,000 mentorships and 40,000 goals, on SQLite and (with DATABASE_URL) PostgreSQL.

Run from the repository root:

    PYTHONPATH=src .venv/bin/python benchmarks/goal_alignment.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem \\
        PYTHONPATH=src .venv/bin/python benchmarks/goal_alignment.py

Each database is fresh (SQLite in a temporary directory; PostgreSQL in a scratch database
``<name>_goals_bench`` created beside the one named and dropped afterwards). In it, two
programs of the same organization, each with five SMART objectives:

* **big** — ``--mentorships`` pairs (10,000: 20,000 people) with four goals each on average
  (2–6, exactly 40,000 in all): 3 % suggestions, 12 % drafts, 55 % active, 22 % achieved,
  8 % dropped; 70 % serve one of the objectives, 3 % shared with the program; three milestones
  per goal, the done ones celebrated, spread over the last 84 days (so that "this month"
  counts something);
* **small** — the same at a tenth of the size (1,000 pairs, 4,000 goals), for the scaling.

Measured warm, ``--requests`` times each (median and 95th percentile; the number of queries of
one run), through Django's test client logged in as the coordinator: the alignment page (its
first, a middle and its last page of 50 mentorships) and the API's alignment and figures
endpoints; and, the query functions alone, ``alignment()`` and ``program_figures()``.

The alternatives, in the same run and on the same rows: the matrix computed the naive way —
one query per mentorship for its goals (an N+1 over 10,000), or every goal of the program
loaded as a model instance and counted in Python.

Target (issue #14): under 500 ms, with the same number of queries at 1,000 and 10,000.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import platform
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
TARGET_MS = 500.0
GOALS_PER_MENTORSHIP = (2, 3, 4, 5, 6)  # four on average
OBJECTIVES = (
    "Mentees step into leadership",
    "Mentees feel ready for their next role",
    "Pairs keep meeting monthly",
    "Women in engineering are promoted",
    "Mentees stay with the company",
)


def _timed(run: Callable[[], Any], requests: int, *, warm: bool = True) -> tuple[float, float, Any]:
    if warm:
        run()
    seconds = []
    result = None
    for _ in range(requests):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    p95 = seconds[min(len(seconds) - 1, round(0.95 * len(seconds)) - 1)]
    return statistics.median(seconds) * 1000, p95 * 1000, result


def _counted(run: Callable[[], Any]) -> Callable[[], tuple[int, Any]]:
    """``run`` returning (the number of queries it sent, its result). Counted by an execute
    wrapper, not Django's query log, which keeps only the last 9,000."""
    from django.db import connection

    def counted() -> tuple[int, Any]:
        sent = 0

        def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal sent
            sent += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            result = run()
        return sent, result

    return counted


def build(organization: Any, slug: str, mentorships: int, seed: int) -> dict[str, Any]:
    """One program with ``mentorships`` pairs, their goals, milestones and celebrations."""
    import random

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from tandem.accounts.models import User
    from tandem.demo.history import _own_timestamps
    from tandem.growth.enums import CelebrationKind, GoalStatus
    from tandem.growth.models import Celebration, Goal, Milestone
    from tandem.mentoring.services.mentorships import PairSpec, create_pairs
    from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
    from tandem.programs.models import Membership, Objective, Program

    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    program = Program.objects.create(
        organization=organization,
        name=f"Program {slug}",
        slug=slug,
        status=ProgramStatus.ACTIVE,
        starts_on=today - dt.timedelta(days=84),
        ends_on=today + dt.timedelta(days=98),
    )
    objectives = [
        Objective.objects.create(
            program=program,
            statement=statement,
            metric="mentees",
            target_value=50,
            deadline=program.ends_on,
            position=n,
        )
        for n, statement in enumerate(OBJECTIVES)
    ]
    password = make_password("bench-password")
    coordinator = User.objects.create(email=f"coordinator@{slug}.test", password=password)
    Membership.objects.create(
        program=program, user=coordinator, role=Role.COORDINATOR, status=MembershipStatus.APPROVED
    )
    users = User.objects.bulk_create(
        [
            User(email=f"person{i}@{slug}.test", full_name=f"Person {slug} {i}", password=password)
            for i in range(2 * mentorships)
        ],
        batch_size=2000,
    )
    memberships = Membership.objects.bulk_create(
        [
            Membership(
                program=program,
                user=user,
                role=Role.MENTOR if i % 2 == 0 else Role.MENTEE,
                status=MembershipStatus.APPROVED,
            )
            for i, user in enumerate(users)
        ],
        batch_size=2000,
    )
    relationships = create_pairs(
        program,
        [
            PairSpec(
                mentor_id=memberships[2 * i].pk,
                mentee_id=memberships[2 * i + 1].pk,
                source="manual",
            )
            for i in range(mentorships)
        ],
        started_at=now - dt.timedelta(days=84),
    )
    timings["people and mentorships"] = time.perf_counter() - started

    started = time.perf_counter()
    statuses = (
        [GoalStatus.SUGGESTED] * 3
        + [GoalStatus.DRAFT] * 12
        + [GoalStatus.ACTIVE] * 55
        + [GoalStatus.ACHIEVED] * 22
        + [GoalStatus.DROPPED] * 8
    )
    goals: list[Goal] = []
    done_counts: list[int] = []
    for n, relationship in enumerate(relationships):
        assert relationship.mentorship_id is not None
        for position in range(GOALS_PER_MENTORSHIP[n % len(GOALS_PER_MENTORSHIP)]):
            status = rng.choice(statuses)
            done = 3 if status == GoalStatus.ACHIEVED else 0
            if status in (GoalStatus.ACTIVE, GoalStatus.DROPPED):
                done = rng.randint(0, 3)
            created = now - dt.timedelta(days=rng.randint(20, 84))
            goals.append(
                Goal(
                    mentorship_id=relationship.mentorship_id,
                    program_id=program.pk,
                    owner_id=relationship.mentee_id,
                    statement=f"Private goal {n}-{position}: lead two committee meetings",
                    measure="Two meetings chaired",
                    deadline=today + dt.timedelta(days=rng.randint(10, 90)),
                    objective_id=rng.choice(objectives).pk if rng.random() < 0.7 else None,
                    status=status,
                    progress=round(done * 100 / 3),
                    achieved_at=(
                        now - dt.timedelta(days=rng.randint(0, 60))
                        if status == GoalStatus.ACHIEVED
                        else None
                    ),
                    shared_with_program=rng.random() < 0.03,
                    position=position,
                    created_at=created,
                    updated_at=created,
                )
            )
            done_counts.append(done)
    with _own_timestamps(Goal, Milestone, Celebration):
        goals = Goal.objects.bulk_create(goals, batch_size=2000)
        milestones = Milestone.objects.bulk_create(
            [
                Milestone(
                    goal_id=goal.pk,
                    title=f"Step {step + 1}",
                    due_on=goal.deadline,
                    owner_id=goal.owner_id,
                    done_at=(now - dt.timedelta(days=rng.randint(0, 84)) if step < done else None),
                    done_by_id=goal.owner_id if step < done else None,
                    position=step,
                    created_at=goal.created_at,
                )
                for goal, done in zip(goals, done_counts, strict=True)
                for step in range(3)
            ],
            batch_size=2000,
        )
        goal_of = {goal.pk: goal for goal in goals}
        celebrations = [
            Celebration(
                program_id=program.pk,
                mentorship_id=goal_of[milestone.goal_id].mentorship_id,
                goal_id=milestone.goal_id,
                milestone_id=milestone.pk,
                kind=CelebrationKind.MILESTONE_DONE,
                key=f"milestone:{milestone.pk}",
                created_at=milestone.done_at,
            )
            for milestone in milestones
            if milestone.done_at is not None
        ] + [
            Celebration(
                program_id=program.pk,
                mentorship_id=goal.mentorship_id,
                goal_id=goal.pk,
                kind=CelebrationKind.GOAL_ACHIEVED,
                key=f"goal:{goal.pk}:{goal.achieved_at:%Y-%m-%d}",
                created_at=goal.achieved_at,
            )
            for goal in goals
            if goal.achieved_at is not None
        ]
        Celebration.objects.bulk_create(celebrations, batch_size=2000)
    timings["goals, milestones, celebrations"] = time.perf_counter() - started
    return {
        "program": program,
        "coordinator": coordinator,
        "goals": len(goals),
        "milestones": len(milestones),
        "celebrations": len(celebrations),
        "timings": timings,
    }


def naive_per_mentorship(program: Any) -> tuple[list[int], int]:
    """The matrix's totals the N+1 way: each mentorship's goals fetched on their own."""
    from tandem.growth.enums import COUNTED_GOAL_STATUSES
    from tandem.growth.models import Goal
    from tandem.mentoring.models import Mentorship
    from tandem.programs.models import Objective

    columns = [o.pk for o in Objective.objects.filter(program=program)] + [None]
    counts = dict.fromkeys(columns, 0)
    rows = 0
    for mentorship in Mentorship.objects.filter(program=program).order_by("-created_at", "-id"):
        goals = Goal.objects.filter(mentorship=mentorship, status__in=COUNTED_GOAL_STATUSES)
        for goal in goals:
            counts[goal.objective_id] += 1
        rows += 1
    return [counts[c] for c in columns], rows


def naive_in_python(program: Any) -> tuple[list[int], int]:
    """The matrix's totals from every goal of the program loaded as a model instance."""
    from tandem.growth.enums import COUNTED_GOAL_STATUSES
    from tandem.growth.models import Goal
    from tandem.programs.models import Objective

    columns = [o.pk for o in Objective.objects.filter(program=program)] + [None]
    counts = dict.fromkeys(columns, 0)
    mentorships = set()
    for goal in Goal.objects.filter(program=program):
        if goal.status in COUNTED_GOAL_STATUSES:
            counts[goal.objective_id] += 1
        mentorships.add(goal.mentorship_id)
    return [counts[c] for c in columns], len(mentorships)


def _get(client: Any, url: str) -> Callable[[], int]:
    def run() -> int:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(response.content)

    return run


def run_backend(label: str, mentorships: int, requests: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Pages render without `collectstatic` (the manifest is a deployment step).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", "--no-input", verbosity=0)

    from django.db import connection
    from django.test import Client

    from tandem.growth.queries.goals import alignment, program_figures
    from tandem.programs.models import Organization

    organization = Organization.objects.create(name="Bench", slug="bench")
    small_size = max(1, mentorships // 10)
    worlds = {
        "big": build(organization, "big", mentorships, seed=14),
        "small": build(organization, "small", small_size, seed=41),
    }
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load: statistics, and the visibility map that
        # lets the counts be answered from their indexes alone.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    big = worlds["big"]
    print(
        f"{label}: {mentorships:,} mentorships, {big['goals']:,} goals, "
        f"{big['milestones']:,} milestones, {big['celebrations']:,} celebrations "
        f"(and {small_size:,} / {worlds['small']['goals']:,} in the small program)"
    )
    for name, world in worlds.items():
        for what, seconds in world["timings"].items():
            print(f"  build {name}: {what}: {seconds:.1f} s")
    print()
    print(f"| {label} | median ms | p95 ms | queries |")
    print("| --- | ---: | ---: | ---: |")

    def row(
        what: str, run: Callable[[], Any], times: int = requests, *, warm: bool = True
    ) -> tuple[float, Any]:
        median, p95, (queries, result) = _timed(_counted(run), times, warm=warm)
        flag = "" if p95 < TARGET_MS else " (over target)"
        print(f"| {what} | {median:.1f} | {p95:.1f}{flag} | {queries} |", flush=True)
        return median, result

    medians: dict[str, float] = {}
    for name, world in worlds.items():
        program = world["program"]
        size = mentorships if name == "big" else small_size
        client = Client()
        client.force_login(world["coordinator"])
        page_url = program.get_absolute_url() + "goals/alignment/"
        last = (size + 49) // 50
        api = f"/api/v1/organizations/bench/programs/{program.slug}/goals/"
        pages = [("first page", page_url), ("last page", page_url + f"?page={last}")]
        if last > 2:
            pages.insert(1, ("a middle page", page_url + f"?page={last // 2}"))
        for what, url in pages:
            medians[f"{name} {what}"], _ = row(
                f"alignment page, {size:,} mentorships: {what}", _get(client, url)
            )
        row(f"API alignment, {size:,} mentorships: first page", _get(client, api + "alignment"))
        row(f"API figures, {size:,} mentorships", _get(client, api + "figures"))
        medians[f"{name} alignment()"], _ = row(
            f"`alignment()` alone, {size:,} mentorships",
            functools.partial(alignment, program),
        )
        medians[f"{name} program_figures()"], _ = row(
            f"`program_figures()` alone, {size:,} mentorships",
            functools.partial(program_figures, program),
        )

    program = big["program"]
    reference = alignment(program)
    expected = ([cell.count for cell in reference.totals], mentorships)
    per_mentorship, totals = row(
        f"naive: one query per mentorship, {mentorships:,} (2 runs, cold)",
        lambda: naive_per_mentorship(program),
        times=2,
        warm=False,
    )
    assert totals == expected, (totals, expected)
    in_python, totals = row(
        f"naive: every goal loaded into Python, {big['goals']:,} (3 runs, cold)",
        lambda: naive_in_python(program),
        times=3,
        warm=False,
    )
    assert totals[0] == expected[0], (totals, expected)
    print()
    aggregate = medians["big alignment()"]
    print(f"| {label}: the matrix's totals and one page | ms | ÷ `alignment()` |")
    print("| --- | ---: | ---: |")
    print(f"| `alignment()` (aggregate queries) | {aggregate:.1f} | 1 |")
    print(f"| one query per mentorship | {per_mentorship:.1f} | {per_mentorship / aggregate:.0f} |")
    print(f"| every goal in Python | {in_python:.1f} | {in_python / aggregate:.1f} |")
    print(
        f"| 10× the program (first page, {small_size:,} → {mentorships:,} mentorships) | "
        f"{medians['big first page']:.1f} | "
        f"{medians['big first page'] / medians['small first page']:.2f}× the small one |"
    )
    print()
    print(
        f"{label}, Python {platform.python_version()}, {os.cpu_count()} cores, "
        f"{platform.machine()}, load average {os.getloadavg()[0]:.2f} at the end",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentorships", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.backend:
        run_backend(options.backend, options.mentorships, options.requests)
        return 0
    database_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="tandem-goals-bench-") as temporary:
        os.makedirs(Path(temporary) / "static")  # whitenoise's root, which it looks for
        backends: list[tuple[str, str, Any]] = [
            ("SQLite", f"sqlite:///{temporary}/bench.sqlite3", None)
        ]
        if database_url.startswith(("postgres://", "postgresql://")):
            scratch_url, drop = scratch_database(database_url, "goals_bench")
            backends.append(("PostgreSQL", scratch_url, drop))
        for label, url, drop in backends:
            environment = {
                **os.environ,
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "tandem.settings",
                "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
                "TANDEM_DATA_DIR": temporary,
                "EMAIL_URL": "dummy://",
                "ALLOWED_HOSTS": "testserver",
                "PYTHONPATH": os.pathsep.join(
                    [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
                ),
            }
            try:
                subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--backend",
                        label,
                        "--mentorships",
                        str(options.mentorships),
                        "--requests",
                        str(options.requests),
                    ],
                    env=environment,
                    check=True,
                )
            finally:
                if drop is not None:
                    drop()
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
