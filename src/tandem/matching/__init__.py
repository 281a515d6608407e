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
