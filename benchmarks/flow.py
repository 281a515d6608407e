"""Benchmark: the assignment flow's auction (``solve_flow``'s fast path) against OR-Tools.

    python benchmarks/flow.py [--sizes 10000,100000] [--held-back 0.01]

Instances: the synthetic program of ``tandem.matching.synthetic`` (fixed seed) with ``size``
mentees and ``size / 4`` mentors of capacity 4 (one seat per mentee), and its candidate arcs
(``ScoreModel(problem).candidates(40)``); gain = round(score * 10000) + 20000, the coverage
objective (a match is worth more than any score difference). The 100,000 arcs are read from
/work/scratch/cand100000.npz when it exists; otherwise, and for other sizes, they are generated
(about a minute at 100,000) and kept in benchmarks/.cache.

Both solvers run in the same process on the same arcs, each through ``solve_flow`` and the same
certificate (residual graph, potentials, duality gap, compiled), so the figures are comparable:

* cold: ``method="ortools"`` against the default (auction, OR-Tools only as a fallback);
* warm: a re-solve after arcs are added, as ``certified_solve`` does between rounds: a share of
  the arcs (``--held-back``) is left out, the rest solved, then everything solved again with the
  first solve's potentials as ``start``, against the cold solve of everything.

Every run checks that both totals are equal and both gaps 0, and reports whether the auction
fell back to OR-Tools. Timings are wall-clock seconds of one run on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numba  # noqa: E402
import numpy as np  # noqa: E402

from tandem.matching.flow import FlowResult, Method, solve_flow  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
SAVED = {100_000: Path("/work/scratch/cand100000.npz")}
PER_MENTEE = 40
SCORE_GAIN = 10_000
MATCH_GAIN = 20_000
CAPACITY = 4

Arcs = tuple[np.ndarray, np.ndarray, np.ndarray]


def candidate_arcs(size: int) -> Arcs:
    """(mentee, mentor, score) of the synthetic program's candidate pairs."""
    saved = SAVED.get(size)
    cached = CACHE / f"flow-arcs-{size}.npz"
    path = saved if saved is not None and saved.exists() else cached
    if not path.exists():
        from tandem.matching.scoring import ScoreModel
        from tandem.matching.synthetic import synthetic_problem

        print(f"generating the candidate arcs of {size:,} mentees ...", flush=True)
        candidates = ScoreModel(synthetic_problem(size)).candidates(PER_MENTEE)
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(cached, mentee=candidates.mentee, mentor=candidates.mentor, score=candidates.score)
    data = np.load(path)
    return (
        data["mentee"].astype(np.int64),
        data["mentor"].astype(np.int64),
        data["score"].astype(np.float64),
    )


def solve(
    size: int, arcs: Arcs, method: Method, start: np.ndarray | None = None
) -> tuple[FlowResult, float]:
    mentee, mentor, score = arcs
    gain = np.rint(score * SCORE_GAIN).astype(np.int64) + MATCH_GAIN
    mentors = size // CAPACITY
    clock = time.perf_counter()
    result = solve_flow(
        size,
        mentors,
        mentee,
        mentor,
        gain,
        np.zeros(mentors, dtype=np.int64),
        np.full(mentors, CAPACITY, dtype=np.int64),
        start,
        method,
    )
    return result, time.perf_counter() - clock


def potentials_of(result: FlowResult) -> np.ndarray:
    return np.concatenate(
        [result.mentee_potential, result.mentor_potential, [result.sink_potential]]
    )


def row(label: str, result: FlowResult, seconds: float) -> dict[str, object]:
    stage = result.seconds
    return {
        "run": label,
        "solver": result.solver + (" (fallback)" if result.fallback else ""),
        "solve_s": stage.get("auction", 0.0) + stage.get("ortools", 0.0),
        "certificate_s": stage.get("certificate", 0.0),
        "total_s": seconds,
        "total_gain": result.total_gain,
        "gap": result.gap,
    }


def bench(size: int, held_back: float) -> list[dict[str, object]]:
    arcs = candidate_arcs(size)
    mentee, mentor, score = arcs
    print(f"\n{size:,} mentees, {size // CAPACITY:,} mentors, {len(mentee):,} arcs", flush=True)
    ortools, ortools_s = solve(size, arcs, "ortools")
    auction, auction_s = solve(size, arcs, "auto")
    dropped = np.random.default_rng(0).random(len(mentee)) < held_back
    part = (mentee[~dropped], mentor[~dropped], score[~dropped])
    first, _ = solve(size, part, "auto")
    start = potentials_of(first)
    warm, warm_s = solve(size, arcs, "auto", start)
    ortools_warm, ortools_warm_s = solve(size, arcs, "ortools", start)
    rows = [
        row("cold, OR-Tools", ortools, ortools_s),
        row("cold, auction", auction, auction_s),
        row(f"warm (+{dropped.sum():,} arcs), OR-Tools", ortools_warm, ortools_warm_s),
        row(f"warm (+{dropped.sum():,} arcs), auction", warm, warm_s),
    ]
    for entry in rows:
        entry["size"] = size
    assert auction.total_gain == ortools.total_gain, "the auction's total differs"
    assert warm.total_gain == ortools.total_gain, "the warm re-solve's total differs"
    assert ortools_warm.total_gain == ortools.total_gain
    assert all(entry["gap"] == 0 for entry in rows), "a certificate gap is not 0"
    fallbacks = sum(result.fallback for result in (auction, first, warm))
    print(
        f"  totals equal ({ortools.total_gain:,}), gaps 0; auction fell back {fallbacks} of 3"
        f" times; cold OR-Tools / auction = {ortools_s / auction_s:.1f}x,"
        f" cold auction / warm auction = {auction_s / warm_s:.1f}x",
        flush=True,
    )
    return rows


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| mentees | run | solver | solve s | certificate s | total s | total gain |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for entry in rows:
        lines.append(
            f"| {entry['size']:,} | {entry['run']} | {entry['solver']} | {entry['solve_s']:.2f} "
            f"| {entry['certificate_s']:.2f} | {entry['total_s']:.2f} | {entry['total_gain']:,} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--held-back", type=float, default=0.01)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}, numba {numba.__version__}"
    )
    clock = time.perf_counter()  # compile the kernels (or load them from numba's cache)
    solve(8, (np.array([0, 1]), np.array([0, 1]), np.array([0.5, 0.25])), "auto")
    print(f"kernels ready in {time.perf_counter() - clock:.1f} s (compiled once, then cached)")
    rows: list[dict[str, object]] = []
    for size in (int(part) for part in args.sizes.split(",")):
        rows.extend(bench(size, args.held_back))
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
