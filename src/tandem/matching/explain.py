"""Plain-language explanations of a pair's score: the strengths *and* the trade-offs.

Each sentence is written for its reader (:data:`Reader`):

* ``"mentee"`` — the mentee reading about a mentor: "you both speak English", "you are 9 hours
  apart", "they offer negotiation that you want to grow" (the mentor by name when known);
* ``"mentor"`` — the mentor reading about a mentee: "you offer negotiation that Ben wants";
* ``"pair"`` — both of them at once (an introduction): names for each side, "you" for both;
* ``"coordinator"`` — third person, with names and pronouns when the profiles carry them.

Without a reader, named profiles are written for the coordinator and unnamed ones for the
mentee.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from .criteria import (
    CategoryCriterion,
    DistanceCriterion,
    EncodedCriterion,
    GapCriterion,
    PreferenceCriterion,
    SetCriterion,
    TimezoneCriterion,
)
from .kinds import WANTS_DIFFERENT, WANTS_SIMILAR
from .model import Person

Reader = Literal["mentee", "mentor", "pair", "coordinator"]
READERS: tuple[Reader, ...] = ("mentee", "mentor", "pair", "coordinator")

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}
#: Hours apart from which a time-zone gap is named as a trade-off.
TIMEZONE_GAP_HOURS = 4.0
#: A graded criterion scoring below this is named as a trade-off.
WEAK_SCORE = 0.5
#: How many trade-offs a sentence names (the biggest losses of fit first).
TRADE_OFF_LIMIT = 3


def ordinal(rank: int) -> str:
    return ORDINALS.get(rank, f"{rank}th")


def words(field_name: str) -> str:
    return field_name.replace("_", " ").replace("-", " ").strip()


def join(items: Sequence[str], limit: int = 3) -> str:
    items = list(items)
    if len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit} more"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _pronoun(person: Person) -> str:
    pronoun = str(person.fields.get("pronouns") or "").split("/")[0].strip().lower()
    return pronoun if pronoun in ("she", "he") else ""


class Voice:
    """Who is who in a sentence, for one reader."""

    def __init__(self, mentee: Person, mentor: Person, reader: Reader | None = None) -> None:
        mentee_name = mentee.name()
        mentor_name = mentor.name()
        named = bool(mentee_name and mentor_name)
        if reader is None:
            reader = "coordinator" if named else "mentee"
        self.reader: Reader = reader
        self.named = named

        def third(person: Person, name: str | None, pronoun_first: bool) -> tuple[str, bool, str]:
            """(subject, singular verb, possessive) for someone the reader is not."""
            if name:
                pronoun = _pronoun(person) if pronoun_first else ""
                return (pronoun or name), True, f"{name}'s"
            if reader == "coordinator":
                return f"the {person.role}", True, f"the {person.role}'s"
            return "they", False, "their"

        # the coordinator's sentences keep the shortest form (pronouns once named); the
        # participants read the other person's name
        coordinator = reader == "coordinator"
        if reader in ("mentee", "pair"):
            self.mentee, self.mentee_singular, self.mentee_possessive = "you", False, "your"
        else:
            self.mentee, self.mentee_singular, self.mentee_possessive = third(
                mentee, mentee_name, coordinator
            )
        if reader in ("mentor",):
            self.mentor, self.mentor_singular, self.mentor_possessive = "you", False, "your"
        else:
            self.mentor, self.mentor_singular, self.mentor_possessive = third(
                mentor, mentor_name, coordinator
            )
        if reader == "pair":
            # both read it: each side by name, "you" for the two of them
            if mentee_name:
                self.mentee, self.mentee_singular = mentee_name, True
                self.mentee_possessive = f"{mentee_name}'s"
            else:
                self.mentee, self.mentee_singular, self.mentee_possessive = (
                    "the mentee",
                    True,
                    "the mentee's",
                )
        #: the mentor's, standing alone ("yours", "theirs", "Ana's")
        self.mentor_own = {"your": "yours", "their": "theirs"}.get(
            self.mentor_possessive, self.mentor_possessive
        )
        self.both = "both" if coordinator and named else "you both"
        #: subject of "... are 9 hours apart"
        self.us = "they" if coordinator else "you"

    def mentor_verb(self, singular: str, plural: str) -> str:
        return f"{self.mentor} {singular if self.mentor_singular else plural}"

    def mentee_verb(self, singular: str, plural: str) -> str:
        return f"{self.mentee} {singular if self.mentee_singular else plural}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def criterion_reason(
    enc: EncodedCriterion, mentee: int, mentor: int, score: float, voice: Voice
) -> str | None:
    """One short clause for a criterion with a positive score (None if nothing to say)."""
    if score <= 0:
        return None
    criterion = enc.criterion
    field_words = words(criterion.mentee_field)
    kind = criterion.kind
    if isinstance(enc, SetCriterion):
        shared, _missing, _ = enc.items(mentee, mentor)
        if kind == "complement":
            text = f"{voice.mentor_verb('offers', 'offer')} {join(shared)}"
            wants = voice.mentee_verb("wants", "want")
            return f"{text} that {wants} to grow"
        if kind == "availability":
            slots = "slot" if len(shared) == 1 else "slots"
            return f"{len(shared)} shared time {slots} ({join(shared)})"
        if kind == "shares_language":
            return f"{voice.both} speak {join(shared)}"
        return f"{voice.both} share {field_words}: {join(shared)}"
    if isinstance(enc, PreferenceCriterion):
        direction = enc.wants(mentee)
        if direction == WANTS_SIMILAR:
            return f"the same {field_words} ({enc.a_display[mentee]}), as {voice.mentee} asked"
        if direction == WANTS_DIFFERENT:
            return f"a different {field_words} ({enc.b_display[mentor]}), as {voice.mentee} asked"
        return None  # no preference: nothing to say
    if isinstance(enc, CategoryCriterion):
        if kind == "same":
            return f"{voice.both} have the same {field_words} ({enc.a_display[mentee]})"
        if kind == "different":
            return f"different {field_words} ({enc.a_display[mentee]} / {enc.b_display[mentor]})"
        return None
    if isinstance(enc, GapCriterion):
        if score < 1:
            return None  # outside the band: a trade-off, not a strength
        difference = float(enc.b[mentor] - enc.a[mentee])
        more = "more" if difference >= 0 else "less"
        has = voice.mentor_verb("has", "have")
        return f"{has} {abs(difference):g} {more} {field_words}"
    if isinstance(enc, DistanceCriterion):
        if score < WEAK_SCORE:
            return None
        km = float(enc.km(enc.a[mentee], enc.b[mentor]))
        return f"{km:.0f} km apart"
    if isinstance(enc, TimezoneCriterion):
        hours = float(enc.hours(enc.a[mentee], enc.b[mentor]))
        if hours >= TIMEZONE_GAP_HOURS:
            return None
        if hours == 0:
            return "same time zone"
        unit = "hour" if hours == 1 else "hours"
        return f"{hours:g} {unit} apart"
    if kind == "text":
        # no raw similarity figure: people read this sentence (the fit has one scale, elsewhere)
        return f"similar {field_words} and {words(criterion.mentor_field)}"
    return None


def criterion_trade_off(
    enc: EncodedCriterion, mentee: int, mentor: int, score: float, voice: Voice
) -> str | None:
    """One short clause for what a pair gives up on a criterion (None if nothing)."""
    criterion = enc.criterion
    field_words = words(criterion.mentee_field)
    kind = criterion.kind
    if score >= 1:
        return None
    if isinstance(enc, SetCriterion):
        shared, missing, _ = enc.items(mentee, mentor)
        if kind == "complement":
            if not missing:
                return None
            does_not = voice.mentor_verb("does not", "do not")
            wants = voice.mentee_verb("wants", "want")
            return f"{does_not} offer {join(missing)} that {wants} to grow"
        if kind == "availability":
            if not shared:
                return "no shared time slot"
            return f"only {len(shared)} shared time slot{'s' if len(shared) != 1 else ''}"
        if kind == "shares_language":
            return f"{voice.us} have no language in common"
        if not shared and enc.mentee_size[mentee] and enc.mentor_size[mentor]:
            return f"no {field_words} in common"
        return None
    if isinstance(enc, PreferenceCriterion):
        direction = enc.wants(mentee)
        asked = f"{voice.mentee_verb('asked', 'asked')} for someone with"
        theirs = enc.b_display[mentor]
        if direction not in (WANTS_SIMILAR, WANTS_DIFFERENT):
            return None
        which = "similar" if direction == WANTS_SIMILAR else "different"
        if not theirs:
            return f"{asked} a {which} {field_words}; {voice.mentor_own} is not known"
        if direction == WANTS_SIMILAR:
            return f"{asked} a similar {field_words}; {voice.mentor_own} is {theirs}"
        return f"{asked} a different {field_words}; {voice.mentor_own} is the same ({theirs})"
    if isinstance(enc, CategoryCriterion):
        a, b = enc.a_display[mentee], enc.b_display[mentor]
        if kind == "same" and a and b:
            return f"different {field_words} ({a} / {b})"
        if kind == "different" and a and b:
            return f"the same {field_words} ({a})"
        return None
    if isinstance(enc, GapCriterion):
        if score >= 1 or enc.a[mentee] != enc.a[mentee] or enc.b[mentor] != enc.b[mentor]:
            return None
        difference = float(enc.b[mentor] - enc.a[mentee])
        more = "more" if difference >= 0 else "less"
        has = voice.mentor_verb("has", "have")
        return (
            f"{has} {abs(difference):g} {more} {field_words} "
            f"(the program looks for {enc.low:g} to {enc.high:g} more)"
        )
    if isinstance(enc, DistanceCriterion):
        if score >= WEAK_SCORE:
            return None
        km = float(enc.km(enc.a[mentee], enc.b[mentor]))
        if km != km:
            return None
        return f"{voice.us} are {km:.0f} km apart"
    if isinstance(enc, TimezoneCriterion):
        hours = float(enc.hours(enc.a[mentee], enc.b[mentor]))
        if hours != hours or hours < TIMEZONE_GAP_HOURS:
            return None
        return f"{voice.us} are {hours:g} hours apart"
    return None


def explain(
    encoded: Sequence[EncodedCriterion],
    factors: Sequence[float],
    mentee_person: Person,
    mentor_person: Person,
    mentee: int,
    mentor: int,
    scores: Sequence[float],
    choice_rank: int | None,
    limit: int = 4,
    reader: Reader | None = None,
) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(sentence, reasons, trade-offs): reasons ordered by contribution, trade-offs by the
    fit they cost; the sentence joins the top reasons, then the top trade-offs."""
    voice = Voice(mentee_person, mentor_person, reader)
    ranked: list[tuple[float, str]] = []
    lost: list[tuple[float, str]] = []
    for enc, factor, score in zip(encoded, factors, scores, strict=True):
        if factor <= 0:
            continue
        value = float(score)
        reason = criterion_reason(enc, mentee, mentor, value, voice)
        if reason:
            ranked.append((factor * value, reason))
        trade_off = criterion_trade_off(enc, mentee, mentor, value, voice)
        if trade_off:
            lost.append((factor * (1.0 - value), trade_off))
    ranked.sort(key=lambda item: -item[0])
    lost.sort(key=lambda item: -item[0])
    reasons = [reason for _, reason in ranked]
    trade_offs = tuple(text for _, text in lost)
    if choice_rank:
        reasons.insert(0, f"{voice.mentee_possessive} {ordinal(choice_rank)} choice")
    shown = reasons[:limit]
    if choice_rank and len(reasons) > limit:
        shown = [*reasons[1:limit], reasons[0]]
    elif choice_rank:
        shown = [*reasons[1:], reasons[0]]
    text = "; ".join(shown) if shown else "no criterion adds to this pair's score"
    if trade_offs:
        text += ". Trade-offs: " + "; ".join(trade_offs[:TRADE_OFF_LIMIT])
    return text, tuple(reasons), trade_offs
