"""Benchmark: compile time, the first `tandem match` after set-up, and a warm one.

    python benchmarks/first_run.py [--size 10000] [--out docs/benchmarks/first_run.md]

Every figure is a fresh process timed from start to matches.csv written, on the same
PEOPLE.csv (``tandem.matching.synthetic``, seed 7, SIZE mentees, SIZE/4 mentors):

1. ``tandem warm-up`` with an empty kernel cache: the compile time every install or upgrade
   pays once (``./dev setup`` runs it);
2. the first ``tandem match`` after it (the kernels are loaded from the disk cache);
3. a second, warm ``tandem match``;
4. the same from an installed wheel (``pip install --no-deps --target``) run from another
   working directory: ``tandem warm-up`` there, then ``tandem match`` — the cache is next to
   the installed code, so it behaves as a production install does.

(Before, nothing compiled ahead and the first ``tandem match`` compiled inside it: 73.5 s
against 2.2 s warm in issue 19's measurement; not re-run here, the machine is shared.)

Each step runs once (the machine is shared); the table says what it measured.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tandem.matching.synthetic import synthetic_people  # noqa: E402

CRITERIA = """\
[choices]
bonus = [0.6, 0.4, 0.2]

[[criteria]]
kind = "overlap"
field = "interests"
weight = 2

[[criteria]]
kind = "complement"
mentee_field = "skills_wanted"
mentor_field = "skills_offered"
weight = 3

[[criteria]]
kind = "same"
field = "industry"
weight = 1

[[criteria]]
kind = "gap"
field = "years"
weight = 1
target = [5, 15]
tolerance = 5

[[criteria]]
kind = "timezone"
field = "tz"
weight = 1

[[criteria]]
kind = "availability"
field = "availability"
weight = 1

[[criteria]]
kind = "not_same"
field = "department"
hard = true
"""

FIELDS = (
    "interests",
    "industry",
    "department",
    "years",
    "tz",
    "availability",
    "skills_wanted",
    "skills_offered",
)


def write_inputs(folder: Path, size: int) -> tuple[Path, Path]:
    people = folder / "people.csv"
    with people.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "role", "capacity", "choices", *FIELDS])
        for person in synthetic_people(size):
            values = []
            for name in FIELDS:
                value = person.fields.get(name)
                values.append(";".join(value) if isinstance(value, tuple) else value)
            capacity = person.capacity_max if person.role == "mentor" else ""
            writer.writerow([person.id, person.role, capacity, ";".join(person.choices), *values])
    criteria = folder / "criteria.toml"
    criteria.write_text(CRITERIA)
    return people, criteria


def tandem_location(env: dict[str, str], cwd: Path) -> str:
    """Where the Tandem these runs use is imported from (the checkout or the wheel)."""
    code = "import tandem.matching; print(tandem.matching.__file__)"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "first_run.md")
    options = parser.parse_args(argv)
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="tandem-first-run-") as tmp:
        work = Path(tmp)
        people, criteria = write_inputs(work, options.size)
        elsewhere = work / "elsewhere"
        elsewhere.mkdir()
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NUMBA_CACHE_DIR": str(work / "c")}
        tandem = [python, "-m", "tandem.cli"]
        match = [*tandem, "match", str(people), "--criteria", str(criteria), "--no-progress"]
        rows: list[tuple[str, float]] = []
        rows.append(
            ("`tandem warm-up`, empty cache (compile)", timed([*tandem, "warm-up"], work, env))
        )
        out = ["-o", str(work / "m.csv")]
        rows.append(("first `tandem match` after the warm-up", timed([*match, *out], work, env)))
        rows.append(("warm `tandem match`", timed([*match, *out], work, env)))
        # an installed wheel, used from another folder; its cache lives next to its code
        wheels = work / "wheels"
        pip = [python, "-m", "pip", "--quiet"]
        subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(ROOT)], check=True)
        site = work / "site"
        wheel = next(wheels.glob("tandem-*.whl"))
        subprocess.run(
            [*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True
        )
        installed = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
        installed["PYTHONPATH"] = str(site)
        assert tandem_location(installed, elsewhere).startswith(str(site)), "not the wheel"
        assert tandem_location(env, work).startswith(str(ROOT)), "not this checkout"
        rows.append(
            ("wheel: `tandem warm-up` (compile)", timed([*tandem, "warm-up"], elsewhere, installed))
        )
        rows.append(
            (
                "wheel: first `tandem match` from another folder",
                timed([*match, "-o", str(elsewhere / "m.csv")], elsewhere, installed),
            )
        )
        cached = sorted((site / "tandem" / "matching" / "__pycache__").glob("*.nbi"))
    warm = rows[2][1]
    lines = [
        "# First run after installing",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (shared "
        f"machine; load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}).",
        "",
        f"`python benchmarks/first_run.py --size {options.size}`: {options.size:,} mentees, "
        f"{options.size // 4:,} mentors (synthetic, seed 7, 7 criteria); every figure is one "
        "fresh process, start to file written.",
        "",
        "| step | seconds | × warm |",
        "|---|---|---|",
        *(f"| {label} | {seconds:.1f} | {seconds / warm:.1f}× |" for label, seconds in rows),
        "",
        f"The wheel's cache: {len(cached)} kernel index files in "
        "`site-packages/tandem/matching/__pycache__/` (next to the installed code).",
        "",
    ]
    options.out.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
