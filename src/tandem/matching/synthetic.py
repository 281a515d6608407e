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
    "grow into a team lead", "learn negotiation", "move into product management",
    "get better at public speaking", "learn machine learning", "switch to data engineering",
    "balance work and family", "prepare for a promotion", "start a company",
    "improve my writing", "understand finance", "build a professional network",
)


def synthetic_people(mentees: int, seed: int = 7, text: bool = False) -> list[Person]:
    rng = np.random.default_rng(seed)
    mentors = max(1, mentees // 4)
    total = mentees + mentors
    popularity = 1.0 / (np.arange(TAGS) + 20.0)  # mildly skewed: the top tag ~5x the last
    popularity = popularity[rng.permutation(TAGS)] / popularity.sum()
    tz_values = np.array([-8, -5, -4, -3, 0, 1, 2, 3, 5.5, 8, 9, 10])
    people: list[Person] = []
    industry = rng.integers(0, INDUSTRIES, total)
    department = rng.integers(0, DEPARTMENTS, total)
    years = np.where(
        np.arange(total) < mentees, rng.integers(0, 16, total), rng.integers(5, 31, total)
    )
    tz = rng.choice(tz_values, total)
    for k in range(total):
        is_mentee = k < mentees
        interests = rng.choice(TAGS, rng.integers(2, 6), replace=False, p=popularity)
        skills = rng.choice(TAGS, rng.integers(1, 4) if is_mentee else rng.integers(3, 7), replace=False, p=popularity)
        slots = rng.choice(SLOTS, rng.integers(2, 7), replace=False)
        fields: dict[str, str | int | float | tuple[str, ...] | None] = {
            "interests": tuple(f"tag{t}" for t in interests),
            "industry": f"industry{industry[k]}",
            "department": f"dept{department[k]}",
            "years": int(years[k]),
            "tz": float(tz[k]),
            "availability": tuple(f"slot{s}" for s in slots),
        }
        if is_mentee:
            fields["skills_wanted"] = tuple(f"tag{t}" for t in skills)
        else:
            fields["skills_offered"] = tuple(f"tag{t}" for t in skills)
        if text:
            picks = rng.choice(len(_GOALS), 2, replace=False)
            sentence = " and ".join(_GOALS[p] for p in picks)
            fields["goals" if is_mentee else "experience"] = (
                f"I want to {sentence}" if is_mentee else f"I helped people {sentence}"
            )
        if is_mentee:
            people.append(Person(f"e{k}", "mentee", fields))
        else:
            people.append(Person(f"m{k - mentees}", "mentor", fields, 1, 4))
    chooser = rng.random(mentees) < 1 / 3
    for k in np.nonzero(chooser)[0].tolist():
        picks = rng.choice(mentors, 3, replace=False)
        person = people[k]
        people[k] = Person(
            person.id, "mentee", person.fields, 0, 0, tuple(f"m{p}" for p in picks.tolist())
        )
    return people


def synthetic_problem(mentees: int, seed: int = 7, text: bool = False) -> Problem:
    return Problem.build(
        synthetic_people(mentees, seed, text),
        synthetic_criteria(text),
        choices=ChoicePolicy(bonus=(0.6, 0.4, 0.2)),
    )
