"""Who may read and write the reflection tools of a mentorship.

Every predicate takes the mentorship (with its members prefetched where the caller has them)
and the person's program membership. Coordinators are never members, so none of these ever
holds for them: what the pair writes is theirs.

- **Development plan**: its mentee and the mentorship's mentors read it; both edit its text
  (the mentee drafts, the mentor suggests wording); only the mentee links their goals; only a
  mentor marks it reviewed.
- **Self-assessments**: the mentee's own, and the mentor's view of the mentee, are read by the
  mentee and by the mentor who gave that view — no one else.
- **SWOT**: its owner; the other members once it is shared.
- **Journal**: its author; the other members only for an entry the author shared.
- **Feedback**: its author and its recipient.
"""

from __future__ import annotations

from tandem.growth.models import Assessment, DevelopmentPlan, Feedback, JournalEntry, Swot
from tandem.mentoring.enums import MemberRole
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.programs.models import Membership


def place_of(mentorship: Mentorship, membership: Membership | None) -> MentorshipMember | None:
    if membership is None:
        return None
    return next(
        (m for m in mentorship.members.all() if m.membership_id == membership.pk),
        None,
    )


def is_member(mentorship: Mentorship, membership: Membership | None) -> bool:
    return place_of(mentorship, membership) is not None


def is_mentor_in(mentorship: Mentorship, membership: Membership | None) -> bool:
    place = place_of(mentorship, membership)
    return place is not None and (place.role == MemberRole.MENTOR or place.is_facilitator)


def is_mentee_in(mentorship: Mentorship, membership: Membership | None) -> bool:
    place = place_of(mentorship, membership)
    return place is not None and place.role == MemberRole.MENTEE


def can_read_plan(mentorship: Mentorship, owner_id: int, membership: Membership | None) -> bool:
    """The plan's mentee and the mentorship's mentors."""
    if membership is None or not is_member(mentorship, membership):
        return False
    return membership.pk == owner_id or is_mentor_in(mentorship, membership)


def can_edit_plan(mentorship: Mentorship, owner_id: int, membership: Membership | None) -> bool:
    return can_read_plan(mentorship, owner_id, membership) and mentorship.is_live


def can_link_plan_goals(plan: DevelopmentPlan, membership: Membership | None) -> bool:
    """Goals are the mentee's: only they choose which ones the plan serves."""
    return membership is not None and plan.owner_id == membership.pk


def can_review_plan(mentorship: Mentorship, owner_id: int, membership: Membership | None) -> bool:
    return (
        membership is not None
        and membership.pk != owner_id
        and is_mentor_in(mentorship, membership)
        and mentorship.is_live
    )


def can_read_assessment(assessment: Assessment, membership: Membership | None) -> bool:
    return membership is not None and membership.pk in (
        assessment.subject_id,
        assessment.assessor_id,
    )


def can_read_swot(mentorship: Mentorship, swot: Swot, membership: Membership | None) -> bool:
    if membership is None or not is_member(mentorship, membership):
        return False
    return swot.owner_id == membership.pk or swot.shared_at is not None


def can_read_entry(
    mentorship: Mentorship, entry: JournalEntry, membership: Membership | None
) -> bool:
    if membership is None or not is_member(mentorship, membership):
        return False
    return entry.author_id == membership.pk or entry.shared_at is not None


def can_read_feedback(feedback: Feedback, membership: Membership | None) -> bool:
    return membership is not None and membership.pk in (feedback.author_id, feedback.recipient_id)
