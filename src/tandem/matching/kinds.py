"""The criterion kinds the engine knows, the keys each accepts and their defaults: a leaf
module (the data model validates criteria against it, the encoders read the defaults)."""

from __future__ import annotations

from collections.abc import Mapping

KINDS: tuple[str, ...] = (
    "overlap",
    "complement",
    "same",
    "different",
    "gap",
    "distance",
    "timezone",
    "availability",
    "text",
    "not_same",
    "not_manager",
    "shares_language",
    "preference",
)
#: Yes/no kinds: a hard rule on them passes when the score is 1 (threshold defaults to 1).
BINARY_KINDS = frozenset(
    {"same", "different", "not_same", "not_manager", "shares_language", "preference"}
)
#: Kind-specific keys each kind accepts.
KIND_PARAMS: Mapping[str, frozenset[str]] = {
    "overlap": frozenset(),
    "complement": frozenset(),
    "same": frozenset(),
    "different": frozenset(),
    "gap": frozenset({"target", "tolerance"}),
    "distance": frozenset({"scale_km"}),
    "timezone": frozenset({"scale_hours"}),
    "availability": frozenset({"need"}),
    "text": frozenset(),
    "not_same": frozenset(),
    "not_manager": frozenset(),
    "shares_language": frozenset(),
    "preference": frozenset({"preference_field"}),
}
DEFAULT_SCALE_KM = 1000.0
DEFAULT_SCALE_HOURS = 12.0
DEFAULT_NEED = 2.0
EARTH_RADIUS_KM = 6371.0
#: A hard rule without a threshold on a graded kind needs a score above this.
GRADED_DEFAULT_THRESHOLD = 1e-9
#: Tag vocabularies up to this size are scored with dense products.
DENSE_VOCABULARY = 64


def band_of(target: object) -> tuple[float, float]:
    """``target`` of a ``gap`` criterion as (low, high)."""
    if isinstance(target, (int, float)) and not isinstance(target, bool):
        return float(target), float(target)
    if isinstance(target, (list, tuple)) and len(target) == 2:
        low, high = (float(v) for v in target)
        if low > high:
            raise ValueError("low > high")
        return low, high
    raise ValueError(f"bad target {target!r}")


#: A mentee's answer to a ``preference`` criterion's question, as the engine reads it.
NO_PREFERENCE, WANTS_SIMILAR, WANTS_DIFFERENT = 0, 1, 2
_SIMILAR_WORDS = ("similar", "same", "like me", "like mine", "alike")
_DIFFERENT_WORDS = ("differ", "unlike", "not like")


def direction_of(value: object) -> int:
    """The direction a mentee asks for: an answer containing "differ" (or "unlike") wants
    someone different, one containing "similar", "same" or "like me" someone similar; anything
    else (empty, "no preference", "either") has no preference."""
    text = str(value or "").strip().casefold()
    if not text:
        return NO_PREFERENCE
    if any(word in text for word in _DIFFERENT_WORDS):
        return WANTS_DIFFERENT
    if any(word in text for word in _SIMILAR_WORDS):
        return WANTS_SIMILAR
    return NO_PREFERENCE
