"""The reflective journal: private to its author, each entry shareable with the mentorship
(and unshareable).

The audit log records that an entry was written or shared with no text, and against the
entry alone, outside any program: the program's audit view (what coordinators read) never
lists journal activity, so no one can count a person's entries.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.growth.models import JournalEntry
from tandem.growth.rules import reflection as rules
from tandem.growth.services.plans import clean_text
from tandem.mentoring.models import Mentorship
from tandem.programs.models import Membership

ENTRY_MAX = 20_000
PROMPT_MAX = 300

#: Optional prompts from the guide, shown above the journal's form.
PROMPTS: tuple[str, ...] = (
    "What did I learn this week about how I work with others?",
    "Which situation went differently from how I expected, and why?",
    "What feedback did I get, and what will I do with it?",
    "Where did I use the skill I am working on, and how did it go?",
    "What is getting in my way, and who could help?",
    "What am I proud of since our last meeting?",
    "What do I want to bring to our next meeting?",
)


def _check_text(text: str) -> str:
    text = clean_text(text, field="text", limit=ENTRY_MAX)
    if not text:
        raise ServiceError("Write something before saving the entry.", field="text")
    return text


def write_entry(
    mentorship: Mentorship, *, by: Membership, text: str, prompt: str = ""
) -> JournalEntry:
    text = _check_text(text)
    prompt = clean_text(prompt, field="prompt", limit=PROMPT_MAX)
    with transaction.atomic():
        mentorship = Mentorship.objects.prefetch_related("members").get(pk=mentorship.pk)
        if not rules.is_member(mentorship, by):
            raise ServiceError("Only the mentorship's members keep a journal in it.")
        if not mentorship.is_live:
            raise ServiceError(
                f"This mentorship is {mentorship.get_status_display().lower()}: its journal "
                "is read-only. You can still export your entries."
            )
        entry = JournalEntry.objects.create(
            mentorship=mentorship, author=by, text=text, prompt=prompt
        )
        record_audit(by.user, "journal.written", entry)
    return entry


def _own(entry: JournalEntry, by: Membership) -> JournalEntry:
    locked = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.author_id != by.pk:
        raise ServiceError("Only the entry's author changes it.")
    return locked


def edit_entry(entry: JournalEntry, *, by: Membership, text: str) -> JournalEntry:
    text = _check_text(text)
    with transaction.atomic():
        entry = _own(entry, by)
        entry.text = text
        entry.save(update_fields=["text", "updated_at"])
        record_audit(by.user, "journal.edited", entry)
    return entry


def share_entry(entry: JournalEntry, *, by: Membership, shared: bool) -> JournalEntry:
    """Show one entry to the mentorship's other members, or take it back."""
    with transaction.atomic():
        entry = _own(entry, by)
        entry.shared_at = (entry.shared_at or timezone.now()) if shared else None
        entry.save(update_fields=["shared_at", "updated_at"])
        record_audit(by.user, "journal.shared" if shared else "journal.unshared", entry)
    return entry


def delete_entry(entry: JournalEntry, *, by: Membership) -> None:
    with transaction.atomic():
        entry = _own(entry, by)
        record_audit(by.user, "journal.deleted", entry)
        entry.delete()
