"""Benchmark: Tandem's matching engine against what a user would otherwise reach for.

    python benchmarks/matching.py [--sizes 1000,10000,100000] [--methods ...]
                                  [--out docs/benchmarks/matching.md]

Each (method, size) runs in its own subprocess (clean peak-memory figure, hard 10-minute cap).
Instances come from ``tandem.matching.synthetic`` (fixed seed): mentors at capacity 4 (one
seat per mentee), ~200 tags, ``not_same`` department forbids ~10% of pairs.

Methods (objective: most mentees matched, then best total score):

* ``tandem``       — certified optimal engine (blockwise scoring, sparse flow, certificate);
* ``tandem-text``  — the same with a ``text`` criterion (MiniLM embeddings, cached);
* ``greedy``       — pairs by descending score, take a pair when both sides are free;
* ``scipy``        — ``scipy.optimize.linear_sum_assignment`` on the capacity-expanded matrix;
* ``ortools``      — OR-Tools min-cost flow on the full graph (every feasible pair);
* ``hr``           — the ``matching`` package's hospital/resident solver on top-20 lists.

Scoring for the alternatives is the exact scorer over all pairs (the same scores Tandem uses),
timed apart from solving. Blocking pairs are counted afterwards (not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# this file is called matching.py: keep its folder off the path so that the `matching`
# package (hospital/resident solver) can be imported
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from tandem.matching import Matcher  # noqa: E402
from tandem.matching.model import SCORE_SCALE, Problem  # noqa: E402
from tandem.matching.optimal import max_gain  # noqa: E402
from tandem.matching.scoring import FEASIBLE_ABOVE, ScoreModel, select_top, to_gain  # noqa: E402
from tandem.matching.stable import count_blocking_pairs  # noqa: E402
from tandem.matching.synthetic import synthetic_problem  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
METHODS = ("tandem", "greedy", "scipy", "ortools", "hr", "tandem-text")
TIME_LIMIT = 600
MEMORY_LIMIT_GB = 16.0


def problem_for(size: int, text: bool = False) -> Problem:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"problem-{size}{'-text' if text else ''}.pickle"
    if path.exists():
        with path.open("rb") as handle:
            problem: Problem = pickle.load(handle)  # noqa: S301 - our own cache file
            return problem
    problem = synthetic_problem(size, text=text)
    with path.open("wb") as handle:
        pickle.dump(problem, handle)
    return problem


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def all_scores(model: ScoreModel) -> tuple[np.ndarray, np.ndarray]:
    """Integer gains of every pair, (n, m) int32, and feasibility (n, m) bool, from the same
    vectorised blockwise scorer Tandem uses (float32, rounded to the solver's integer scale)."""
    gain = np.zeros((model.n, model.m), dtype=np.int32)
    feasible = np.zeros((model.n, model.m), dtype=np.bool_)
    for block in model.blocks():
        acc = model.block(block)
        ok = acc > FEASIBLE_ABOVE
        feasible[block] = ok
        gain[block] = np.where(ok, np.rint(acc * SCORE_SCALE), 0).astype(np.int32)
    return gain, feasible


def top_lists(model: ScoreModel, per_mentee: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mentee, mentor, exact gain) of about ``per_mentee`` best feasible pairs per mentee."""
    mentee_parts, mentor_parts = [], []
    for block in model.blocks():
        acc = model.block(block)
        r, c, _ = select_top(acc, per_mentee)
        mentee_parts.append(block[r])
        mentor_parts.append(c)
    mentee = np.concatenate(mentee_parts)
    mentor = np.concatenate(mentor_parts)
    score, ok = model.evaluate(mentee, mentor)
    return mentee[ok], mentor[ok], to_gain(score[ok])


def greedy(
    mentee: np.ndarray, mentor: np.ndarray, gain: np.ndarray, n: int, cap: np.ndarray
) -> np.ndarray:
    order = np.lexsort((mentor, mentee, -gain))
    mentor_of = np.full(n, -1, dtype=np.int64)
    load = np.zeros(len(cap), dtype=np.int64)
    seats = int(cap.sum())
    taken = 0
    for i, j in zip(mentee[order].tolist(), mentor[order].tolist(), strict=True):
        if mentor_of[i] < 0 and load[j] < cap[j]:
            mentor_of[i] = j
            load[j] += 1
            taken += 1
            if taken in (seats, n):
                break
    return mentor_of


def run_method(method: str, size: int) -> dict[str, object]:
    text = method == "tandem-text"
    problem = problem_for(size, text=text)
    n, m = len(problem.mentees), len(problem.mentors)
    out: dict[str, object] = {"method": method, "size": size, "mentors": m}
    phases: dict[str, float] = {}
    start = time.perf_counter()
    if method in ("tandem", "tandem-text"):
        matcher = Matcher(problem)
        result = matcher.solve("optimal", "coverage", check_blocking=False, explain=False)
        total = time.perf_counter() - start
        phases = dict(result.stats.phase_seconds)
        model = matcher.model
        mentor_of = np.full(n, -1, dtype=np.int64)
        for match in result.matches:
            mentor_of[model.mentee_index[match.mentee_id]] = model.mentor_index[match.mentor_id]
        out["certificate_gap"] = result.stats.certificate_gap
        out["candidate_pairs"] = result.stats.candidate_pairs
        out["rounds"] = result.stats.certificate_rounds
        scoring = phases.get("encode", 0) + phases.get("score", 0)
        solving = total - scoring
        started = time.perf_counter()
        ranked = [matcher.suggest(problem.mentees[k].id, 10) for k in range(0, n, max(1, n // 200))]
        out["suggest_ms"] = 1000 * (time.perf_counter() - started) / len(ranked)
    else:
        model = ScoreModel(problem)
        cap = model.cap_max
        if (method in ("greedy", "hr") and size > 20_000) or method == "hr":
            per_mentee = 20 if method == "hr" else 50
            mentee, mentor, gain = top_lists(model, per_mentee)
            out["note"] = f"top-{per_mentee} lists"
        else:
            gain_matrix, feasible = all_scores(model)
            mentee, mentor = np.nonzero(feasible)
            gain = gain_matrix[mentee, mentor].astype(np.int64)
        scoring = time.perf_counter() - start
        started = time.perf_counter()
        mentor_of = solve_alternative(method, n, m, cap, mentee, mentor, gain, model)
        solving = time.perf_counter() - started
        total = scoring + solving
    out.update(scoring_s=scoring, solving_s=solving, total_s=total, peak_mb=peak_mb())
    matched = np.nonzero(mentor_of >= 0)[0]
    score, feasible = model.evaluate(matched, mentor_of[matched])
    assert feasible.all()
    load = np.bincount(mentor_of[matched], minlength=m)
    assert (load <= model.cap_max).all()
    out["matched"] = len(matched)
    out["total_gain"] = int(to_gain(score).sum())
    out["total_score"] = float(score.sum())
    with_choices = [k for k, p in enumerate(problem.mentees) if p.choices]
    ranks = model.choice_ranks(matched, mentor_of[matched])
    out["choices_pct"] = 100.0 * int((ranks > 0).sum()) / max(1, len(with_choices))
    if size <= 20_000 or method in ("tandem", "greedy"):
        started = time.perf_counter()
        out["blocking_pairs"] = count_blocking_pairs(model, mentor_of)
        out["blocking_check_s"] = time.perf_counter() - started
    else:  # a full pass over all pairs; skipped to keep the run under an hour
        out["blocking_pairs"] = None
    del phases
    return out


def solve_alternative(
    method: str,
    n: int,
    m: int,
    cap: np.ndarray,
    mentee: np.ndarray,
    mentor: np.ndarray,
    gain: np.ndarray,
    model: ScoreModel,
) -> np.ndarray:
    bonus = max_gain(model)
    if method == "greedy":
        return greedy(mentee, mentor, gain, n, cap)
    if method == "ortools":
        from tandem.matching.flow import solve_flow

        flow = solve_flow(
            n,
            m,
            mentee.astype(np.int64),
            mentor.astype(np.int64),
            gain + bonus,
            np.zeros(m, dtype=np.int64),
            cap.astype(np.int64),
            method="ortools",  # the baseline is OR-Tools itself, not Tandem's auction
        )
        return flow.mentor_of
    if method == "scipy":
        from scipy.optimize import linear_sum_assignment

        slots = np.repeat(np.arange(m), cap)
        first_slot = np.concatenate([[0], np.cumsum(cap)[:-1]])
        big = float(10 * (bonus + SCORE_SCALE) * n)
        cost = np.full((n, len(slots)), big)
        for copy in range(int(cap.max())):
            ok = cap[mentor] > copy
            cost[mentee[ok], first_slot[mentor[ok]] + copy] = -(gain[ok] + bonus)
        rows, cols = linear_sum_assignment(cost)
        mentor_of = np.full(n, -1, dtype=np.int64)
        real = cost[rows, cols] < big
        mentor_of[rows[real]] = slots[cols[real]]
        return mentor_of
    if method == "hr":
        from matching.games import HospitalResident

        sys.setrecursionlimit(1_000_000)  # the package deep-copies its linked player objects
        order = np.lexsort((mentor, -gain, mentee))
        resident_prefs: dict[str, list[str]] = {}
        hospital_lists: dict[int, list[tuple[int, int]]] = {}
        for i, j, g in zip(
            mentee[order].tolist(), mentor[order].tolist(), gain[order].tolist(), strict=True
        ):
            resident_prefs.setdefault(f"e{i}", []).append(f"m{j}")
            hospital_lists.setdefault(j, []).append((-g, i))
        hospital_prefs = {
            f"m{j}": [f"e{i}" for _, i in sorted(items)] for j, items in hospital_lists.items()
        }
        capacities = {f"m{j}": int(cap[j]) for j in hospital_lists}
        game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
        solution = game.solve(optimal="resident")
        mentor_of = np.full(n, -1, dtype=np.int64)
        for hospital, residents in solution.items():
            for resident in residents:
                mentor_of[int(resident.name[1:])] = int(hospital.name[1:])
        return mentor_of
    raise ValueError(method)


def warm_up() -> float:
    """Compile the engine's numba kernels once (they are cached on disk), so that no method's
    time includes the one-time compilation. Returns the seconds it took."""
    start = time.perf_counter()
    Matcher(synthetic_problem(400)).solve("optimal", "coverage", explain=False)
    return time.perf_counter() - start


def skip_reason(method: str, size: int) -> str | None:
    mentors = size // 4
    pairs = size * mentors
    if method == "scipy" and pairs * 4 * 8 / 1e9 > MEMORY_LIMIT_GB:
        return f"needs a {size}x{4 * mentors} float64 matrix ({pairs * 32 / 1e9:.0f} GB)"
    if method == "ortools" and pairs * 0.9 * 130 / 1e9 > MEMORY_LIMIT_GB:
        return f"full graph of {pairs * 0.9:.1e} arcs (~{pairs * 0.9 * 130 / 1e9:.0f} GB)"
    if method == "greedy" and size > 20_000:
        return None
    return None


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    import importlib.metadata as metadata

    versions = []
    for package in ("numpy", "scipy", "ortools", "matching"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} missing")
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "libraries": ", ".join(versions),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def run_child(method: str, size: int) -> dict[str, object]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        target = Path(handle.name)
    command = [sys.executable, __file__, "--worker", method, str(size), str(target)]
    try:
        completed = subprocess.run(
            command, timeout=TIME_LIMIT + 60, capture_output=True, text=True, check=False
        )
    except subprocess.TimeoutExpired:
        return {"method": method, "size": size, "skipped": f"over {TIME_LIMIT // 60} minutes"}
    try:
        if completed.returncode != 0:
            tail = (completed.stderr or "").strip().splitlines()[-1:] or ["?"]
            if completed.returncode in (-9, 137):
                return {"method": method, "size": size, "skipped": "killed (out of memory)"}
            return {"method": method, "size": size, "skipped": f"failed: {tail[0][:120]}"}
        data: dict[str, object] = json.loads(target.read_text())
        return data
    finally:
        target.unlink(missing_ok=True)


def worker(method: str, size: int, target: Path) -> None:
    import threading

    if method == "hr":  # deep recursion inside the package: run with a big stack
        threading.stack_size(512 * 1024 * 1024)
        thread = threading.Thread(target=_worker, args=(method, size, target))
        thread.start()
        thread.join()
        return
    _worker(method, size, target)


def _worker(method: str, size: int, target: Path) -> None:
    import signal

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError

    if threading_main():
        signal.signal(signal.SIGALRM, stop)
        signal.alarm(TIME_LIMIT)
    problem_for(size, text=method == "tandem-text")  # generate (untimed) before the clock
    try:
        result = run_method(method, size)
    except TimeoutError:
        result = {"method": method, "size": size, "skipped": f"over {TIME_LIMIT // 60} minutes"}
    target.write_text(json.dumps(result))


def threading_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def fmt(value: object, spec: str = ".1f") -> str:
    if value is None:
        return "–"
    if isinstance(value, (float, int)):
        return format(value, spec)
    return str(value)


def table(results: list[dict[str, object]], info: dict[str, str]) -> str:
    lines = [
        "# Matching benchmark",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory']} RAM; "
        f"Python {info['python']}; {info['libraries']}; run {info['date']} "
        f"(load average when it ended: {info['load']}; the machine was shared with other work).",
        "",
        "Instances: `tandem.matching.synthetic` (seed 7): n mentees, n/4 mentors of capacity 4, "
        "7 criteria (overlap of ~200 tags, complement of skills, same industry, experience gap, "
        "time zone, availability, `not_same` department forbidding ~10% of pairs), a third of the "
        "mentees with 3 ranked choices (bonus 0.6/0.4/0.2). Objective: most mentees matched, "
        "then best total score. Score % = total score / certified optimum.",
        "",
        "| n | method | scoring s | solving s | total s | peak MB | matched | score % of optimum "
        "| choices honoured % | blocking pairs | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    optimum: dict[int, float] = {}
    for r in results:
        if r.get("method") == "tandem" and "total_score" in r:
            optimum[int(r["size"])] = float(r["total_score"])  # type: ignore[arg-type]
    for r in results:
        size = int(r["size"])  # type: ignore[arg-type]
        if "skipped" in r:
            lines.append(f"| {size:,} | {r['method']} | | | | | | | | | skipped: {r['skipped']} |")
            continue
        best = optimum.get(size)
        pct = 100.0 * float(r["total_score"]) / best if best else None  # type: ignore[arg-type]
        if r["method"] == "tandem-text":
            pct = None  # another problem (one more criterion): its own certified optimum
        note = str(r.get("note", ""))
        if "certificate_gap" in r:
            base = next(
                (
                    x
                    for x in results
                    if x.get("size") == size and x.get("method") == "tandem" and "total_s" in x
                ),
                None,
            )
            extra = ""
            if r["method"] == "tandem-text" and base is not None:
                added = float(r["total_s"]) - float(base["total_s"])  # type: ignore[arg-type]
                extra = f"the text criterion adds {added:.1f} s; "
            note = extra + (
                f"certificate gap {r['certificate_gap']}, {r['candidate_pairs']:,} candidate "
                f"pairs, {r['rounds']} rounds; suggest {float(r['suggest_ms']):.1f} ms"
            )  # type: ignore[arg-type]
        lines.append(
            f"| {size:,} | {r['method']} | {fmt(r['scoring_s'])} | {fmt(r['solving_s'])} | "
            f"{fmt(r['total_s'])} | {fmt(r['peak_mb'], '.0f')} | {r['matched']:,} "
            f"({100.0 * int(r['matched']) / size:.1f}%) | {fmt(pct, '.3f')} | "  # type: ignore[call-overload]
            f"{fmt(r['choices_pct'])} | {fmt(r['blocking_pairs'], ',')} | {note} |"
        )
    lines.append("")
    lines.append("Ratios (total time of the alternative / Tandem's):")
    lines.append("")
    for size in sorted({int(r["size"]) for r in results}):  # type: ignore[arg-type]
        mine = next(
            (
                r
                for r in results
                if r["size"] == size and r["method"] == "tandem" and "total_s" in r
            ),
            None,
        )
        if mine is None:
            continue
        parts = []
        for r in results:
            if (
                r["size"] == size
                and r["method"] not in ("tandem", "tandem-text")
                and "total_s" in r
            ):
                parts.append(f"{r['method']} {float(r['total_s']) / float(mine['total_s']):.1f}x")  # type: ignore[arg-type]
        lines.append(f"- n = {size:,}: " + (", ".join(parts) if parts else "no alternative ran"))
    lines.append("")
    return "\n".join(lines)


def publish(results: list[dict[str, object]], out: Path | None) -> None:
    """Print the table of ``results`` and write it to ``out`` if given."""
    text = table(results, machine())
    print(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--worker":
        worker(argv[1], int(argv[2]), Path(argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--results", type=Path, default=None, help="also keep raw JSON here")
    parser.add_argument(
        "--render",
        type=Path,
        nargs="*",
        default=None,
        help="only render the table from raw JSON files of earlier runs",
    )
    args = parser.parse_args(argv)
    results: list[dict[str, object]] = []
    if args.render is not None:
        for path in args.render:
            results.extend(json.loads(path.read_text()))
        publish(results, args.out)
        return 0
    log: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    log(f"compiled kernels ready in {warm_up():.1f} s (one-time: numba compiles and caches them)")
    for size in [int(s) for s in args.sizes.split(",")]:
        for method in args.methods.split(","):
            reason = skip_reason(method, size)
            if reason:
                result: dict[str, object] = {"method": method, "size": size, "skipped": reason}
            else:
                log(f"{method} n={size} ...")
                result = run_child(method, size)
            log(json.dumps(result))
            results.append(result)
            if args.results is not None:
                args.results.write_text(json.dumps(results, indent=1))
    publish(results, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
