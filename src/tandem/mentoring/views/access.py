"""How every mentorship view finds its mentorship: members reach its content, coordinators its
figures, everyone else the same 404 as for a mentorship that does not exist."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404

from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.mentoring.rules import mentorships as rules
from tandem.programs.http import TenantRequest


def _load(request: TenantRequest, mentorship_id: int) -> Mentorship:
    program = request.access.program_or_404
    try:
        return (
            Mentorship.objects.select_related("program__organization")
            .prefetch_related(
                Prefetch(
                    "members",
                    queryset=MentorshipMember.objects.select_related("membership__user"),
                )
            )
            .get(pk=mentorship_id, program=program)
        )
    except Mentorship.DoesNotExist:
        raise Http404("No such mentorship.") from None


def member_mentorship(
    request: TenantRequest, mentorship_id: int
) -> tuple[Mentorship, MentorshipMember]:
    """The mentorship and the viewer's place in it; 404 unless the viewer is a member."""
    mentorship = _load(request, mentorship_id)
    if not rules.is_member(request.access, mentorship):
        raise Http404("No such mentorship.")
    membership = request.access.membership
    assert membership is not None  # is_member holds
    member = next(m for m in mentorship.members.all() if m.membership_id == membership.pk)
    return mentorship, member


def overseen_mentorship(request: TenantRequest, mentorship_id: int) -> Mentorship:
    """The mentorship for its figures: its members and the program's coordinators."""
    mentorship = _load(request, mentorship_id)
    if not (
        rules.is_member(request.access, mentorship) or rules.can_oversee_mentorships(request.access)
    ):
        raise Http404("No such mentorship.")
    return mentorship
