"""Tandem's matching engine: pure Python + NumPy/SciPy/OR-Tools, no Django.

Public API::

    from tandem.matching import Person, Criterion, Problem, ChoicePolicy, solve, Matcher

    problem = Problem.build(people, criteria, choices=ChoicePolicy(bonus=(0.3, 0.2, 0.1)),
                            locked=[("mentee-1", "mentor-9")], forbidden=[...], past=[...])
    result = solve(problem, mode="optimal", objective="coverage")   # -> MatchResult
    matcher = Matcher(problem)            # encode once, then:
    matcher.solve("stable")               # or "groups"
    matcher.suggest("mentee-1", limit=10) # ranked mentors with contributions and reasons
    matcher.score_pair("mentee-1", "mentor-3")  # live score and explanation of one pair

Files: :func:`read_people_csv`, :func:`read_criteria_toml`, :func:`write_matches_csv`.
Errors: :class:`MatchingInputError` (file, row, column, value), :class:`InfeasibleLockError`.
See ``docs/matching.md`` for the formulas, the certificate and a worked example.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below load on first use (PEP 562): `tandem match --help`, the
    # data model and the fit scale import no NumPy, SciPy, numba or OR-Tools
    from .engine import Matcher, score_pair, solve, suggest
    from .errors import InfeasibleLockError, MatchingError, MatchingInputError
    from .io import CriteriaConfig, read_criteria_toml, read_people_csv, write_matches_csv
    from .kinds import KINDS
    from .model import (
        SCORE_SCALE,
        ChoicePolicy,
        Contribution,
        Criterion,
        Group,
        GroupPolicy,
        Match,
        MatchResult,
        PairScore,
        Person,
        Problem,
        Stats,
        Unmatched,
    )
    from .stable import count_blocking_pairs

#: public name -> the module that defines it
_WHERE = {
    "Matcher": "engine",
    "score_pair": "engine",
    "solve": "engine",
    "suggest": "engine",
    "InfeasibleLockError": "errors",
    "MatchingError": "errors",
    "MatchingInputError": "errors",
    "CriteriaConfig": "io",
    "read_criteria_toml": "io",
    "read_people_csv": "io",
    "write_matches_csv": "io",
    "KINDS": "kinds",
    "SCORE_SCALE": "model",
    "ChoicePolicy": "model",
    "Contribution": "model",
    "Criterion": "model",
    "Group": "model",
    "GroupPolicy": "model",
    "Match": "model",
    "MatchResult": "model",
    "PairScore": "model",
    "Person": "model",
    "Problem": "model",
    "Stats": "model",
    "Unmatched": "model",
    "count_blocking_pairs": "stable",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        try:  # submodules used as attributes (``matching.model.FieldValue``)
            return import_module(f"{__name__}.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "KINDS",
    "SCORE_SCALE",
    "ChoicePolicy",
    "Contribution",
    "CriteriaConfig",
    "Criterion",
    "Group",
    "GroupPolicy",
    "InfeasibleLockError",
    "Match",
    "MatchResult",
    "Matcher",
    "MatchingError",
    "MatchingInputError",
    "PairScore",
    "Person",
    "Problem",
    "Stats",
    "Unmatched",
    "count_blocking_pairs",
    "read_criteria_toml",
    "read_people_csv",
    "score_pair",
    "solve",
    "suggest",
    "write_matches_csv",
]
