"""Synthetic mentoring programs (fixed seed) for benchmarks and tests.

``synthetic_problem(mentees)`` makes ``mentees`` mentees and ``mentees / 4`` mentors of capacity
4 (exactly one seat per mentee), profiles drawn from ~200 tags, 15 industries, 10 departments
(``not_same`` department forbids ~10% of pairs), 31 levels of experience, 12 time zones and 14
weekly availability slots, and 3 ranked choices for a third of the mentees.
"""

from __future__ import annotations

import numpy as np

from .model import ChoicePolicy, Criterion, Person, Problem

TAGS = 200
INDUSTRIES = 15
DEPARTMENTS = 10
SLOTS = 14


def synthetic_criteria(text: bool = False) -> tuple[Criterion, ...]:
    criteria = [
        Criterion("overlap", "interests", "interests", weight=2.0),
        Criterion("complement", "skills_wanted", "skills_offered", weight=3.0),
        Criterion("same", "industry", "industry", weight=1.0),
        Criterion("gap", "years", "years", weight=1.0, params={"target": [5, 15], "tolerance": 5}),
        Criterion("timezone", "tz", "tz", weight=1.0),
        Criterion("availability", "availability", "availability", weight=1.0),
        Criterion("not_same", "department", "department", hard=True),
    ]
    if text:
        criteria.append(Criterion("text", "goals", "experience", weight=2.0))
    return tuple(criteria)


_GOALS = (
    "grow into a team lead",
    "learn negotiation",
    "move into product management",
    "get better at public speaking",
    "learn machine learning",
    "switch to data engineering",
    "balance work and family",
    "prepare for a promotion",
    "start a company",
    "improve my writing",
    "understand finance",
    "build a professional network",
)


def _sample_sets(
    rng: np.random.Generator,
    rows: int,
    universe: int,
    low: int,
    high: int,
    weights: np.ndarray | None = None,
) -> list[list[int]]:
    """Per row, low..high distinct items drawn with ``weights`` (Gumbel top-k trick)."""
    logits = np.log(weights) if weights is not None else np.zeros(universe)
    keys = logits[None, :] + rng.gumbel(size=(rows, universe))
    top = np.argsort(-keys, axis=1)[:, :high]
    counts = rng.integers(low, high + 1, rows)
    return [row[:count].tolist() for row, count in zip(top, counts, strict=True)]


def synthetic_people(mentees: int, seed: int = 7, text: bool = False) -> list[Person]:
    rng = np.random.default_rng(seed)
    mentors = max(1, mentees // 4)
    total = mentees + mentors
    popularity = 1.0 / (np.arange(TAGS) + 20.0)  # mildly skewed: the top tag ~10x the last
    popularity = popularity[rng.permutation(TAGS)] / popularity.sum()
    tz_values = np.array([-8, -5, -4, -3, 0, 1, 2, 3, 5.5, 8, 9, 10])
    industry = rng.integers(0, INDUSTRIES, total)
    department = rng.integers(0, DEPARTMENTS, total)
    years = np.where(
        np.arange(total) < mentees, rng.integers(0, 16, total), rng.integers(5, 31, total)
    )
    tz = rng.choice(tz_values, total)
    interests = _sample_sets(rng, total, TAGS, 2, 5, popularity)
    wants = _sample_sets(rng, mentees, TAGS, 1, 3, popularity)
    offers = _sample_sets(rng, mentors, TAGS, 3, 6, popularity)
    slots = _sample_sets(rng, total, SLOTS, 2, 6)
    goals = rng.integers(0, len(_GOALS), (total, 2))
    chooser = rng.random(mentees) < 1 / 3
    picks = {
        k: rng.choice(mentors, min(3, mentors), replace=False).tolist()
        for k in np.nonzero(chooser)[0].tolist()
    }
    tag_names = [f"tag{t}" for t in range(TAGS)]
    slot_names = [f"slot{t}" for t in range(SLOTS)]
    people: list[Person] = []
    for k in range(total):
        is_mentee = k < mentees
        fields: dict[str, str | int | float | tuple[str, ...] | None] = {
            "interests": tuple(tag_names[t] for t in interests[k]),
            "industry": f"industry{industry[k]}",
            "department": f"dept{department[k]}",
            "years": int(years[k]),
            "tz": float(tz[k]),
            "availability": tuple(slot_names[t] for t in slots[k]),
        }
        if is_mentee:
            fields["skills_wanted"] = tuple(tag_names[t] for t in wants[k])
        else:
            fields["skills_offered"] = tuple(tag_names[t] for t in offers[k - mentees])
        if text:
            first, second = _GOALS[goals[k, 0]], _GOALS[(goals[k, 0] + 1 + goals[k, 1] % 11) % 12]
            fields["goals" if is_mentee else "experience"] = (
                f"I want to {first} and {second}"
                if is_mentee
                else f"I helped people {first} and {second}"
            )
        if is_mentee:
            choices = tuple(f"m{p}" for p in picks.get(k, ()))
            people.append(Person(f"e{k}", "mentee", fields, 0, 0, choices))
        else:
            people.append(Person(f"m{k - mentees}", "mentor", fields, 0, 4))
    return people


def synthetic_problem(mentees: int, seed: int = 7, text: bool = False) -> Problem:
    return Problem.build(
        synthetic_people(mentees, seed, text),
        synthetic_criteria(text),
        choices=ChoicePolicy(bonus=(0.6, 0.4, 0.2)),
    )
