"""Groups mode: peer diversity improved by exchange moves under a fit-loss budget.

Each mentor facilitates one group; its capacity is the group size range. Mentees are first
assigned by fit (the certified optimal assignment, ``coverage`` objective by default); then
pairs of mentees in different groups are swapped when the swap raises the summed diversity of
the two groups and the total fit lost so far stays within ``fit_loss_budget`` (a share of the
initial total fit).

Diversity of two mentees = mean over the diversity fields of: for lists, 1 - Jaccard of the two
sets; otherwise 1 if the values differ, else 0. A group's diversity is the mean over its pairs of
mentees (0 with fewer than two).
"""

from __future__ import annotations

import itertools
import random

import numpy as np

from .arrays import IntArray
from .criteria import as_items, as_text
from .model import FieldValue, Group, GroupPolicy, Person
from .scoring import ScoreModel


def _value(value: FieldValue) -> frozenset[str] | str:
    if isinstance(value, tuple) or (isinstance(value, str) and ";" in value):
        return frozenset(item.casefold() for item in as_items(value))
    return as_text(value).casefold()


def dissimilarity(a: Person, b: Person, fields: tuple[str, ...]) -> float:
    if not fields:
        return 0.0
    total = 0.0
    for name in fields:
        x, y = _value(a.fields.get(name)), _value(b.fields.get(name))
        if isinstance(x, frozenset) or isinstance(y, frozenset):
            sx = x if isinstance(x, frozenset) else frozenset({x} - {""})
            sy = y if isinstance(y, frozenset) else frozenset({y} - {""})
            union = sx | sy
            total += 1.0 - (len(sx & sy) / len(union) if union else 1.0)
        else:
            total += float(x != y)
    return total / len(fields)


def group_diversity(
    members: list[int], mentees: tuple[Person, ...], fields: tuple[str, ...]
) -> float:
    if len(members) < 2:
        return 0.0
    pairs = list(itertools.combinations(members, 2))
    return sum(dissimilarity(mentees[a], mentees[b], fields) for a, b in pairs) / len(pairs)


def improve_groups(
    model: ScoreModel,
    mentor_of: IntArray,
    movable: np.ndarray,
    policy: GroupPolicy,
    seed: int = 0,
) -> tuple[IntArray, list[Group], float]:
    """Swap mentees between groups to raise diversity; returns (assignment, groups, fit lost)."""
    mentor_of = mentor_of.copy()
    fields = policy.diversity_fields
    members: dict[int, list[int]] = {j: [] for j in range(model.m)}
    for i, j in enumerate(mentor_of.tolist()):
        if j >= 0:
            members[j].append(i)
    score_cache: dict[tuple[int, int], tuple[float, bool]] = {}

    def score(i: int, j: int) -> tuple[float, bool]:
        key = (i, j)
        if key not in score_cache:
            value, feasible = model.evaluate(np.array([i]), np.array([j]))
            score_cache[key] = (float(value[0]), bool(feasible[0]))
        return score_cache[key]

    initial_fit = sum(score(i, j)[0] for j, group in members.items() for i in group)
    budget = policy.fit_loss_budget * initial_fit
    lost = 0.0
    rng = random.Random(seed)
    if fields:
        for _ in range(policy.max_rounds):
            improved = False
            order = [i for i in range(model.n) if mentor_of[i] >= 0 and movable[i]]
            rng.shuffle(order)
            for a in order:
                ga = int(mentor_of[a])
                others = [b for b in rng.sample(order, min(len(order), 40)) if mentor_of[b] != ga]
                best: tuple[float, int] | None = None
                for b in others:
                    gb = int(mentor_of[b])
                    sa, fa = score(a, gb)
                    sb, fb = score(b, ga)
                    if not (fa and fb):
                        continue
                    loss = score(a, ga)[0] + score(b, gb)[0] - sa - sb
                    if lost + loss > budget + 1e-12:
                        continue
                    new_a = [x for x in members[ga] if x != a] + [b]
                    new_b = [x for x in members[gb] if x != b] + [a]
                    before = group_diversity(members[ga], model.mentees, fields) + group_diversity(
                        members[gb], model.mentees, fields
                    )
                    after = group_diversity(new_a, model.mentees, fields) + group_diversity(
                        new_b, model.mentees, fields
                    )
                    gain = after - before
                    if gain > 1e-9 and (best is None or gain > best[0]):
                        best = (gain, b)
                if best is not None:
                    b = best[1]
                    gb = int(mentor_of[b])
                    lost += score(a, ga)[0] + score(b, gb)[0] - score(a, gb)[0] - score(b, ga)[0]
                    members[ga].remove(a)
                    members[gb].remove(b)
                    members[ga].append(b)
                    members[gb].append(a)
                    mentor_of[a], mentor_of[b] = gb, ga
                    improved = True
            if not improved:
                break
    groups = []
    for j, group in members.items():
        if not group:
            continue
        fit = sum(score(i, j)[0] for i in group) / len(group)
        groups.append(
            Group(
                mentor_id=model.mentors[j].id,
                mentee_ids=tuple(model.mentees[i].id for i in sorted(group)),
                fit=round(fit, 4),
                diversity=round(group_diversity(group, model.mentees, fields), 4),
            )
        )
    return mentor_of, groups, lost
