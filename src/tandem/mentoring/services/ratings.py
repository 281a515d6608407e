"""Rating a meeting (1–5, with an optional comment), dual-blind, and the one-tap link in the
e-mail that carries a score.

Nobody sees the others' scores until every member has rated or a week has passed since the
meeting. A comment stays with its author unless they share it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.mentoring.enums import MeetingStatus
from tandem.mentoring.models import Meeting, MeetingRating, Mentorship
from tandem.mentoring.services.records import member_of
from tandem.programs.models import Membership

#: After this long the scores show whoever has not rated.
REVEAL_AFTER = dt.timedelta(days=7)
#: How long a one-tap rating link in an e-mail works.
LINK_MAX_AGE = dt.timedelta(days=14)
LINK_SALT = "tandem.mentoring.rate-meeting"
COMMENT_MAX = 2000


def _meeting(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_related("mentorship__program")
        .prefetch_related("mentorship__members__membership__user")
        .get(pk=meeting.pk)
    )


def can_be_rated(meeting: Meeting, *, now: dt.datetime | None = None) -> bool:
    """Held, or over and not cancelled."""
    now = now or timezone.now()
    if meeting.status == MeetingStatus.CANCELLED:
        return False
    return meeting.status == MeetingStatus.HELD or meeting.end <= now


def rate_meeting(
    meeting: Meeting,
    *,
    by: Membership,
    score: int,
    comment: str = "",
    share_comment: bool = False,
) -> MeetingRating:
    """A member rates a meeting once; rating again changes their rating."""
    meeting = _meeting(meeting)
    member_of(meeting.mentorship, by)
    if not can_be_rated(meeting):
        raise ServiceError("You can rate a meeting once it has taken place.")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ServiceError("The score is a whole number from 1 to 5.", field="score")
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise ServiceError(f"The comment is at most {COMMENT_MAX} characters.", field="comment")
    with transaction.atomic():
        rating, created = MeetingRating.objects.update_or_create(
            meeting=meeting,
            membership=by,
            defaults={
                "score": score,
                "comment": comment,
                "comment_shared": share_comment and bool(comment),
            },
        )
        record_audit(
            by.user,
            "meeting.rated" if created else "meeting.rating_changed",
            meeting.mentorship,
            changes={"meeting": meeting.pk},
        )
    return rating


@dataclass(frozen=True)
class OtherRating:
    name: str
    #: None while the ratings are still blind.
    score: int | None
    #: Only when its author shared it (and the scores are revealed).
    comment: str


@dataclass(frozen=True)
class RatingsView:
    mine: MeetingRating | None
    revealed: bool
    #: Members who rated, other than the viewer.
    others_rated: int
    #: Members other than the viewer.
    others: int
    visible: tuple[OtherRating, ...]

    @property
    def waiting(self) -> int:
        return self.others - self.others_rated


def visible_ratings(
    meeting: Meeting, *, viewer: Membership, now: dt.datetime | None = None
) -> RatingsView:
    """What ``viewer`` (a member) may see of the meeting's ratings."""
    now = now or timezone.now()
    members = list(meeting.mentorship.members.all())
    ratings = {
        r.membership_id: r
        for r in MeetingRating.objects.filter(meeting=meeting).select_related("membership__user")
    }
    mine = ratings.get(viewer.pk)
    others = [m for m in members if m.membership_id != viewer.pk]
    everyone_rated = all(m.membership_id in ratings for m in members)
    revealed = everyone_rated or now >= meeting.end + REVEAL_AFTER
    visible: list[OtherRating] = []
    if revealed:
        for member in others:
            rating = ratings.get(member.membership_id)
            if rating is None:
                continue
            visible.append(
                OtherRating(
                    name=member.membership.user.display_name,
                    score=rating.score,
                    comment=rating.comment if rating.comment_shared else "",
                )
            )
    return RatingsView(
        mine=mine,
        revealed=revealed,
        others_rated=sum(1 for m in others if m.membership_id in ratings),
        others=len(others),
        visible=tuple(visible),
    )


# --- the one-tap link ---------------------------------------------------------------------


def rating_token(meeting: Meeting, membership: Membership, score: int) -> str:
    return signing.dumps({"m": meeting.pk, "p": membership.pk, "s": score}, salt=LINK_SALT)


def rating_url(meeting: Meeting, membership: Membership, score: int) -> str:
    """The path that rates ``meeting`` with ``score`` for ``membership`` (for e-mails)."""
    return meeting.get_absolute_url() + f"rate/{rating_token(meeting, membership, score)}/"


@dataclass(frozen=True)
class RatingLink:
    meeting_id: int
    membership_id: int
    score: int


def read_rating_token(token: str) -> RatingLink | None:
    """The link's content, or None when it was altered or is older than 14 days."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    try:
        link = RatingLink(
            meeting_id=int(data["m"]), membership_id=int(data["p"]), score=int(data["s"])
        )
    except (KeyError, TypeError, ValueError):
        return None
    if not 1 <= link.score <= 5:
        return None
    return link


def ratings_count(mentorship: Mentorship) -> int:
    """Metadata a coordinator may see: how many ratings the mentorship's meetings have."""
    return MeetingRating.objects.filter(meeting__mentorship=mentorship).count()
