"""Compatibility of every mentor for one mentee, for the self-selection directory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tandem import matching
from tandem.matches.problem import build_problem, install_default_criteria
from tandem.matching.model import fit_percent
from tandem.programs.models import Membership, Program

#: How many reasons a directory card shows.
TOP_REASONS = 3
#: The engine's words for pairs it excludes, as a mentee reads them.
EXCLUSIONS = {
    "past pair": "you were paired before",
    "forbidden pair": "ruled out by the coordinator",
}


@dataclass(frozen=True)
class Compatibility:
    score: float
    reasons: tuple[str, ...]
    #: Hard rules this pair does not meet (e.g. "must share a language"): shown, ranked last.
    unmet_rules: tuple[str, ...]
    #: the profiles' fit in [0, 1] (the score without the choice bonus)
    fit: float = 0.0
    #: what the mentee would give up with this mentor ("you are 9 hours apart")
    trade_offs: tuple[str, ...] = ()

    @property
    def percent(self) -> str:
        """The fit on the one scale every page shows ("73%")."""
        return fit_percent(self.fit)

    @property
    def eligible(self) -> bool:
        return not self.unmet_rules


def compatibility_for(
    program: Program, *, mentee: Membership, mentors: Sequence[Membership]
) -> dict[int, Compatibility]:
    """Score ``mentee`` against every mentor with the program's matching criteria."""
    if not mentors:
        return {}
    install_default_criteria(program)
    pool = build_problem(program, mentees=[mentee], mentors=mentors)
    matcher = matching.Matcher(pool.problem)
    ranked = matcher.suggest(
        str(mentee.pk), limit=len(mentors), include_infeasible=True, reader="mentee"
    )
    labels = {
        f"{criterion.kind}:{criterion.mentee_question.key}": criterion.get_kind_display()
        for criterion in pool.criteria
    }
    result = {}
    for pair in ranked:
        unmet = tuple(
            labels.get(rule.split("/", 1)[0], EXCLUSIONS.get(rule, rule))
            for rule in pair.failed_rules
        )
        # The engine puts "your 1st choice" first; the mentee's own choice is no reason the
        # mentor fits them (the card says "Your choice #1" on its own).
        reasons = pair.reasons[1:] if pair.choice_rank else pair.reasons
        result[int(pair.mentor_id)] = Compatibility(
            score=pair.score,
            reasons=tuple(reasons[:TOP_REASONS]),
            unmet_rules=unmet,
            fit=pair.fit,
            trade_offs=tuple(pair.trade_offs[:TOP_REASONS]),
        )
    return result
