"""Rating meetings: once per member, dual-blind, comments private unless shared, and the
one-tap signed link from e-mails."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.mentoring.models import MeetingRating
from tandem.mentoring.services import ratings
from tests.conftest import World
from tests.mentoring.factories import Pair, everyone
from tests.mentoring.records_support import make_meeting, meeting_url

pytestmark = pytest.mark.django_db


def test_member_rates_a_past_meeting_and_re_rating_updates(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    ratings.rate_meeting(meeting, by=pair.mentee, score=4, comment="Useful")
    ratings.rate_meeting(meeting, by=pair.mentee, score=5)
    rating = MeetingRating.objects.get()
    assert (rating.score, rating.comment, rating.comment_shared) == (5, "", False)


@pytest.mark.parametrize("score", [0, 6, -1])
def test_scores_outside_one_to_five_are_refused(pair: Pair, score: int) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    with pytest.raises(ServiceError) as refused:
        ratings.rate_meeting(meeting, by=pair.mentee, score=score)
    assert refused.value.field == "score"
    assert not MeetingRating.objects.exists()


def test_a_meeting_still_to_come_cannot_be_rated(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=1)
    with pytest.raises(ServiceError):
        ratings.rate_meeting(meeting, by=pair.mentee, score=3)


def test_ratings_are_blind_until_both_have_rated(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    ratings.rate_meeting(meeting, by=pair.mentor, score=2, comment="Hard", share_comment=True)
    seen = ratings.visible_ratings(meeting, viewer=pair.mentee)
    assert (seen.revealed, seen.visible, seen.others_rated) == (False, (), 1)
    ratings.rate_meeting(meeting, by=pair.mentee, score=5, comment="Mine only")
    seen = ratings.visible_ratings(meeting, viewer=pair.mentee)
    assert seen.revealed
    assert [(r.score, r.comment) for r in seen.visible] == [(2, "Hard")]
    by_mentor = ratings.visible_ratings(meeting, viewer=pair.mentor)
    assert [(r.score, r.comment) for r in by_mentor.visible] == [(5, "")]


def test_ratings_show_a_week_after_the_meeting(pair: Pair) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    ratings.rate_meeting(meeting, by=pair.mentor, score=3)
    later = meeting.end + dt.timedelta(days=7)
    seen = ratings.visible_ratings(meeting, viewer=pair.mentee, now=later)
    assert seen.revealed
    assert [r.score for r in seen.visible] == [3]
    assert not ratings.visible_ratings(
        meeting, viewer=pair.mentee, now=later - dt.timedelta(minutes=1)
    ).revealed


def test_someone_outside_the_mentorship_cannot_rate(pair: Pair, world: World) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    with pytest.raises(ServiceError):
        ratings.rate_meeting(meeting, by=pair.other.members.first().membership, score=1)


# --- the one-tap link ---------------------------------------------------------------------


def test_rating_link_get_asks_to_confirm_and_changes_nothing(
    world: World, pair: Pair, login: Any
) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    url = ratings.rating_url(meeting, pair.mentee, 4)
    response = login(world.mentee).get(url)
    assert response.status_code == 200
    assert "Yes, rate it 4 of 5" in response.content.decode()
    assert not MeetingRating.objects.exists()


def test_rating_link_post_saves_the_score(world: World, pair: Pair, login: Any) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    response = login(world.mentee).post(ratings.rating_url(meeting, pair.mentee, 4))
    assert response.status_code == 302
    assert MeetingRating.objects.get().score == 4


def test_rating_link_of_another_member_does_not_work(world: World, pair: Pair, login: Any) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    response = login(world.mentee).post(ratings.rating_url(meeting, pair.mentor, 1))
    assert response.status_code == 404
    assert not MeetingRating.objects.exists()


def test_rating_link_altered_or_expired_does_not_work(
    world: World, pair: Pair, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    client = login(world.mentee)
    token = ratings.rating_token(meeting, pair.mentee, 5)
    forged = signing.dumps({"m": meeting.pk, "p": pair.mentee.pk, "s": 5}, salt="other")
    assert client.post(meeting_url(meeting, f"rate/{forged}/")).status_code == 404
    later = timezone.now() + dt.timedelta(days=15)
    monkeypatch.setattr(signing.time, "time", lambda: later.timestamp())
    assert ratings.read_rating_token(token) is None
    assert client.post(meeting_url(meeting, f"rate/{token}/")).status_code == 404
    assert not MeetingRating.objects.exists()


def test_rating_link_asks_anonymous_visitors_to_log_in(pair: Pair, client: Client) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    response = client.get(ratings.rating_url(meeting, pair.mentee, 4))
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- the page -----------------------------------------------------------------------------


def test_rating_form_saves_and_the_page_keeps_the_other_score_hidden(
    world: World, pair: Pair, login: Any
) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    ratings.rate_meeting(meeting, by=pair.mentor, score=1, comment="Mentor's private note")
    client = login(world.mentee)
    body = client.get(meeting_url(meeting)).content.decode()
    assert "1 of 5" not in body
    assert "Mentor&#x27;s private note" not in body
    response = client.post(meeting_url(meeting, "rate/"), {"score": "4", "comment": ""})
    assert response.status_code == 302
    body = client.get(meeting_url(meeting)).content.decode()
    assert "<strong>1 of 5</strong>" in body
    assert "private note" not in body


def test_rating_form_with_no_score_is_422(world: World, pair: Pair, login: Any) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    response = login(world.mentee).post(meeting_url(meeting, "rate/"), {"comment": "Kept"})
    assert response.status_code == 422
    assert "Kept" in response.content.decode()


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("member", 302), ("other_participant", 404), ("coordinator", 404), ("outsider", 404)],
)
def test_rate_url_privacy_matrix(
    world: World, pair: Pair, client: Client, viewer: str, status: int
) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    client.force_login(everyone(world, pair)[viewer])
    assert client.post(meeting_url(meeting, "rate/"), {"score": "3"}).status_code == status
    assert MeetingRating.objects.count() == (1 if status == 302 else 0)


def test_meeting_page_offers_one_tap_score_buttons(world: World, pair: Pair, login: Any) -> None:
    meeting = make_meeting(pair.mentorship, days=-1)
    client = login(world.mentee)
    body = client.get(meeting_url(meeting)).content.decode()
    assert body.count('<button type="submit" name="score"') == 5
    assert client.post(meeting_url(meeting, "rate/"), {"score": "5"}).status_code == 302
    assert MeetingRating.objects.get().score == 5


def test_the_shared_record_carries_one_tap_rating_links_that_work(
    world: World, pair: Pair, login: Any
) -> None:
    from tandem.mentoring.services.records import RecordInput, save_record
    from tandem.notifications.models import Notification

    meeting = make_meeting(pair.mentorship, days=-1)
    save_record(
        meeting,
        RecordInput(notes="Good", next_meeting_set=True, action_items_defined=True),
        by=pair.mentor,
    )
    body = Notification.objects.get(recipient=world.mentee, kind="record_shared").body
    links = [line.split(": ", 1)[1] for line in body.splitlines() if " of 5: " in line]
    assert len(links) == 5
    four = links[3].removeprefix("http://testserver")
    assert login(world.mentee).post(four).status_code == 302
    assert MeetingRating.objects.get(meeting=meeting, membership=pair.mentee).score == 4
