"""One fit scale everywhere: the same pair shows the same percentage on the run page, the
live pair preview, the API, the directory card, the relationships page and the pair's own
match page (coordinators see one decimal more, never another number)."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.matches import services
from tandem.matches.directory import compatibility_for
from tandem.matches.models import MatchRun, ProposedMatch
from tandem.matching.model import fit_percent
from tandem.mentoring.models import Relationship
from tests.conftest import World
from tests.matches.runs_support import pool, run

pytestmark = pytest.mark.django_db

API = "/api/v1/organizations/northwind/programs/spring"


@pytest.fixture
def scenario(world: World) -> MatchRun:
    pool(world.program, world.coordinator, mentees=3, mentors=3)
    return run(world.program, world.coordinator, name="First")


def test_the_same_pair_shows_the_same_fit_everywhere(
    world: World, login: Any, scenario: MatchRun
) -> None:
    coordinator = login(world.coordinator)
    proposal = ProposedMatch.objects.filter(run=scenario).select_related("mentee", "mentor")[0]
    fit = proposal.fit
    assert 0 < fit <= 1
    one_decimal, whole = fit_percent(fit, 1), fit_percent(fit)
    assert abs(float(one_decimal[:-1]) - float(whole[:-1])) <= 0.5

    # the run page and the API (coordinator)
    page = coordinator.get(world.url(f"matching/{scenario.pk}/")).content.decode()
    assert f'<td class="number">{one_decimal}</td>' in page
    api = coordinator.get(f"{API}/matching/runs/{scenario.pk}").json()
    (row,) = [p for p in api["proposals"] if p["mentee_id"] == proposal.mentee_id]
    assert f"{row['fit_percent']:.1f}%" == one_decimal
    # the live score of the pair (assign preview) is the same number
    live = services.score_pair(world.program, mentee=proposal.mentee, mentor=proposal.mentor)
    assert fit_percent(live.fit, 1) == one_decimal
    # the mentee's directory card for that mentor
    card = compatibility_for(world.program, mentee=proposal.mentee, mentors=[proposal.mentor])
    assert card[proposal.mentor_id].percent == whole

    # once published: the relationships page, the API and the pair's own page
    coordinator.post(world.url(f"matching/{scenario.pk}/publish/"))
    relationship = Relationship.objects.get(mentee=proposal.mentee, mentor=proposal.mentor)
    assert fit_percent(relationship.fit, 1) == one_decimal
    listing = coordinator.get(world.url("relationships/")).content.decode()
    assert one_decimal in listing
    api_relationships = coordinator.get(f"{API}/relationships").json()
    (mine,) = [r for r in api_relationships if r["id"] == relationship.pk]
    assert f"{mine['fit_percent']:.1f}%" == one_decimal
    mentee_client = login(proposal.mentee.user)
    own = mentee_client.get(world.url("match/")).content.decode()
    assert f"<strong>{whole} match</strong>" in own
    (theirs,) = mentee_client.get(f"{API}/my-relationships").json()
    assert f"{theirs['fit_percent']:.1f}%" == one_decimal
