"""Compile the engine's numba kernels ahead, so that nobody waits for compilation.

numba compiles a kernel the first time a process calls it with a new type signature, and keeps
the machine code on disk (``cache=True``): next to the installed code when that folder is
writable, else in the user's cache folder, or in ``NUMBA_CACHE_DIR`` when it is set. The first
compilation takes about a minute on a 2-core machine; loading the cached code takes a second.

:func:`warm_up` runs small problems that reach every kernel with every signature a real run
uses (the test ``tests/matching/test_warmup.py`` checks that a varied set of runs compiles
nothing more afterwards). It is called

* by ``./dev setup`` and ``tandem warm-up`` (fills the disk cache once per install),
* by ``tandem serve`` (in each web process) and ``tandem worker`` at start, in a background
  thread (:func:`warm_up_in_background`): the process loads the cached code, or compiles it.

:func:`kernels_ready` says whether this process has finished it. The web app matches a small
pool inside the request only when the kernels are ready; otherwise the worker matches it and
the coordinator sees the progress bar, so a web request never compiles.
"""

from __future__ import annotations

import logging
import threading
import time

import numba
import numpy as np
from numba.core.registry import CPUDispatcher

from . import auction, kernels
from .engine import Matcher
from .model import ChoicePolicy, Criterion, GroupPolicy, Person, Problem
from .synthetic import synthetic_problem

log = logging.getLogger(__name__)

#: Kernels only the tests call (the dense rows the fused passes see): not warmed up.
TEST_ONLY = frozenset({"tandem.matching.kernels.score_rows"})

_ready = threading.Event()
_lock = threading.Lock()


def kernels_ready() -> bool:
    """True once :func:`warm_up` has finished in this process (kernels loaded or compiled)."""
    return _ready.is_set()


def warm_up() -> float:
    """Load or compile every kernel a run can use; returns the seconds it took. Safe to call
    from several threads (the second caller waits for the first)."""
    with _lock:
        started = time.perf_counter()
        if not _ready.is_set():
            _exercise()
            _ready.set()
        return time.perf_counter() - started


def warm_up_in_background() -> threading.Thread:
    """Start :func:`warm_up` in a daemon thread and return it."""

    def run() -> None:
        seconds = warm_up()
        log.info("matching kernels ready in %.1f s", seconds)

    thread = threading.Thread(target=run, name="tandem-matching-warm-up", daemon=True)
    thread.start()
    return thread


def dispatchers() -> dict[str, CPUDispatcher]:
    """Every compiled kernel of the engine a run can call, by qualified name."""
    found: dict[str, CPUDispatcher] = {}
    for module in (kernels, auction):
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and f"{module.__name__}.{name}" not in TEST_ONLY:
                found[f"{module.__name__}.{name}"] = value
    return found


def compiled_signatures() -> dict[str, int]:
    """How many type signatures of each kernel this process has compiled or loaded."""
    return {name: len(dispatcher.signatures) for name, dispatcher in dispatchers().items()}


def _exercise() -> None:
    # synthetic: tags (dense and sparse bitsets), complement, category, gap, time zone,
    # availability, a hard not_same rule, ranked choices; every mode and objective
    matcher = Matcher(synthetic_problem(240))
    for objective in ("coverage", "total", "fair", "spread"):
        matcher.solve("optimal", objective)
    matcher.solve("stable", "coverage")
    matcher.suggest("e0", limit=5)
    matcher.suggest("e1", limit=5, include_infeasible=True)
    matcher.score_pair("e0", "m0")
    # the pilot's bid pass (only large programs with rarely wanted mentors reach it)
    model = matcher.model
    data = model.kernel_data()
    for rows, extra in model.kernel_blocks(np.arange(8, dtype=np.int64)):
        kernels.column_max(rows, np.zeros(len(rows)), extra, data, model.m, numba.get_num_threads())
    # the other kinds (a dense "extra" block from distance; manager and language rules),
    # minimum capacities (the OR-Tools path), fewer seats than mentees, honoured choices, groups
    Matcher(_every_kind_problem(honour_first=True)).solve("optimal", "coverage")
    Matcher(_every_kind_problem(honour_first=False)).solve("groups", "coverage")


def _every_kind_problem(*, honour_first: bool) -> Problem:
    people: list[Person] = []
    cities = ("52.37,4.89", "48.85,2.35", "40.42,-3.70", "51.51,-0.13")
    for k in range(24):
        people.append(
            Person(
                f"e{k}",
                "mentee",
                {
                    "city": cities[k % 4],
                    "languages": ("en", "fr", "de")[k % 3],
                    "team": f"t{k % 5}",
                    "manager": f"m{k % 7}",
                    "level": float(k % 6),
                    "style": ("direct", "gentle")[k % 2],
                    "topics": ("a;b", "b;c", "c;d")[k % 3],
                },
                0,
                0,
                (f"m{k % 7}", f"m{(k + 1) % 7}"),
            )
        )
    for j in range(7):
        people.append(
            Person(
                f"m{j}",
                "mentor",
                {
                    "city": cities[j % 4],
                    "languages": "en;fr" if j % 2 else "de;en",
                    "team": f"t{j % 4}",
                    "manager": f"e{j * 3}",
                    "level": float(j),
                    "style": ("direct", "gentle")[j % 2],
                    "topics": "a;c" if j % 2 else "b;d",
                },
                1 if j < 2 else 0,
                3,
            )
        )
    criteria = (
        Criterion("distance", "city", "city", weight=1.0, params={"scale_km": 800}),
        Criterion("shares_language", "languages", "languages", hard=True),
        Criterion("not_same", "team", "team", hard=True),
        Criterion("not_manager", "manager", "manager", hard=True),
        Criterion("gap", "level", "level", weight=1.0, params={"target": 2}),
        Criterion("different", "style", "style", weight=0.5),
        Criterion("overlap", "topics", "topics", weight=1.0),
    )
    return Problem.build(
        people,
        criteria,
        choices=ChoicePolicy(bonus=(0.5, 0.25), honour_first=honour_first),
        groups=GroupPolicy(diversity_fields=("style",)),
    )


def main() -> int:
    """``python -m tandem.matching.warmup``: compile (or load) the kernels and say how long."""
    seconds = warm_up()
    print(f"matching kernels ready in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
