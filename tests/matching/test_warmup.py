"""The warm-up reaches every kernel with every signature real runs use, so that after it nothing
compiles (a web request matching a small pool never waits for numba)."""

from __future__ import annotations

import threading

import pytest

from tandem.matching import warmup
from tandem.matching.engine import Matcher
from tandem.matching.model import ChoicePolicy, Criterion, Problem
from tandem.matching.synthetic import synthetic_problem
from tests.matching.helpers import fake_embedder, mentee, mentor


def varied_problems() -> list[Problem]:
    """Runs unlike the warm-up's own: other sizes, one criterion at a time, minimums, text."""
    problems = [synthetic_problem(90, seed=3)]
    people = [
        mentee("a", ["x"], tags="a;b", tz="UTC+2", years=3, where="52,4", lang="en", team="r"),
        mentee("b", tags="c", tz="-5", years=12, where="48,2", lang="fr;en", team="b"),
        mentee("c", tags="", tz="", years="", where="", lang="de", team="r"),
        mentor("x", (1, 2), tags="a;c", tz="1", years=9, where="52,5", lang="en", team="b"),
        mentor("y", (0, 1), tags="b", tz="UTC-4", years=20, where="40,-3", lang="fr", team="r"),
    ]
    for criterion in (
        Criterion("overlap", "tags", "tags", weight=1.0),
        Criterion("complement", "tags", "tags", weight=1.0, hard=True),
        Criterion("timezone", "tz", "tz", weight=1.0, params={"scale_hours": 6}),
        Criterion("gap", "years", "years", weight=1.0, params={"target": [2, 8]}),
        Criterion("distance", "where", "where", weight=1.0),
        Criterion("shares_language", "lang", "lang", hard=True),
        Criterion("same", "team", "team", weight=1.0),
        Criterion("not_same", "team", "team", hard=True),
        Criterion("text", "tags", "tags", weight=1.0),
    ):
        problems.append(Problem.build(people, [criterion], choices=ChoicePolicy(bonus=(0.3,))))
    return problems


def test_warm_up_leaves_nothing_to_compile_for_later_runs() -> None:
    warmup.warm_up()
    before = warmup.compiled_signatures()
    assert all(count >= 1 for name, count in before.items() if _called_from_python(name))
    for problem in varied_problems():
        matcher = Matcher(problem, embedder=fake_embedder)
        for objective in ("coverage", "total", "fair", "spread"):
            matcher.solve("optimal", objective)
        matcher.solve("stable", "coverage")
        matcher.solve("groups", "coverage")
        matcher.suggest(problem.mentees[0].id, limit=3)
    assert warmup.compiled_signatures() == before


def _called_from_python(name: str) -> bool:
    """Kernels the engine calls itself (the others are inlined into them)."""
    return name.rsplit(".", 1)[1] in {
        "top_values",
        "check_rows",
        "column_max",
        "pair_intersections",
        "summarise",
        "group_by",
        "residual_size",
        "residual_graph",
        "duality_gap",
        "feasible_potentials",
        "auction",
    }


def test_kernels_ready_only_after_the_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warmup, "_ready", threading.Event())
    assert not warmup.kernels_ready()
    thread = warmup.warm_up_in_background()
    thread.join()
    assert warmup.kernels_ready()
    assert thread.daemon
