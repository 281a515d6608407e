"""Small builders shared by the matching tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tandem.matching import Criterion, Person, Problem
from tandem.matching.model import ChoicePolicy, FieldValue


def mentee(pid: str, choices: Sequence[str] = (), **fields: FieldValue) -> Person:
    return Person(pid, "mentee", dict(fields), 0, 0, tuple(choices))


def mentor(pid: str, cap: tuple[int, int] = (0, 1), **fields: FieldValue) -> Person:
    return Person(pid, "mentor", dict(fields), cap[0], cap[1])


def fake_embedder(texts: Sequence[str]) -> np.ndarray:
    """Deterministic 'embedding': normalised letter counts (a-z); empty text -> zero row."""
    out = np.zeros((len(texts), 26), dtype=np.float32)
    for row, text in enumerate(texts):
        for char in text.lower():
            if "a" <= char <= "z":
                out[row, ord(char) - 97] += 1
        norm = np.linalg.norm(out[row])
        if norm:
            out[row] /= norm
    return out


def one_criterion_score(
    criterion: Criterion,
    mentee_fields: Mapping[str, FieldValue],
    mentor_fields: Mapping[str, FieldValue],
) -> float:
    from tandem.matching.scoring import ScoreModel

    problem = Problem.build(
        [mentee("a", **mentee_fields), mentor("b", **mentor_fields)],
        [criterion],
        choices=ChoicePolicy(),
    )
    model = ScoreModel(problem, fake_embedder)
    return float(model.criterion_scores(np.array([0]), np.array([0]))[0, 0])
