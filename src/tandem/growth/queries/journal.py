"""Reading the journal: a member's own entries and the entries the others shared."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tandem.growth.models import JournalEntry
from tandem.mentoring.models import Mentorship
from tandem.programs.models import Membership


def visible_entries(mentorship: Mentorship, viewer: Membership) -> QuerySet[JournalEntry]:
    """The viewer's own entries and the ones others shared, newest first."""
    return (
        JournalEntry.objects.filter(mentorship=mentorship)
        .filter(Q(author=viewer) | Q(shared_at__isnull=False))
        .select_related("author__user")
    )


def entry_for(mentorship: Mentorship, viewer: Membership, entry_id: int) -> JournalEntry | None:
    """The entry if the viewer may read it; ``None`` for missing and not-yours alike."""
    return visible_entries(mentorship, viewer).filter(pk=entry_id).first()
