"""Reading feedback: what a member gave and received, and the requests to and from them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tandem.growth.models import Feedback, FeedbackRequest
from tandem.mentoring.models import Mentorship
from tandem.programs.models import Membership


def feedback_of(mentorship: Mentorship, viewer: Membership) -> QuerySet[Feedback]:
    """Feedback the viewer gave or received in the mentorship, newest first."""
    return (
        Feedback.objects.filter(mentorship=mentorship)
        .filter(Q(author=viewer) | Q(recipient=viewer))
        .select_related("author__user", "recipient__user", "request")
    )


def requests_of(mentorship: Mentorship, viewer: Membership) -> QuerySet[FeedbackRequest]:
    return (
        FeedbackRequest.objects.filter(mentorship=mentorship)
        .filter(Q(requester=viewer) | Q(recipient=viewer))
        .select_related("requester__user", "recipient__user")
    )


def open_request_to(
    mentorship: Mentorship, viewer: Membership, request_id: int
) -> FeedbackRequest | None:
    return (
        FeedbackRequest.objects.filter(
            mentorship=mentorship, recipient=viewer, pk=request_id, answered_at__isnull=True
        )
        .select_related("requester__user")
        .first()
    )
