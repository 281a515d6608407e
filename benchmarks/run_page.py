"""Benchmark: the coordinator's review page of one matching scenario (issue #20, "the run page
under 40 ms of CPU").

Run from the repository root:

    PYTHONPATH=src .venv/bin/python benchmarks/run_page.py [--participants 400] [--requests 30]

In a fresh SQLite database under a temporary directory it seeds the demo organization with
``--participants`` people, takes their demo mentorships away so they form a matching pool, runs
one scenario with the engine, and then requests the scenario's page as the coordinator through
Django's test client. It reports the server's CPU time per request (``time.process_time``:
what a page costs a worker, independent of other load on the machine), the wall time, the
HTML size and the number of queries — for the first page of the review table (the default)
and for the filtered table htmx swaps in.

Target: under 40 ms of CPU per request.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 40.0


def measure(client: Any, url: str, requests: int, **headers: str) -> dict[str, float]:
    from django.db import connection

    response = client.get(url, headers=headers)  # warm
    assert response.status_code == 200, response.status_code
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url, headers=headers)
    cpu, wall = [], []
    for _ in range(requests):
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        client.get(url, headers=headers)
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started_wall)
    return {
        "cpu_ms": statistics.median(cpu) * 1000,
        "cpu_min_ms": min(cpu) * 1000,
        "wall_ms": statistics.median(wall) * 1000,
        "kb": len(response.content) / 1024,
        "queries": len(queries),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=400)
    parser.add_argument("--requests", type=int, default=30)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tandem-run-page-bench-") as temporary:
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "tandem.settings",
                "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
                "TANDEM_DATA_DIR": temporary,
                "ALLOWED_HOSTS": "testserver",
                "DEBUG": "false",
            }
        )
        os.environ.pop("DATABASE_URL", None)
        sys.path.insert(0, str(ROOT / "src"))
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

        from tandem.accounts.models import User
        from tandem.demo.seed import DEMO_LOGINS, seed_demo
        from tandem.matches import services
        from tandem.matches.views.runs import REVIEW_PAGE_SIZE
        from tandem.mentoring.models import Mentorship
        from tandem.programs.enums import ProgramStatus

        program = seed_demo(participants=options.participants, seed=3).program
        coordinator = User.objects.get(email=DEMO_LOGINS["coordinator"])
        Mentorship.objects.filter(program=program).delete()
        program.status = ProgramStatus.MATCHING
        program.save(update_fields=["status"])
        run = services.execute_run(services.start_run(program, by=coordinator, dispatch=False).pk)
        client = Client()
        client.force_login(coordinator)
        url = program.get_absolute_url() + f"matching/{run.pk}/"
        pages = [
            ("scenario page (first page of the review table)", url, {}),
            (
                "review table only (htmx filter swap)",
                url + "?source=engine",
                {"HX-Request": "true", "HX-Target": "proposal-table"},
            ),
        ]
        print(
            f"{run.proposals.count()} proposals, {REVIEW_PAGE_SIZE} per page; "
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        print()
        print("| request | CPU ms (median) | CPU ms (min) | wall ms | KB | queries |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        over = False
        for label, page_url, headers in pages:
            figures = measure(client, page_url, options.requests, **headers)
            over = over or figures["cpu_ms"] > TARGET_MS
            print(
                f"| {label} | {figures['cpu_ms']:.1f} | {figures['cpu_min_ms']:.1f} "
                f"| {figures['wall_ms']:.1f} | {figures['kb']:.0f} | {figures['queries']} |"
            )
        print()
        print(
            f"target: under {TARGET_MS:.0f} ms of CPU per request — {'missed' if over else 'met'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
