"""Validating and measuring profile answers, one rule per question kind.

Every entry point that stores answers — the profile form, the API, the spreadsheet import —
calls :func:`clean_answer`, so an answer is refused the same way everywhere, with a message that
names the allowed values.
"""

from __future__ import annotations

import functools
import math
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tandem.enrolment.enums import DAYS, PARTS_OF_DAY, QuestionKind
from tandem.enrolment.models import ProfileQuestion
from tandem.enrolment.vocabulary import CITIES

AVAILABILITY_SLOTS = tuple(f"{day}-{part}" for day, _ in DAYS for part, _ in PARTS_OF_DAY)
YES = {"yes", "y", "true", "1", "oui", "ja", "sí", "si"}
NO = {"no", "n", "false", "0", "non", "nein"}
LIST_SEPARATOR = ";"


@functools.cache
def time_zone_names() -> frozenset[str]:
    """IANA time-zone names (read from disk once: the call costs ~50 ms)."""
    return frozenset(zoneinfo.available_timezones())


class AnswerError(ValueError):
    """An answer that does not fit its question; the message says why and what is allowed."""


def _as_list(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(LIST_SEPARATOR) if part.strip()]
    if isinstance(raw, Iterable):
        return [str(part).strip() for part in raw if str(part).strip()]
    return [str(raw).strip()]


def _allowed(values: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f", … ({len(values)} in all)" if len(values) > limit else "")


def _match_choice(question: ProfileQuestion, value: str) -> str:
    """Return the vocabulary's own spelling of ``value`` (case-insensitive match)."""
    by_lower = {choice.lower(): choice for choice in question.choices}
    found = by_lower.get(value.lower())
    if found is None:
        raise AnswerError(
            f"“{value}” is not one of the allowed answers: {_allowed(question.choices)}."
        )
    return found


def clean_answer(question: ProfileQuestion, raw: Any) -> Any:
    """Turn a raw answer (form, JSON or spreadsheet cell) into its stored form.

    Empty input gives ``None`` (the caller decides whether the question was required).
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        return None
    kind = question.kind
    if kind == QuestionKind.TEXT:
        text = str(raw).strip()
        if len(text) > 5000:
            raise AnswerError("The answer is too long: 5,000 characters at most.")
        return text
    if kind == QuestionKind.SINGLE_CHOICE:
        return _match_choice(question, str(raw).strip())
    if kind in {QuestionKind.MULTIPLE_CHOICE, QuestionKind.LANGUAGES}:
        values = _as_list(raw)
        if question.choices:
            values = [_match_choice(question, value) for value in values]
        return list(dict.fromkeys(values))
    if kind in {QuestionKind.NUMBER, QuestionKind.SCALE}:
        try:
            number = float(str(raw).strip().replace(",", "."))
        except ValueError:
            raise AnswerError(f"“{raw}” is not a number.") from None
        if not math.isfinite(number):
            raise AnswerError(f"“{raw}” is not a number.")
        low, high = (
            (1.0, 5.0) if kind == QuestionKind.SCALE else (question.min_value, question.max_value)
        )
        if (low is not None and number < low) or (high is not None and number > high):
            raise AnswerError(f"{number:g} is outside the allowed range {_range(low, high)}.")
        if kind == QuestionKind.SCALE and number != int(number):
            raise AnswerError("Choose a whole number from 1 to 5.")
        return int(number) if number == int(number) else number
    if kind == QuestionKind.YES_NO:
        if isinstance(raw, bool):
            return raw
        lowered = str(raw).strip().lower()
        if lowered in YES:
            return True
        if lowered in NO:
            return False
        raise AnswerError(f"“{raw}” is not yes or no.")
    if kind == QuestionKind.TIME_ZONE:
        zone = str(raw).strip()
        if zone not in time_zone_names():
            raise AnswerError(f"“{zone}” is not a time zone name such as Europe/Paris.")
        return zone
    if kind == QuestionKind.AVAILABILITY:
        slots = [slot.lower() for slot in _as_list(raw)]
        unknown = [slot for slot in slots if slot not in AVAILABILITY_SLOTS]
        if unknown:
            raise AnswerError(
                f"“{unknown[0]}” is not a time slot; use day-part such as mon-morning, "
                "wed-evening (days mon…sun, parts morning, afternoon, evening)."
            )
        return sorted(set(slots), key=AVAILABILITY_SLOTS.index)
    if kind == QuestionKind.LOCATION:
        return _clean_location(raw)
    raise AnswerError(f"Unknown question kind {kind!r}.")


def _range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low:g} to {high:g}"
    if low is not None:
        return f"{low:g} or more"
    return f"{high:g} or less"


def _clean_location(raw: Any) -> dict[str, Any]:
    """``{"city", "country", "lat", "lon"}``; a string is "City, Country"."""
    if isinstance(raw, Mapping):
        city, country = str(raw.get("city", "")).strip(), str(raw.get("country", "")).strip()
        lat, lon = raw.get("lat"), raw.get("lon")
    else:
        parts = [part.strip() for part in str(raw).split(",")]
        if len(parts) < 2 or not parts[0] or not parts[-1]:
            raise AnswerError(f"“{raw}” is not a location: write “City, Country”.")
        city, country, lat, lon = parts[0], parts[-1], None, None
    if not city or not country:
        raise AnswerError("A location needs a city and a country.")
    location: dict[str, Any] = {"city": city, "country": country}
    if lat is not None and lon is not None:
        try:
            latitude, longitude = float(lat), float(lon)
        except (TypeError, ValueError):
            raise AnswerError("Latitude and longitude must be numbers.") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise AnswerError("Latitude must be within ±90 and longitude within ±180.")
        location.update(lat=latitude, lon=longitude)
    else:
        known = KNOWN_CITIES.get((city.lower(), country.lower()))
        if known:
            location.update(lat=known[0], lon=known[1])
    return location


def _known_cities() -> dict[tuple[str, str], tuple[float, float]]:
    return {(city.lower(), country.lower()): (lat, lon) for city, country, lat, lon, *_ in CITIES}


KNOWN_CITIES = _known_cities()


def is_answered(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


@dataclass(frozen=True)
class Completeness:
    answered: int
    total: int
    missing_required: tuple[str, ...]

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else round(100 * self.answered / self.total)

    @property
    def complete(self) -> bool:
        return not self.missing_required


def completeness(
    questions: Iterable[ProfileQuestion], answers: Mapping[str, Any], role: str
) -> Completeness:
    """How much of the profile a person in ``role`` has filled in; demographics never count."""
    relevant = [q for q in questions if q.applies_to(role) and not q.is_demographic]
    answered = [q for q in relevant if is_answered(answers.get(q.key))]
    missing = tuple(q.key for q in relevant if q.required and not is_answered(answers.get(q.key)))
    return Completeness(answered=len(answered), total=len(relevant), missing_required=missing)
