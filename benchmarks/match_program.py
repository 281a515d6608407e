"""Benchmark: matching a 10,000-person program end to end through the real worker path.

Run from the repository root:

    PYTHONPATH=src .venv/bin/python benchmarks/match_program.py [--people 10000] [--no-text]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem \\
        PYTHONPATH=src .venv/bin/python benchmarks/match_program.py --no-text

For a fresh SQLite database — and a scratch PostgreSQL database ``<name>_match_bench`` beside the
one ``DATABASE_URL`` names, dropped afterwards — it seeds a program with ``--people`` participants
(``tandem.demo.seed``: bulk insert, starter questions, default criteria), then:

* **background run, end to end**: ``services.start_run`` (the pool is far above the inline
  limit, so it is queued with the database task backend), then ``tandem worker --batch`` in a
  subprocess runs it; wall time from the click to the worker's exit. Split into
  **building the pool** from the database, **engine** (the run's ``phase_seconds``) and
  **saving the proposals** (both from the run's ``app_seconds``), the rest being the worker's own
  start-up (Python, Django, NumPy/SciPy/OR-Tools imports);
* **publish**: ``services.publish_run`` — relationships in bulk, two introductions per pair;
* **engine alone**: ``tandem.matching.solve`` on the same problem, in-process (the floor).

Ratios are each step ÷ engine alone. ``--no-text`` drops the ``text`` criterion (sentence
embeddings) from the program's criteria so the figures do not include the language model; the
embedding cost is then measured on its own: the pool's goals and experience texts embedded with a
cold cache (``$TANDEM_DATA_DIR/embeddings`` empty) and again warm.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _postgres import scratch_database  # sibling module: benchmarks run as scripts

ROOT = Path(__file__).resolve().parent.parent


def run_backend(label: str, people: int, no_text: bool) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)

    from tandem import matching
    from tandem.accounts.models import User
    from tandem.demo.seed import DEMO_LOGINS, seed_demo
    from tandem.matches import services
    from tandem.matches.enums import CriterionKind, RunStatus
    from tandem.matches.models import MatchingCriterion, MatchRun
    from tandem.matches.problem import install_default_criteria

    figures: dict[str, Any] = {"backend": label}
    started = time.perf_counter()
    report = seed_demo(participants=people)
    figures["seed"] = time.perf_counter() - started
    program = report.program
    coordinator = User.objects.get(email=DEMO_LOGINS["coordinator"])
    install_default_criteria(program)
    if no_text:
        MatchingCriterion.objects.filter(program=program, kind=CriterionKind.TEXT).delete()

    # Building the pool, once in-process (the worker does the same and reports its own time).
    started = time.perf_counter()
    pool = services.matching_pool(program)
    figures["pool_in_process"] = time.perf_counter() - started
    figures["mentees"], figures["mentors"] = len(pool.mentees), len(pool.mentors)

    # The real path: queued with the database backend, run by `tandem worker --batch`.
    started = time.perf_counter()
    queued = services.start_run(program, by=coordinator, name="Benchmark")
    assert queued.status == RunStatus.QUEUED, queued.status
    worker = subprocess.run(
        [sys.executable, "-m", "tandem.cli", "worker", "--batch"],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
    )
    figures["end_to_end"] = time.perf_counter() - started
    if worker.returncode != 0:
        raise SystemExit(f"worker failed:\n{worker.stderr[-3000:]}")
    run = MatchRun.objects.get(pk=queued.pk)
    if run.status != RunStatus.DONE:
        raise SystemExit(f"run is {run.status}: {run.error}\n{worker.stderr[-3000:]}")
    phases = run.stats["phase_seconds"]
    figures["engine_in_worker"] = sum(phases.values())
    figures["phases"] = phases
    figures["pool"] = run.stats["app_seconds"]["pool"]
    figures["save"] = run.stats["app_seconds"]["save"]
    figures["matched"] = run.proposals.count()
    figures["certificate_gap"] = run.stats.get("certificate_gap")

    started = time.perf_counter()
    relationships = services.publish_run(run, by=coordinator)
    figures["publish"] = time.perf_counter() - started
    figures["relationships"] = len(relationships)

    started = time.perf_counter()
    result = matching.solve(pool.problem, mode="optimal", objective="coverage")
    figures["engine_alone"] = time.perf_counter() - started
    assert result.stats.matched == figures["matched"], (result.stats.matched, figures["matched"])

    if no_text:
        from tandem.matching.embeddings import embed_texts

        texts = [m.answers.get("goals", "") for m in pool.mentees] + [
            m.answers.get("experience", "") for m in pool.mentors
        ]
        cache = Path(os.environ["TANDEM_DATA_DIR"]) / "embeddings-bench"
        started = time.perf_counter()
        embed_texts(texts, cache_dir=cache)
        figures["text_cold"] = time.perf_counter() - started
        started = time.perf_counter()
        embed_texts(texts, cache_dir=cache)
        figures["text_warm"] = time.perf_counter() - started
        figures["texts"] = len(texts)
    return figures


def _table(results: list[dict[str, Any]]) -> str:
    lines = []
    for figures in results:
        engine = figures["engine_alone"]
        worker_rest = (
            figures["end_to_end"] - figures["pool"] - figures["engine_in_worker"] - figures["save"]
        )
        rows = [
            ("building the pool (worker)", figures["pool"]),
            ("engine (worker, phase_seconds)", figures["engine_in_worker"]),
            ("saving the proposals (worker)", figures["save"]),
            ("worker start-up and queue", worker_rest),
            ("background run, end to end", figures["end_to_end"]),
            ("publish (relationships + introductions)", figures["publish"]),
            ("engine alone (matching.solve)", engine),
        ]
        if "text_cold" in figures:
            rows.append(
                (f"text embeddings, cold ({figures['texts']:,} texts)", figures["text_cold"])
            )
            rows.append(("text embeddings, warm cache", figures["text_warm"]))
        lines.append(
            f"\n{figures['backend']}: {figures['mentees']:,} mentees, {figures['mentors']:,} "
            f"mentors → {figures['matched']:,} matched, certificate gap "
            f"{figures['certificate_gap']}; {figures['relationships']:,} relationships published "
            f"(seeding took {figures['seed']:.1f} s)"
        )
        lines.append(f"{'step':<44} {'seconds':>9} {'÷ engine':>9}")
        for name, seconds in rows:
            lines.append(f"{name:<44} {seconds:>9.2f} {seconds / engine:>9.2f}")
        phases = ", ".join(f"{k} {v:.2f}" for k, v in figures["phases"].items())
        lines.append(f"engine phases in the worker: {phases}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument(
        "--no-text", action="store_true", help="leave out the text criterion; time it apart"
    )
    parser.add_argument("--backend", help=argparse.SUPPRESS)  # set for the child processes
    parser.add_argument("--results", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.backend:  # child: one database
        figures = run_backend(options.backend, options.people, options.no_text)
        Path(options.results).write_text(json.dumps(figures))
        return 0

    database_url = os.environ.get("DATABASE_URL", "")
    results = []
    with tempfile.TemporaryDirectory(prefix="tandem-match-bench-") as temporary:
        backends: list[tuple[str, str, Any]] = [
            ("SQLite", f"sqlite:///{temporary}/bench.sqlite3", None)
        ]
        if database_url.startswith(("postgres://", "postgresql://")):
            scratch_url, drop = scratch_database(database_url, "match_bench")
            backends.append(("PostgreSQL", scratch_url, drop))
        for label, url, drop in backends:
            data_dir = Path(temporary) / label
            data_dir.mkdir()
            results_file = data_dir / "results.json"
            environment = {
                **os.environ,
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "tandem.settings",
                "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
                "TANDEM_DATA_DIR": str(data_dir),
                "PYTHONPATH": os.pathsep.join(
                    [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
                ),
            }
            environment.pop("TASK_BACKEND", None)  # the database backend: the real path
            print(f"{label}: seeding {options.people:,} people and matching them…", flush=True)
            command = [
                sys.executable,
                __file__,
                "--backend",
                label,
                "--people",
                str(options.people),
                "--results",
                str(results_file),
            ]
            if options.no_text:
                command.append("--no-text")
            try:
                subprocess.run(command, env=environment, check=True)
            finally:
                if drop is not None:
                    drop()
            results.append(json.loads(results_file.read_text()))
    print(_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
