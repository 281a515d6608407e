"""The ``text`` criterion: a fake embedder in fast tests, the real MiniLM model once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.matching import Criterion, Matcher, Problem, solve

from .helpers import fake_embedder, mentee, mentor

CRITERIA = [Criterion("text", "goals", "experience", weight=1.0)]


def test_fake_embedder_drives_the_match() -> None:
    problem = Problem.build(
        [
            mentee("a", goals="aaaa bbb"),
            mentee("z", goals="zzz yyy"),
            mentor("m1", experience="zzzz yy"),
            mentor("m2", experience="aaa bbbb"),
        ],
        CRITERIA,
    )
    result = solve(problem, objective="total", embedder=fake_embedder)
    assert {(m.mentee_id, m.mentor_id) for m in result.matches} == {("a", "m2"), ("z", "m1")}
    assert "similar goals and experience" in result.matches[0].explanation


def test_real_model_ranks_by_meaning(tmp_path: Path) -> None:
    embeddings = pytest.importorskip("tandem.matching.embeddings")
    try:
        embeddings.resolve_model_dir()
    except embeddings.EmbeddingModelUnavailable as error:
        pytest.skip(f"sentence-embedding model not installed: {error}")
    problem = Problem.build(
        [
            mentee("a", goals="I want to get better at negotiating my salary"),
            mentor("cook", experience="I run an Italian restaurant and teach pasta making"),
            mentor("deal", experience="Twenty years of contract and salary negotiations"),
        ],
        CRITERIA,
        cache_dir=tmp_path,
    )
    ranked = Matcher(problem).suggest("a")
    assert [s.mentor_id for s in ranked] == ["deal", "cook"]
    assert ranked[0].score > ranked[1].score + 0.1
    assert any(tmp_path.iterdir())  # vectors were cached
