"""Two mentors' accepts racing for a mentor's last place: exactly one wins (PostgreSQL)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tandem.core.errors import ServiceError
from tandem.enrolment.models import MentorChoice
from tandem.matches import requests as services
from tandem.matches.models import MentorRequest
from tandem.mentoring.models import Relationship
from tandem.programs.enums import Role
from tests.conftest import World
from tests.factories import MembershipFactory
from tests.matches.test_requests import make_cascade, profile_answers

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not ON_POSTGRESQL,
        reason="SQLite has no row locks (SELECT … FOR UPDATE is a no-op there) and serialises "
        "writers itself: run with DATABASE_URL=postgres://… to test the race",
    ),
]


def test_two_accepts_for_the_last_place_cannot_both_succeed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = make_cascade(world, mentors=1)
    mentor = setup.mentors[0]
    second = MembershipFactory(program=setup.program, role=Role.MENTEE)
    second.answers = profile_answers(Role.MENTEE, 3)
    second.save()
    MentorChoice.objects.create(mentee=second, mentor=mentor, rank=1)
    services.send_requests(setup.mentee, by=world.mentee)
    services.send_requests(second, by=second.user)
    requests = list(MentorRequest.objects.filter(mentor=mentor).order_by("id"))
    assert len(requests) == 2

    # Score the pair now, so that both threads reach the transaction at the same moment.
    pair_score = services.score_pair(setup.program, mentee=setup.mentee, mentor=mentor)
    monkeypatch.setattr(services, "score_pair", lambda *args, **kwargs: pair_score)
    # Widen the window between counting the mentor's places and creating the relationship,
    # so that without the row lock both transactions would count a free place.
    real_capacity = services.mentor_capacity

    def slow_capacity(membership: Any) -> int:
        time.sleep(0.5)
        return real_capacity(membership)

    monkeypatch.setattr(services, "mentor_capacity", slow_capacity)
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def accept(request: MentorRequest) -> None:
        try:
            barrier.wait(timeout=10)
            services.accept_request(request, by=mentor.user)
            outcomes[request.pk] = "accepted"
        except ServiceError as refused:
            outcomes[request.pk] = refused.message
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == 2
    assert list(outcomes.values()).count("accepted") == 1
    (refused,) = [text for text in outcomes.values() if text != "accepted"]
    assert refused.startswith("You have no place left: 1 mentee already for 1 place.")
    assert Relationship.objects.filter(mentor=mentor).count() == 1
