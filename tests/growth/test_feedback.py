"""SBI feedback and requests: required parts, notifications, answering a request links it,
only the author and the recipient read it."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.core.errors import ServiceError
from tandem.growth.models import Feedback, FeedbackRequest
from tandem.growth.services import feedback as services
from tandem.notifications.models import Notification
from tests.conftest import World
from tests.growth.support import constant_queries
from tests.mentoring.factories import Pair, workspace_url

SBI = services.FeedbackInput(
    situation="At Tuesday's stand-up",
    behaviour="You summarised the blockers in two sentences",
    impact="We finished ten minutes early",
    keep_doing="Summaries",
)


def test_give_feedback_notifies_the_recipient(pair: Pair) -> None:
    feedback = services.give_feedback(
        pair.mentorship, by=pair.mentor, recipient=pair.mentee, data=SBI
    )
    assert feedback.impact == "We finished ten minutes early"
    notification = Notification.objects.get(recipient=pair.mentee.user)
    assert notification.kind == "feedback_received"
    assert "stand-up" not in notification.body  # the text stays in the mentorship


@pytest.mark.parametrize("missing", ["situation", "behaviour", "impact"])
def test_each_sbi_part_is_required(pair: Pair, missing: str) -> None:
    data = services.FeedbackInput(**{**SBI.__dict__, missing: " "})
    with pytest.raises(ServiceError) as raised:
        services.give_feedback(pair.mentorship, by=pair.mentor, recipient=pair.mentee, data=data)
    assert raised.value.field == missing


def test_feedback_to_oneself_or_a_stranger_is_refused(pair: Pair) -> None:
    stranger = pair.other.members.get(role="mentee").membership
    for recipient in (pair.mentor, stranger):
        with pytest.raises(ServiceError):
            services.give_feedback(pair.mentorship, by=pair.mentor, recipient=recipient, data=SBI)


def test_answering_a_request_links_and_closes_it(pair: Pair) -> None:
    request = services.request_feedback(
        pair.mentorship, by=pair.mentee, recipient=pair.mentor, topic="How I ran the meeting"
    )
    assert Notification.objects.get(recipient=pair.mentor.user).kind == "feedback_requested"
    feedback = services.give_feedback(
        pair.mentorship, by=pair.mentor, recipient=pair.mentee, data=SBI, request=request
    )
    assert feedback.request == request
    assert FeedbackRequest.objects.get().answered_at is not None


def test_only_the_one_asked_answers_a_request(pair: Pair) -> None:
    request = services.request_feedback(
        pair.mentorship, by=pair.mentee, recipient=pair.mentor, topic="My slides"
    )
    with pytest.raises(ServiceError):
        services.give_feedback(
            pair.mentorship, by=pair.mentee, recipient=pair.mentor, data=SBI, request=request
        )


def test_a_request_needs_a_topic(pair: Pair) -> None:
    with pytest.raises(ServiceError) as raised:
        services.request_feedback(pair.mentorship, by=pair.mentee, recipient=pair.mentor, topic="")
    assert raised.value.field == "topic"


def test_the_page_gives_and_asks(world: World, pair: Pair, client: Client) -> None:
    client.force_login(world.mentee)
    url = workspace_url(world, pair.mentorship, "feedback/")
    asked = client.post(url + "ask/", {"recipient": pair.mentor.pk, "topic": "My pitch"})
    assert asked.status_code == 302
    client.force_login(world.mentor)
    request = FeedbackRequest.objects.get()
    page = client.get(url + f"?request={request.pk}").content.decode()
    assert "Answer" in page
    assert "My pitch" in page
    given = client.post(
        url + "give/",
        {
            "recipient": pair.mentee.pk,
            "request": request.pk,
            "situation": "s",
            "behaviour": "b",
            "impact": "i",
        },
    )
    assert given.status_code == 302
    assert Feedback.objects.get().request == request
    bad = client.post(url + "give/", {"recipient": pair.mentee.pk, "situation": "s"})
    assert bad.status_code == 422
    assert "This field is required" in bad.content.decode()


def test_the_feedback_page_keeps_a_constant_query_count(
    world: World, pair: Pair, client: Client
) -> None:
    client.force_login(world.mentee)

    def grow(n: int) -> None:
        for _ in range(n):
            services.give_feedback(pair.mentorship, by=pair.mentor, recipient=pair.mentee, data=SBI)
            services.request_feedback(
                pair.mentorship, by=pair.mentor, recipient=pair.mentee, topic="t"
            )

    small, large = constant_queries(
        client, workspace_url(world, pair.mentorship, "feedback/"), grow
    )
    assert small == large


def test_the_api_schema_lists_the_growth_endpoints(world: World, client: Client) -> None:
    client.force_login(world.mentee)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    base = "/api/v1/organizations/{org}/programs/{program}/mentorships/{mentorship_id}"
    for suffix in ("/plan", "/plan/review", "/assessments", "/swot", "/journal", "/feedback"):
        assert base + suffix in paths
