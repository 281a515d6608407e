"""Engine behaviour: locks, forbids, past pairs, reasons, explanations, suggestions."""

from __future__ import annotations

import numpy as np
import pytest

from tandem.matching import (
    ChoicePolicy,
    Criterion,
    InfeasibleLockError,
    Matcher,
    MatchingInputError,
    Problem,
    score_pair,
    solve,
    suggest,
)
from tandem.matching.model import GroupPolicy

from .helpers import mentee, mentor

CRITERIA = [
    Criterion("same", "industry", "industry", weight=1.0),
    Criterion("complement", "wants", "offers", weight=2.0),
    Criterion("timezone", "tz", "tz", weight=1.0),
    Criterion("not_same", "team", "team", hard=True),
    Criterion("shares_language", "languages", "languages", hard=True),
]


def people() -> list:
    return [
        mentee(
            "ana",
            ["m1"],
            industry="healthcare",
            wants="negotiation;public speaking",
            tz="1",
            team="a",
            languages="en",
        ),
        mentee("ben", industry="tech", wants="python", tz="0", team="b", languages="en"),
        mentee("cy", industry="tech", wants="python;sql", tz="-5", team="b", languages="fr"),
        mentor(
            "m1",
            (0, 2),
            industry="healthcare",
            offers="negotiation;public speaking",
            tz="2",
            team="c",
            languages="en",
        ),
        mentor(
            "m2", (0, 1), industry="tech", offers="python;sql", tz="0", team="b", languages="en;de"
        ),
    ]


def problem(**kwargs: object) -> Problem:
    return Problem.build(people(), CRITERIA, choices=ChoicePolicy(bonus=(0.3,)), **kwargs)  # type: ignore[arg-type]


def pairs(result) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(m.mentee_id, m.mentor_id) for m in result.matches}


def test_optimal_matches_and_explains() -> None:
    result = solve(problem())
    assert pairs(result) == {("ana", "m1"), ("ben", "m1")}
    ana = next(m for m in result.matches if m.mentee_id == "ana")
    assert ana.explanation == (
        "they offer negotiation and public speaking that you want to grow; "
        "you both have the same industry (healthcare); 1 hour apart; your 1st choice"
    )
    # score = sum of contributions + choice bonus / total weight
    assert ana.score == pytest.approx(sum(c.contribution for c in ana.contributions) + 0.3 / 4)
    assert result.stats.certified
    assert result.stats.certificate_gap == 0
    assert result.stats.choice_share["1st"] == 100.0


def test_unmatched_reason_names_the_rule() -> None:
    result = solve(problem())
    cy = next(u for u in result.unmatched if u.person_id == "cy")
    assert cy.reason_code == "no_eligible_mentor"
    assert "shares_language_languages" in cy.reason


def test_capacity_exhausted_with_alternatives() -> None:
    p = Problem.build(
        [mentee("a", x="1"), mentee("b", x="1"), mentor("m", (0, 1), x="1")],
        [Criterion("same", "x", "x", weight=1)],
    )
    result = solve(p)
    assert result.stats.matched == 1
    (lost,) = [u for u in result.unmatched if u.role == "mentee"]
    assert lost.reason_code == "capacity_exhausted"
    assert "all 1 eligible mentor(s) are full" in lost.reason
    assert [a.mentor_id for a in lost.alternatives] == ["m"]


def test_lost_to_better_fit_under_total() -> None:
    p = Problem.build(
        [
            mentee("a", t="x;y"),
            mentee("b", t="x"),
            mentor("m", (0, 1), t="x;y"),
            mentor("n", (0, 1), t="x;q"),
        ],
        [
            Criterion("overlap", "t", "t", weight=1),
            Criterion("overlap", "t", "t", weight=1, hard=True, label="share"),
        ],
    )
    result = solve(p, objective="total")
    assert pairs(result) == {("a", "m"), ("b", "n")}


def test_names_and_pronouns_in_explanations() -> None:
    named = [
        mentee("e", name="Ben", pronouns="he/him", wants="negotiation"),
        mentor("m", name="Ada", pronouns="she/her", offers="negotiation;writing"),
    ]
    p = Problem.build(named, [Criterion("complement", "wants", "offers", weight=1)])
    detail = score_pair(p, "e", "m")
    assert detail.explanation == "she offers negotiation that he wants to grow"


def test_forbidden_and_past_pairs_are_respected() -> None:
    result = solve(problem(forbidden=[("ana", "m1")], past=[("ben", "m1")]))
    assert ("ana", "m1") not in pairs(result)
    assert ("ben", "m1") not in pairs(result)
    ana = next(u for u in result.unmatched if u.person_id == "ben")
    assert "forbidden or past pair" in ana.reason


def test_lock_is_kept() -> None:
    result = solve(problem(locked=[("ben", "m1")]))
    ben = next(m for m in result.matches if m.mentee_id == "ben")
    assert ben.mentor_id == "m1"
    assert ben.locked


def test_infeasible_lock_names_it() -> None:
    with pytest.raises(InfeasibleLockError) as error:
        solve(problem(locked=[("ben", "m2")]))  # same team
    assert error.value.lock == ("ben", "m2")
    assert "not_same_team" in str(error.value)
    with pytest.raises(InfeasibleLockError):
        solve(problem(locked=[("ana", "m1"), ("ana", "m2")]))
    small = Problem.build(
        [mentee("a"), mentee("b"), mentor("m", (0, 1))],
        [Criterion("same", "x", "x", weight=1)],
        locked=[("a", "m"), ("b", "m")],
    )
    with pytest.raises(InfeasibleLockError) as error:
        solve(small)
    assert "capacity" in str(error.value)


def test_minimum_capacity_is_a_lower_bound_when_feasible() -> None:
    p = Problem.build(
        [
            mentee("a", x="1"),
            mentee("b", x="1"),
            mentor("good", (0, 2), x="1"),
            mentor("needy", (1, 1), x="2"),
        ],
        [Criterion("same", "x", "x", weight=1)],
    )
    result = solve(p)
    assert {m.mentor_id for m in result.matches} == {"good", "needy"}
    assert result.stats.mentors_below_minimum == []


def test_minimum_capacity_unreachable_is_reported() -> None:
    p = Problem.build(
        [mentee("a", team="t"), mentor("m", (1, 1), team="t"), mentor("n", (1, 1), team="u")],
        [Criterion("not_same", "team", "team", hard=True)],
    )
    result = solve(p)
    assert pairs(result) == {("a", "n")}
    assert result.stats.mentors_below_minimum == ["m"]
    assert any("minimum" in note for note in result.notes)


def test_empty_side_and_all_forbidden_are_reported() -> None:
    only_mentees = Problem.build([mentee("a"), mentee("b")], CRITERIA)
    result = solve(only_mentees)
    assert result.matches == []
    assert "no mentors" in result.notes[0]
    forbidden = Problem.build(
        [mentee("a", team="t"), mentor("m", team="t")],
        [Criterion("not_same", "team", "team", hard=True)],
    )
    result = solve(forbidden)
    assert result.matches == []
    assert "forbid every pair" in result.notes[-1]


def test_objectives_differ_as_documented() -> None:
    # one mentor; a fits it very well; b and c fit it poorly but are the only ones for m2
    p = Problem.build(
        [
            mentee("a", tags="x;y"),
            mentee("b", tags="x"),
            mentor("m1", (0, 1), tags="x;y"),
            mentor("m2", (0, 1), tags="z"),
        ],
        [Criterion("overlap", "tags", "tags", weight=1)],
    )
    total = solve(p, objective="total")
    coverage = solve(p, objective="coverage")
    fair = solve(p, objective="fair")
    assert pairs(total) == {("a", "m1")}  # b with m2 scores 0, adds nothing
    assert len(pairs(coverage)) == 2
    assert fair.stats.matched == 2


def test_stable_mode_has_no_blocking_pair() -> None:
    result = solve(problem(), mode="stable")
    assert result.stats.blocking_pairs == 0


def test_stable_honours_mentor_rankings() -> None:
    p = Problem.build(
        [
            mentee("a", x="1"),
            mentee("b", x="2"),
            mentor("m", (0, 1), x="1").__class__("m", "mentor", {"x": "1"}, 0, 1, ("b", "a")),
        ],
        [Criterion("same", "x", "x", weight=1)],
    )
    result = solve(p, mode="stable")
    assert pairs(result) == {("b", "m")}
    assert result.stats.blocking_pairs == 0


def test_groups_mode_reports_fit_and_diversity() -> None:
    group_people = [mentee(f"e{i}", industry=ind, x="1") for i, ind in enumerate("aabbcc")]
    group_people += [mentor("g1", (2, 3), x="1"), mentor("g2", (2, 3), x="1")]
    p = Problem.build(
        group_people,
        [Criterion("same", "x", "x", weight=1)],
        groups=GroupPolicy(diversity_fields=("industry",), fit_loss_budget=0.0),
    )
    result = solve(p, mode="groups")
    assert len(result.groups) == 2
    assert sum(len(g.mentee_ids) for g in result.groups) == 6
    for group in result.groups:
        assert group.fit == 1.0
        industries = [gp.fields["industry"] for gp in group_people if gp.id in group.mentee_ids]
        assert len(set(industries)) == 3  # exchanges spread the industries
        assert group.diversity == pytest.approx(1.0)


def test_suggest_ranks_feasible_mentors() -> None:
    matcher = Matcher(problem())
    ranked = matcher.suggest("ana", limit=5)
    assert [s.mentor_id for s in ranked] == ["m1", "m2"]
    assert ranked[0].score > ranked[1].score
    assert ranked[0].reasons[0] == "your 1st choice"
    assert suggest(problem(), "ben")[0].mentor_id == "m1"  # m2 is on the same team
    with pytest.raises(MatchingInputError):
        matcher.suggest("nobody")


def test_score_pair_reports_failed_rules() -> None:
    detail = Matcher(problem()).score_pair("ben", "m2")
    assert not detail.feasible
    assert detail.failed_rules == ("not_same_team",)
    assert detail.contributions[1].score == 1.0  # python is offered


def test_result_to_dict_is_json_ready() -> None:
    import json

    text = json.dumps(solve(problem()).to_dict())
    assert '"certificate_gap": 0.0' in text


def test_certificate_adds_back_pruned_pairs() -> None:
    from tandem.matching.synthetic import synthetic_problem

    p = synthetic_problem(300, seed=5)
    narrow = Matcher(p).solve(candidates_per_mentee=1)
    wide = Matcher(p).solve(candidates_per_mentee=400)
    assert narrow.stats.certified
    assert narrow.stats.certificate_gap == 0
    assert narrow.stats.matched == wide.stats.matched
    assert narrow.stats.total_score == pytest.approx(wide.stats.total_score, abs=1e-3)
    assert np.isclose(narrow.stats.min_score, narrow.stats.min_score)


def test_honour_choices_first() -> None:
    people_list = [
        mentee("a", ["poor"], x="1"),
        mentee("b", x="2"),
        mentor("good", (0, 1), x="1"),
        mentor("poor", (0, 1), x="9"),
    ]
    criteria = [Criterion("same", "x", "x", weight=1)]
    plain = solve(Problem.build(people_list, criteria))
    assert ("a", "good") in pairs(plain)
    first = solve(Problem.build(people_list, criteria, choices=ChoicePolicy(honour_first=True)))
    assert ("a", "poor") in pairs(first)
    assert first.stats.choice_share["1st"] == 100.0
    stable = solve(
        Problem.build(people_list, criteria, choices=ChoicePolicy(honour_first=True)),
        mode="stable",
    )
    assert ("a", "poor") in pairs(stable)
    assert stable.stats.blocking_pairs == 0


@pytest.mark.parametrize(
    ("objective", "capacity", "threshold"),
    [
        ("coverage", 3, None),  # seats short: mentees left over
        ("total", 3, None),
        ("coverage", 6, None),  # seats to spare: mentors left without mentees
        ("total", 6, 0.5),  # and a hard threshold (the float32 pass is lenient at it)
        ("spread", 6, 0.5),  # idle mentors: no eligible mentee, or needed elsewhere
    ],
)
def test_every_unmatched_person_gets_the_exact_reason_and_alternatives(
    objective: str, capacity: int, threshold: float | None
) -> None:
    """The one compiled pass over the rows gives every unmatched mentee and idle mentor the
    same reason and alternatives as looking at its whole row (or column) exactly."""
    import dataclasses

    from tandem.matching.synthetic import synthetic_problem

    problem = synthetic_problem(400)
    problem = dataclasses.replace(
        problem,
        mentors=tuple(dataclasses.replace(m, capacity_max=capacity) for m in problem.mentors),
    )
    if threshold is not None:
        extra = Criterion(
            "complement",
            "skills_wanted",
            "skills_offered",
            hard=True,
            params={"threshold": threshold},
            label="needs half the skills",
        )
        problem = dataclasses.replace(problem, criteria=(*problem.criteria, extra))
    matcher = Matcher(problem)
    result = matcher.solve("optimal", objective, explain=False)  # type: ignore[arg-type]
    model = matcher.model
    mentor_of = np.full(model.n, -1, dtype=np.int64)
    for match in result.matches:
        mentor_of[model.mentee_index[match.mentee_id]] = model.mentor_index[match.mentor_id]
    load = np.bincount(mentor_of[mentor_of >= 0], minlength=model.m)
    lift = np.full(model.m, -np.inf, dtype=np.float32)
    if objective == "total":
        from tandem.matching.engine import _freeable_mentors

        candidates = model.candidates(25)
        lift[_freeable_mentors(candidates, mentor_of, load, model.cap_max)] = 0.0
    lift[load < model.cap_max] = 10.0
    mentees = [u for u in result.unmatched if u.role == "mentee"]
    mentors = [u for u in result.unmatched if u.role == "mentor"]
    assert len(mentees) == int((mentor_of < 0).sum())
    assert len(mentors) == int(((load == 0) & (model.cap_max > 0)).sum())
    assert mentees or mentors
    for u in mentees:
        exact = matcher._unmatched_mentee_exactly(
            model.mentee_index[u.person_id],
            load,
            lift,
            objective,  # type: ignore[arg-type]
        )
        assert (u.reason_code, u.reason) == (exact.reason_code, exact.reason)
        assert [(a.mentor_id, a.score) for a in u.alternatives] == [
            (a.mentor_id, a.score) for a in exact.alternatives
        ]
    for u in mentors:
        exact = matcher._idle_mentor_exactly(
            model.mentor_index[u.person_id],
            objective,  # type: ignore[arg-type]
        )
        assert (u.reason_code, u.reason) == (exact.reason_code, exact.reason)
        assert [(a.mentee_id, a.score) for a in u.alternatives] == [
            (a.mentee_id, a.score) for a in exact.alternatives
        ]


# --- spreading the load ----------------------------------------------------------------------


def spread_people() -> list:
    """Three mentees who all fit m1 best; m1 and m2 could each take all three."""
    return [
        mentee("e1", industry="x", wants="a", team="blue"),
        mentee("e2", industry="x", wants="a", team="blue"),
        mentee("e3", industry="x", wants="a", team="blue"),
        mentor("m1", (0, 3), industry="x", offers="a", team="blue"),
        mentor("m2", (0, 3), industry="y", offers="b", team="blue"),
        mentor("m3", (0, 3), industry="z", offers="c", team="red"),
    ]


SPREAD_CRITERIA = [
    Criterion("same", "industry", "industry", weight=1.0),
    Criterion("complement", "wants", "offers", weight=1.0),
    Criterion("same", "team", "team", hard=True, label="same_team"),
]


def test_coverage_piles_everyone_on_the_best_mentor_and_spread_does_not() -> None:
    problem = Problem.build(spread_people(), SPREAD_CRITERIA)
    piled = Matcher(problem).solve("optimal", "coverage")
    spread = Matcher(problem).solve("optimal", "spread")
    assert piled.stats.mentor_load == {0: 2, 3: 1}
    assert spread.stats.mentor_load == {0: 1, 2: 1, 1: 1}
    assert sorted(m.mentor_id for m in spread.matches) == ["m1", "m1", "m2"]
    assert spread.stats.certified
    assert "spread: at most 2 mentee(s) per mentor in this run; 1 mentor(s) without a mentee" in (
        spread.notes
    )
    idle = {u.person_id: (u.reason_code, u.reason) for u in spread.unmatched}
    assert idle == {
        "m3": ("no_eligible_mentee", "no mentee passes the hard rules with this mentor"),
    }


def test_spread_says_an_idle_mentor_is_needed_elsewhere() -> None:
    people = [
        mentee("e1", industry="x", wants="a"),
        mentee("e2", industry="x", wants="a"),
        mentor("m1", (0, 1), industry="x", offers="a"),
        mentor("m2", (0, 1), industry="y", offers="b"),
        mentor("m3", (0, 1), industry="z", offers="c"),
    ]
    criteria = [
        Criterion("same", "industry", "industry", weight=1.0),
        Criterion("complement", "wants", "offers", weight=1.0),
    ]
    result = Matcher(Problem.build(people, criteria)).solve("optimal", "spread")
    assert result.stats.mentor_load == {0: 1, 1: 2}
    idle = [u for u in result.unmatched if u.role == "mentor"]
    assert [(u.person_id, u.reason_code) for u in idle] == [("m3", "needed_elsewhere")]
    assert idle[0].reason == (
        "its 2 eligible mentee(s) are needed elsewhere: each is locked, another mentor's only "
        "mentee, or needed for another mentor's minimum"
    )
