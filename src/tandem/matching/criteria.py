"""Criterion kinds: validation, encoding into NumPy arrays, and the scoring formulas.

Every criterion score is in [0, 1]; the formulas are stated in ``docs/matching.md`` and in each
class docstring below. Each encoded criterion offers three views of the same formula:

* :meth:`EncodedCriterion.pair` — exact float64 scores for arbitrary (mentee, mentor) pairs;
* :meth:`EncodedCriterion.rows` — float32 scores of some mentees against *all* mentors (dense);
* :meth:`EncodedCriterion.sparse_rows` — for kinds whose score is usually 0 (tag sets), only the
  non-zero entries, which is what makes blockwise scoring of 100k x 25k pairs affordable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse._sparsetools import csr_todense  # adds a CSR matrix into a dense array

from .arrays import BoolArray, Embedder, Float32Array, FloatArray, IntArray
from .errors import MatchingInputError
from .kernels import pair_intersections
from .kinds import (
    BINARY_KINDS,
    DEFAULT_NEED,
    DEFAULT_SCALE_HOURS,
    DEFAULT_SCALE_KM,
    DENSE_VOCABULARY,
    EARTH_RADIUS_KM,
    GRADED_DEFAULT_THRESHOLD,
    NO_PREFERENCE,
    WANTS_DIFFERENT,
    WANTS_SIMILAR,
    band_of,
    direction_of,
)
from .model import Criterion, FieldValue, Person


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values of a 1-D array (NumPy 2.5's np.unique hashes integers and is
    ~60x slower than a sort on millions of them)."""
    ordered = np.sort(values, kind="stable")
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


def hard_threshold(criterion: Criterion) -> float:
    if criterion.threshold is not None:
        return float(criterion.threshold)
    return 1.0 if criterion.kind in BINARY_KINDS else GRADED_DEFAULT_THRESHOLD


# ---------------------------------------------------------------------------------------------
# value parsing


def as_text(value: FieldValue) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def as_items(value: FieldValue) -> tuple[str, ...]:
    """A list field as a tuple of stripped, non-empty strings (``;`` separates in strings)."""
    if value is None:
        return ()
    raw = [str(v) for v in value] if isinstance(value, tuple) else str(value).split(";")
    return tuple(item.strip() for item in raw if item.strip())


def as_number(value: FieldValue) -> float:
    """A number, or NaN when empty. Raises ValueError on garbage."""
    if value is None:
        return math.nan
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, tuple):
        raise ValueError("a list is not a number")
    text = value.strip()
    if not text:
        return math.nan
    return float(text)


_UTC_RE = re.compile(r"^(?:utc|gmt)?\s*([+-]?\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def as_utc_offset(value: FieldValue) -> float:
    """Hours east of UTC: ``2``, ``-5.5``, ``UTC+2``, ``+05:30`` or an IANA name
    (offset on 15 January, i.e. standard time in the northern hemisphere)."""
    if value is None:
        return math.nan
    if isinstance(value, (int, float)):
        return float(value)
    text = as_text(value)
    if not text:
        return math.nan
    try:
        return float(text)
    except ValueError:
        pass
    match = _UTC_RE.match(text.replace(" ", ""))
    if match:
        hours = int(match.group(1))
        minutes = int(match.group(2) or 0)
        return hours + math.copysign(minutes / 60, hours if hours else 1)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"not a UTC offset or time-zone name: {text!r}") from None
    offset = datetime(2025, 1, 15, 12, tzinfo=zone).utcoffset()
    assert offset is not None
    return offset.total_seconds() / 3600


def as_lat_lon(value: FieldValue) -> tuple[float, float]:
    """``"52.37,4.89"``, ``"52.37;4.89"`` or a pair of numbers; (NaN, NaN) when empty."""
    if value is None or value == "" or value == ():
        return math.nan, math.nan
    if isinstance(value, tuple):
        parts = [str(v) for v in value]
    else:
        parts = re.split(r"[,;\s]+", str(value).strip())
    if len(parts) != 2:
        raise ValueError("expected 'latitude,longitude'")
    lat, lon = float(parts[0]), float(parts[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 360):
        raise ValueError("latitude/longitude out of range")
    return lat, lon


def field_error(person: Person, field_name: str, message: str) -> MatchingInputError:
    return MatchingInputError(
        message, column=field_name, value=person.fields.get(field_name), person_id=person.id
    )


# ---------------------------------------------------------------------------------------------
# encoded criteria


@dataclass
class Context:
    mentees: Sequence[Person]
    mentors: Sequence[Person]
    embedder: Embedder | None


class EncodedCriterion:
    """A criterion with both sides' values encoded as arrays."""

    sparse: bool = False  # score is 0 for most pairs; sparse_rows is worth using

    def __init__(self, criterion: Criterion, context: Context) -> None:
        self.criterion = criterion
        self.kind = criterion.kind
        self.n_mentees = len(context.mentees)
        self.n_mentors = len(context.mentors)
        self.threshold = hard_threshold(criterion)
        self.mentee_codes: IntArray | None = None  # distinct mentee-side value ids, if few

    # -- formulas --------------------------------------------------------------------------
    def pair(self, mentee: IntArray, mentor: IntArray) -> FloatArray:
        raise NotImplementedError

    def rows(self, mentee: IntArray) -> Float32Array:
        """Scores of ``mentee`` rows against every mentor, float32, shape (len, n_mentors)."""
        raise NotImplementedError

    def sparse_rows(self, mentee: IntArray) -> tuple[IntArray, IntArray, Float32Array]:
        """(row position, mentor, score) of the non-zero scores of ``mentee`` rows."""
        dense = self.rows(mentee)
        r, c = np.nonzero(dense)
        return r.astype(np.int64), c.astype(np.int64), dense[r, c]

    def fail_pairs(self, mentee: IntArray) -> tuple[IntArray, IntArray] | None:
        """For hard rules that fail on few pairs: (row position, mentor) of failing pairs."""
        return None

    def add_block(self, acc: Float32Array, mentee: IntArray, factor: float) -> None:
        """acc += factor * rows(mentee), in place (kinds override it with faster paths)."""
        values = self.rows(mentee)
        values *= np.float32(factor)
        acc += values

    def passes(self, scores: FloatArray) -> BoolArray:
        return np.asarray(scores >= self.threshold, dtype=np.bool_)

    def passes_block(self, scores: Float32Array) -> BoolArray:
        """Lenient float32 version of :meth:`passes` (a superset of the exact rule)."""
        if self.threshold <= GRADED_DEFAULT_THRESHOLD:
            return np.asarray(scores > 0, dtype=np.bool_)
        return np.asarray(scores >= np.float32(self.threshold - 1e-5), dtype=np.bool_)

    # -- explanation -----------------------------------------------------------------------
    def detail(self, mentee: int, mentor: int) -> dict[str, object]:
        """Values an explanation needs (e.g. the shared items)."""
        return {}


def _codes(values: Sequence[str]) -> tuple[IntArray, list[str]]:
    vocab: dict[str, int] = {}
    codes = np.empty(len(values), dtype=np.int64)
    for index, value in enumerate(values):
        if not value:
            codes[index] = -1
            continue
        codes[index] = vocab.setdefault(value, len(vocab))
    return codes, list(vocab)


class SetCriterion(EncodedCriterion):
    """Tag-set kinds. With A = mentee's set, B = mentor's set, i = |A ∩ B|:

    * ``overlap``: i / |A ∪ B| (Jaccard), 0 when both are empty;
    * ``complement``: i / |A| (share of the mentee's wants the mentor offers), 0 if A is empty;
    * ``availability``: min(1, i / need) (need defaults to 2 shared slots);
    * ``shares_language``: 1 if i > 0 else 0.
    """

    def __init__(self, criterion: Criterion, context: Context) -> None:
        super().__init__(criterion, context)
        self.need = float(criterion.params.get("need", DEFAULT_NEED))  # type: ignore[arg-type]
        self.display: dict[str, str] = {}
        vocab: dict[str, int] = {}

        display = self.display
        seen: dict[object, int] = {}  # raw item -> vocabulary index (-1: blank)

        def encode(people: Sequence[Person], field_name: str) -> sp.csr_matrix:
            # each person's raw items, then every distinct raw spelling normalised once (in
            # order of first appearance: the vocabulary order), then the (person, item) pairs
            # deduplicated with NumPy (a person listing a tag twice holds it once)
            items: list[Sequence[object]] = []
            for person in people:
                value = person.fields.get(field_name)
                if value is None or value == "":
                    items.append(())
                else:
                    items.append(value if isinstance(value, tuple) else str(value).split(";"))
            flat = list(chain.from_iterable(items))
            for item in dict.fromkeys(flat):
                if item in seen:
                    continue
                text = str(item).strip()
                key = text.casefold()
                index = vocab.get(key, -1) if text else -1
                if text and index < 0:
                    index = vocab[key] = len(vocab)
                    display[key] = text
                seen[item] = index
            codes = np.fromiter(map(seen.__getitem__, flat), dtype=np.int64, count=len(flat))
            lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
            owner = np.repeat(np.arange(len(items), dtype=np.int64), lengths)
            keep = codes >= 0
            keys = distinct(owner[keep] * (len(vocab) + 1) + codes[keep])
            rows, indices = np.divmod(keys, len(vocab) + 1)
            indptr = np.searchsorted(rows, np.arange(len(items) + 1))
            return sp.csr_matrix(
                (
                    np.ones(len(indices), dtype=np.float32),
                    indices.astype(np.int32),
                    indptr.astype(np.int64),
                ),
                shape=(len(people), 0),
            )

        a = encode(context.mentees, criterion.mentee_field)
        b = encode(context.mentors, criterion.mentor_field)
        size = max(len(vocab), 1)
        self.vocab = [""] * len(vocab)
        for key, index in vocab.items():
            self.vocab[index] = key
        self.mentee_sets = sp.csr_matrix((a.data, a.indices, a.indptr), shape=(a.shape[0], size))
        self.mentor_sets = sp.csr_matrix((b.data, b.indices, b.indptr), shape=(b.shape[0], size))
        self.mentee_size = np.diff(self.mentee_sets.indptr).astype(np.float64)
        self.mentor_size = np.diff(self.mentor_sets.indptr).astype(np.float64)
        self.mentee_bits = _bitsets(self.mentee_sets, size)
        self.mentor_bits = _bitsets(self.mentor_sets, size)
        # Few distinct items (weekly slots, languages): dense BLAS products beat sparse ones.
        self.sparse = size > DENSE_VOCABULARY
        if not self.sparse:
            dtype = np.uint16 if size <= 16 else np.uint32 if size <= 32 else np.uint64
            self.mentee_mask = self.mentee_bits[:, 0].astype(dtype)
            self.mentor_mask = self.mentor_bits[:, 0].astype(dtype)
        self.mentee_sets.sort_indices()
        self.mentor_sets.sort_indices()
        self.mentor_sets_t = self.mentor_sets.T.tocsr()
        self.mentor_size32 = self.mentor_size.astype(np.float32)
        if self.mentee_bits.shape[0]:
            # exact distinct sets only when there are few (a 64-bit row hash counts them)
            mix = np.arange(1, self.mentee_bits.shape[1] + 1, dtype=np.uint64) * np.uint64(
                0x9E3779B97F4A7C15
            )
            hashed = (self.mentee_bits * mix[None, :]).sum(axis=1, dtype=np.uint64)
            if len(distinct(hashed)) <= max(64, len(hashed) // 8):
                rows = self.mentee_bits[:, 0] if self.mentee_bits.shape[1] == 1 else None
                _, inverse = (  # (one word: the word is the key, no row-wise unique needed)
                    np.unique(rows, return_inverse=True)
                    if rows is not None
                    else np.unique(self.mentee_bits, axis=0, return_inverse=True)
                )
                self.mentee_codes = inverse.reshape(-1).astype(np.int64)

    def _formula(self, inter: FloatArray, size_a: FloatArray, size_b: FloatArray) -> FloatArray:
        kind = self.kind
        with np.errstate(divide="ignore", invalid="ignore"):
            if kind == "overlap":
                union = size_a + size_b - inter
                out = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
            elif kind == "complement":
                out = np.where(size_a > 0, inter / np.maximum(size_a, 1), 0.0)
            elif kind == "availability":
                out = np.minimum(1.0, inter / self.need)
            else:  # shares_language
                out = (inter > 0).astype(np.float64)
        return np.asarray(out, dtype=np.float64)

    def intersections(self, mentee: IntArray, mentor: IntArray) -> FloatArray:
        return np.asarray(
            pair_intersections(
                self.mentee_bits,
                self.mentor_bits,
                np.asarray(mentee, dtype=np.int64),
                np.asarray(mentor, dtype=np.int64),
            )
        )

    def pair(self, mentee: IntArray, mentor: IntArray) -> FloatArray:
        inter = self.intersections(mentee, mentor)
        return self._formula(inter, self.mentee_size[mentee], self.mentor_size[mentor])

    def _count_lut(self, factor: float) -> Float32Array | None:
        """factor * score as a function of the intersection size alone (or None)."""
        counts = np.arange(65, dtype=np.float64)
        if self.kind == "availability":
            return (factor * np.minimum(1.0, counts / self.need)).astype(np.float32)
        if self.kind == "shares_language":
            return (factor * (counts > 0)).astype(np.float32)
        return None

    def _counts(self, mentee: IntArray) -> NDArray[np.uint8]:
        both = np.bitwise_and(self.mentee_mask[mentee][:, None], self.mentor_mask[None, :])
        return np.asarray(np.bitwise_count(both), dtype=np.uint8)

    def rows(self, mentee: IntArray) -> Float32Array:
        if not self.sparse:
            counts = self._counts(mentee)
            lut = self._count_lut(1.0)
            if lut is not None:
                return np.take(lut, counts)
            inter = counts.astype(np.float32)
        else:
            inter = (self.mentee_sets[mentee] @ self.mentor_sets_t).toarray()
        out = self._formula(
            inter.astype(np.float64), self.mentee_size[mentee][:, None], self.mentor_size[None, :]
        )
        return np.asarray(out, dtype=np.float32)

    def sparse_rows(self, mentee: IntArray) -> tuple[IntArray, IntArray, Float32Array]:
        product = (self.mentee_sets[mentee] @ self.mentor_sets_t).tocsr()
        counts = np.diff(product.indptr)
        row = np.repeat(np.arange(len(mentee), dtype=np.int64), counts)
        col = product.indices.astype(np.int64)
        inter = product.data.astype(np.float64)
        values = self._formula(inter, self.mentee_size[mentee][row], self.mentor_size[col])
        keep = values > 0
        return row[keep], col[keep], values[keep].astype(np.float32)

    def add_block(self, acc: Float32Array, mentee: IntArray, factor: float) -> None:
        if not self.sparse:
            if self.kind in ("availability", "shares_language"):
                values = self._counts(mentee).astype(np.float32)
                if self.kind == "availability":
                    values *= np.float32(factor / self.need)
                    np.minimum(values, np.float32(factor), out=values)
                else:
                    np.minimum(values, np.float32(1.0), out=values)
                    values *= np.float32(factor)
                acc += values
                return
            super().add_block(acc, mentee, factor)
            return
        product = (self.mentee_sets[mentee] @ self.mentor_sets_t).tocsr()
        inter = product.data  # float32, >= 1
        size_a = np.repeat(self.mentee_size[mentee].astype(np.float32), np.diff(product.indptr))
        if self.kind == "overlap":
            union = size_a + self.mentor_size32[product.indices]
            union -= inter
            data = inter / union
        elif self.kind == "complement":
            data = inter / size_a
        else:
            data = self._formula(
                inter.astype(np.float64),
                size_a.astype(np.float64),
                self.mentor_size[product.indices],
            ).astype(np.float32)
        data *= np.float32(factor)
        csr_todense(len(mentee), self.n_mentors, product.indptr, product.indices, data, acc)

    def items(self, mentee: int, mentor: int) -> tuple[list[str], list[str], list[str]]:
        a = set(
            self.mentee_sets.indices[
                self.mentee_sets.indptr[mentee] : self.mentee_sets.indptr[mentee + 1]
            ].tolist()
        )
        b = set(
            self.mentor_sets.indices[
                self.mentor_sets.indptr[mentor] : self.mentor_sets.indptr[mentor + 1]
            ].tolist()
        )
        shared = [self.display[self.vocab[i]] for i in sorted(a & b)]
        only_a = [self.display[self.vocab[i]] for i in sorted(a - b)]
        only_b = [self.display[self.vocab[i]] for i in sorted(b - a)]
        return shared, only_a, only_b

    def detail(self, mentee: int, mentor: int) -> dict[str, object]:
        shared, missing, _ = self.items(mentee, mentor)
        return {"shared": shared, "missing": missing}


def _bitsets(matrix: sp.csr_matrix, size: int) -> NDArray[np.uint64]:
    words = max(1, (size + 63) // 64)
    bits = np.zeros((matrix.shape[0], words), dtype=np.uint64)
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    cols = matrix.indices.astype(np.int64)
    np.bitwise_or.at(
        bits, (rows, cols // 64), np.left_shift(np.uint64(1), (cols % 64).astype(np.uint64))
    )
    return bits


class CategoryCriterion(EncodedCriterion):
    """Categories (compared case-insensitively; empty means unknown):

    * ``same``: 1 if both are known and equal, else 0;
    * ``different``: 1 if both are known and differ, else 0;
    * ``not_same``: 0 if both are known and equal, else 1 (a hard rule: "not the same team").
    """

    KEYED_LIMIT: ClassVar[int] = 512

    def __init__(self, criterion: Criterion, context: Context) -> None:
        super().__init__(criterion, context)
        a_raw = [as_text(p.fields.get(criterion.mentee_field)) for p in context.mentees]
        b_raw = [as_text(p.fields.get(criterion.mentor_field)) for p in context.mentors]
        codes, vocab = _codes([v.casefold() for v in a_raw + b_raw])
        self.a = codes[: len(a_raw)]
        self.b = codes[len(a_raw) :]
        self.a_display = a_raw
        self.b_display = b_raw
        self.vocab_size = len(vocab)
        if self.vocab_size + 1 <= self.KEYED_LIMIT:
            self.mentee_codes = self.a.copy()
        order = np.argsort(self.b, kind="stable")
        self.mentors_by_code = order.astype(np.int64)
        sorted_codes = self.b[order]
        self.code_start = np.searchsorted(sorted_codes, np.arange(self.vocab_size + 1))

    def _formula(self, a: IntArray, b: IntArray) -> FloatArray:
        equal = (a == b) & (a >= 0)
        if self.kind == "same":
            return np.asarray(equal, dtype=np.float64)
        if self.kind == "different":
            return np.asarray((a != b) & (a >= 0) & (b >= 0), dtype=np.float64)
        return np.asarray(~equal, dtype=np.float64)

    def pair(self, mentee: IntArray, mentor: IntArray) -> FloatArray:
        return self._formula(self.a[mentee], self.b[mentor])

    def rows(self, mentee: IntArray) -> Float32Array:
        return self._formula(self.a[mentee][:, None], self.b[None, :]).astype(np.float32)

    def _equal_pairs(self, mentee: IntArray) -> tuple[IntArray, IntArray]:
        codes = self.a[mentee]
        known = codes >= 0
        positions = np.nonzero(known)[0]
        starts = self.code_start[codes[known]]
        ends = self.code_start[codes[known] + 1]
        counts = ends - starts
        row = np.repeat(positions, counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        col = self.mentors_by_code[np.repeat(starts, counts) + offsets]
        return row.astype(np.int64), col.astype(np.int64)

    def sparse_rows(self, mentee: IntArray) -> tuple[IntArray, IntArray, Float32Array]:
        if self.kind == "same":
            row, col = self._equal_pairs(mentee)
            return row, col, np.ones(len(row), dtype=np.float32)
        return super().sparse_rows(mentee)

    def fail_pairs(self, mentee: IntArray) -> tuple[IntArray, IntArray] | None:
        if self.kind == "not_same":
            return self._equal_pairs(mentee)
        return None

    def detail(self, mentee: int, mentor: int) -> dict[str, object]:
        return {"mentee_value": self.a_display[mentee], "mentor_value": self.b_display[mentor]}


class PreferenceCriterion(EncodedCriterion):
    """``preference``: the direction follows each mentee's own answer. With A, B the two
    sides' categories (case-insensitive; empty means unknown) and the mentee's answer in
    ``preference_field``:

    * wants someone similar: 1 if both are known and equal, else 0;
    * wants someone different: 1 if both are known and differ, else 0;
    * no preference (empty, "no preference", "either"): 1 — any mentor meets it.
    """

    KEYED_LIMIT: ClassVar[int] = 512

    def __init__(self, criterion: Criterion, context: Context) -> None:
        super().__init__(criterion, context)
        answer_field = str(criterion.params.get("preference_field") or "")
        a_raw = [as_text(p.fields.get(criterion.mentee_field)) for p in context.mentees]
        b_raw = [as_text(p.fields.get(criterion.mentor_field)) for p in context.mentors]
        codes, vocab = _codes([v.casefold() for v in a_raw + b_raw])
        self.a = codes[: len(a_raw)]
        self.b = codes[len(a_raw) :]
        self.a_display = a_raw
        self.b_display = b_raw
        self.answer_field = answer_field
        self.want = np.fromiter(
            (direction_of(p.fields.get(answer_field)) for p in context.mentees),
            dtype=np.int64,
            count=len(context.mentees),
        )
        self.vocab_size = len(vocab)
        if 3 * (self.vocab_size + 1) <= self.KEYED_LIMIT:
            # (direction, value) as one code: the score model precomputes it as a table
            self.mentee_codes = self.want * (self.vocab_size + 1) + (self.a + 1)

    def _formula(self, a: IntArray, want: IntArray, b: IntArray) -> FloatArray:
        equal = (a == b) & (a >= 0)
        differ = (a != b) & (a >= 0) & (b >= 0)
        return np.asarray(
            np.where(want == WANTS_SIMILAR, equal, np.where(want == WANTS_DIFFERENT, differ, True)),
            dtype=np.float64,
        )

    def pair(self, mentee: IntArray, mentor: IntArray) -> FloatArray:
        return self._formula(self.a[mentee], self.want[mentee], self.b[mentor])

    def rows(self, mentee: IntArray) -> Float32Array:
        return self._formula(
            self.a[mentee][:, None], self.want[mentee][:, None], self.b[None, :]
        ).astype(np.float32)

    def wants(self, mentee: int) -> int:
        return int(self.want[mentee]) if len(self.want) else NO_PREFERENCE

    def detail(self, mentee: int, mentor: int) -> dict[str, object]:
        direction = {NO_PREFERENCE: "", WANTS_SIMILAR: "similar", WANTS_DIFFERENT: "different"}
        return {
            "mentee_value": self.a_display[mentee],
            "mentor_value": self.b_display[mentor],
            "wants": direction[self.wants(mentee)],
        }


class GapCriterion(EncodedCriterion):
    """``gap``: d = mentor value - mentee value; target band [low, high]; tolerance t
    (default: high - low, at least 1). score = 1 inside the band, else
    max(0, 1 - (distance from d to the band) / t); 0 if a value is missing."""

    KEYED_LIMIT: ClassVar[int] = 512

    def __init__(self, criterion: Criterion, context: Context) -> None:
        super().__init__(criterion, context)
        self.low, self.high = band_of(criterion.params.get("target"))
        default_tolerance = max(self.high - self.low, 1.0)
        self.tolerance = float(criterion.params.get("tolerance", default_tolerance))  # type: ignore[arg-type]
        self.a = self._values(context.mentees, criterion.mentee_field)
        self.b = self._values(context.mentors, criterion.mentor_field)
        distinct, inverse = np.unique(self.a, return_inverse=True, equal_nan=True)
        if len(distinct) <= self.KEYED_LIMIT:
            self.mentee_codes = inverse.reshape(-1).astype(np.int64)

    @staticmethod
    def _values(people: Sequence[Person], field_name: str) -> FloatArray:
        out = np.empty(len(people), dtype=np.float64)
        for index, person in enumerate(people):
            try:
                out[index] = as_number(person.fields.get(field_name))
            except ValueError:
                raise field_error(person, field_name, "not a number") from None
        return out

    def _formula(self, a: FloatArray, b: FloatArray) -> FloatArray:
        d = b - a
        outside = np.maximum(np.maximum(self.low - d, d - self.high), 0.0)
        score = np.maximum(0.0, 1.0 - outside / self.tolerance)
        return np.asarray(np.where(np.isnan(score), 0.0, score), dtype=np.float64)

    def pair(self, mentee: IntArray, mentor: IntArray) -> FloatArray:
        return self._formula(self.a[mentee], self.b[mentor])

    def rows(self, mentee: IntArray) -> Float32Array:
        return self._formula(self.a[mentee][:, None], self.b[None, :]).astype(np.float32)

    def detail(self, mentee: int, mentor: int) -> dict[str, object]:
        return {"difference": float(self.b[mentor] - self.a[mentee]), "band": (self.low, self.high)}


class DistanceCriterion(EncodedCriterion):
    """``distance``: great-circle distance d (km, haversine, R = 6371 km);
    score = max(0, 1 - d / scale_km) (scale_km defaults to 1000); 0 if a location is missing."""

    KEYED_LIMIT: ClassVar[int] = 512

    def __init__(self, criterion: Criterion, context: Context) -> None:
        super().__init__(criterion, context)
        self.scale = float(criterion.params.get("scale_km", DEFAULT_SCALE_KM))  # type: ignore[arg-type]
        self.a = self._values(context.mentees, criterion.mentee_field)
        self.b = self._values(context.mentors, criterion.mentor_field)
        distinct, inverse = np.unique(self.a, axis=0, return_inverse=True, equal_nan=True)
        if len(distinct) <= self.KEYED_LIMIT and len(self.a):
            self.mentee_codes = inverse.reshape(-1).astype(np.int64)

    @staticmethod
    def _values(people: Sequence[Person], field_name: str) -> FloatArray:
        out = np.empty((len(people), 2), dtype=np.float64)
        for index, person in enumerate(people):
            try:
                out[index] = as_lat_lon(person.fields.get(field_name))
            except ValueError as error:
                raise field_error(person, field_name, f"not a location: {error}") from None
        return np.radians(out)

    @staticmethod
    def km(a: FloatArray, b: FloatArray) -> FloatArray:
        lat1, lon1 = a[..., 0], a[..., 1]
        lat2, lon2 = b[..., 0], b[..., 1]
        h = (
            np.sin((lat2 - lat1) / 2) ** 2
            + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
        )
        return np.asarray(
            2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1))), dtype=np.float64
        )

    def _formula(self, a: FloatArray, b: FloatArray) -> FloatArray:
        score = np.maximum(0.0, 1.0 - self.km(a, b) / self.scale)
        return np.asarray(np.where(np.isnan(score), 0.0, score), dtype=np.float64)

    def pair(self, mentee: IntArray, mentor: IntArray) -> FloatArray:
        return self._formula(self.a[mentee], self.b[mentor])

    def rows(self, mentee: IntArray) -> Float32Array:
        return self._formula(self.a[mentee][:, None, :], self.b[None, :, :]).astype(np.float32)

    def detail(self, mentee: int, mentor: int) -> dict[str, object]:
        return {"km": float(self.km(self.a[mentee], self.b[mentor]))}


class TimezoneCriterion(EncodedCriterion):
    """``timezone``: h = hours apart on the 24-hour circle, min(|a - b| mod 24, 24 - ...);
    score = max(0, 1 - h / scale_hours) (scale_hours defaults to 12); 0 if missing."""

    KEYED_LIMIT: ClassVar[int] = 512

    def __init__(self, criterion: Criterion, context: Context) -> None:
        super().__init__(criterion, context)
        self.scale = float(criterion.params.get("scale_hours", DEFAULT_SCALE_HOURS))  # type: ignore[arg-type]
        self.a = self._values(context.mentees, criterion.mentee_field)
        self.b = self._values(context.mentors, criterion.mentor_field)
        distinct, inverse = np.unique(self.a, return_inverse=True, equal_nan=True)
        if len(distinct) <= self.KEYED_LIMIT:
            self.mentee_codes = inverse.reshape(-1).astype(np.int64)

    @staticmethod
    def _values(people: Sequence[Person], field_name: str) -> FloatArray:
        out = np.empty(len(people), dtype=np.float64)
        for index, person in enumerate(people):
            try:
                out[index] = as_utc_offset(person.fields.get(field_name))
            except ValueError as error:
                raise field_error(person, field_name, str(error)) from None
        return out

    @staticmethod
    def hours(a: FloatArray, b: FloatArray) -> FloatArray:
        h = np.abs(a - b) % 24
        return np.asarray(np.minimum(h, 24 - h), dtype=np.float64)

    def _formula(self, a: FloatArray, b: FloatArray) -> FloatArray:
        score = np.maximum(0.0, 1.0 - self.hours(a, b) / self.scale)
        return np.asarray(np.where(np.isnan(score), 0.0, score), dtype=np.float64)

    def pair(self, mentee: IntArray, mentor: IntArray) -> FloatArray:
        return self._formula(self.a[mentee], self.b[mentor])

    def rows(self, mentee: IntArray) -> Float32Array:
        return self._formula(self.a[mentee][:, None], self.b[None, :]).astype(np.float32)

    def detail(self, mentee: int, mentor: int) -> dict[str, object]:
        return {"hours": float(self.hours(self.a[mentee], self.b[mentor]))}


class TextCriterion(EncodedCriterion):
    """``text``: score = max(0, cosine similarity) of the two texts' sentence embeddings
    (all-MiniLM-L6-v2, 384 dimensions, computed once per person and cached); 0 if a text is
    empty."""

    def __init__(self, criterion: Criterion, context: Context) -> None:
        super().__init__(criterion, context)
        if context.embedder is None:
            raise MatchingInputError(
                "the text criterion needs an embedder", column=criterion.mentee_field
            )
        a_text = [as_text(p.fields.get(criterion.mentee_field)) for p in context.mentees]
        b_text = [as_text(p.fields.get(criterion.mentor_field)) for p in context.mentors]
        vectors = np.asarray(context.embedder(a_text + b_text), dtype=np.float32)
        self.a = np.ascontiguousarray(vectors[: len(a_text)])
        self.b = np.ascontiguousarray(vectors[len(a_text) :])
        self.b_t = np.ascontiguousarray(self.b.T)
        # identical texts share a code; the score model precomputes them as a table when
        # there are few distinct texts (otherwise: a dense float32 product per block)
        if a_text:
            _, inverse = np.unique(np.asarray(a_text, dtype=object), return_inverse=True)
            self.mentee_codes = inverse.reshape(-1).astype(np.int64)

    def pair(self, mentee: IntArray, mentor: IntArray) -> FloatArray:
        # float32 dot products in chunks (the vectors are float32; memory stays small)
        out = np.empty(len(mentee), dtype=np.float64)
        for start in range(0, len(mentee), 32_768):
            a = self.a[mentee[start : start + 32_768]]
            b = self.b[mentor[start : start + 32_768]]
            out[start : start + 32_768] = np.einsum("ij,ij->i", a, b)
        return np.asarray(np.clip(out, 0.0, 1.0), dtype=np.float64)

    def rows(self, mentee: IntArray) -> Float32Array:
        out = self.a[mentee] @ self.b_t
        np.clip(out, 0.0, 1.0, out=out)
        return out


class ManagerCriterion(EncodedCriterion):
    """``not_manager``: 0 if the mentor is the mentee's direct manager or the other way round
    (the field holds the id of the person's manager), else 1."""

    def __init__(self, criterion: Criterion, context: Context) -> None:
        super().__init__(criterion, context)
        mentor_index = {p.id: i for i, p in enumerate(context.mentors)}
        mentee_index = {p.id: i for i, p in enumerate(context.mentees)}
        self.mentee_manager = np.array(
            [
                mentor_index.get(as_text(p.fields.get(criterion.mentee_field)), -1)
                for p in context.mentees
            ],
            dtype=np.int64,
        )
        self.mentor_manager = np.array(
            [
                mentee_index.get(as_text(p.fields.get(criterion.mentor_field)), -1)
                for p in context.mentors
            ],
            dtype=np.int64,
        )
        # mentee index -> mentors this mentee manages
        managed = np.nonzero(self.mentor_manager >= 0)[0]
        order = np.argsort(self.mentor_manager[managed], kind="stable")
        self.managed_mentors = managed[order].astype(np.int64)
        self.managed_start = np.searchsorted(
            self.mentor_manager[self.managed_mentors], np.arange(self.n_mentees + 1)
        )

    def pair(self, mentee: IntArray, mentor: IntArray) -> FloatArray:
        fails = (self.mentee_manager[mentee] == mentor) | (self.mentor_manager[mentor] == mentee)
        return np.asarray(~fails, dtype=np.float64)

    def rows(self, mentee: IntArray) -> Float32Array:
        out = np.ones((len(mentee), self.n_mentors), dtype=np.float32)
        failing = self.fail_pairs(mentee)
        assert failing is not None
        out[failing] = 0.0
        return out

    def fail_pairs(self, mentee: IntArray) -> tuple[IntArray, IntArray] | None:
        manager = self.mentee_manager[mentee]
        rows1 = np.nonzero(manager >= 0)[0]
        cols1 = manager[rows1]
        starts = self.managed_start[mentee]
        counts = self.managed_start[mentee + 1] - starts
        rows2 = np.repeat(np.arange(len(mentee)), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        cols2 = self.managed_mentors[np.repeat(starts, counts) + offsets]
        return (
            np.concatenate([rows1, rows2]).astype(np.int64),
            np.concatenate([cols1, cols2]).astype(np.int64),
        )


ENCODERS: Mapping[str, type[EncodedCriterion]] = {
    "overlap": SetCriterion,
    "complement": SetCriterion,
    "availability": SetCriterion,
    "shares_language": SetCriterion,
    "same": CategoryCriterion,
    "different": CategoryCriterion,
    "not_same": CategoryCriterion,
    "gap": GapCriterion,
    "distance": DistanceCriterion,
    "timezone": TimezoneCriterion,
    "text": TextCriterion,
    "not_manager": ManagerCriterion,
    "preference": PreferenceCriterion,
}


def encode(criterion: Criterion, context: Context) -> EncodedCriterion:
    return ENCODERS[criterion.kind](criterion, context)
