"""What members write around a meeting: agenda items before it, the record after it (notes,
who came, the closing checklist), action items, and meetings logged afterwards.

Only the mentorship's members write here; the record itself is written by the member who
leads (a pair's mentor, a group's facilitator). After each write the coordinator's figures
are recomputed (:func:`tandem.mentoring.services.activity.refresh_activity`).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.mentoring.enums import MeetingStatus
from tandem.mentoring.models import (
    ActionItem,
    AgendaItem,
    Meeting,
    MeetingAttendee,
    MeetingRecord,
    Mentorship,
    MentorshipMember,
)
from tandem.mentoring.services.activity import refresh_activity
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import Message, notify_many
from tandem.programs.models import Membership

TEXT_MAX = 500
NOTES_MAX = 20000
NOTE_MAX = 2000
MAX_DURATION_MINUTES = 24 * 60


@dataclass(frozen=True)
class ActionItemInput:
    text: str
    owner_id: int
    due_on: dt.date


@dataclass(frozen=True)
class RecordInput:
    notes: str = ""
    next_meeting_set: bool = False
    action_items_defined: bool = False
    checklist_note: str = ""
    #: Groups: membership id → came or not. Pairs: both came (the record says they met).
    attended: Mapping[int, bool] | None = None
    #: New action items to add with the record.
    action_items: Sequence[ActionItemInput] = ()


# --- who may write ------------------------------------------------------------------------


def member_of(mentorship: Mentorship, membership: Membership) -> MentorshipMember:
    """The person's place in the mentorship; refused for anyone else."""
    for member in mentorship.members.all():
        if member.membership_id == membership.pk:
            return member
    raise ServiceError("Only the members of this mentorship can do this.")


def leaders_of(mentorship: Mentorship) -> list[MentorshipMember]:
    return [m for m in mentorship.members.all() if m.leads]


def _check_live(mentorship: Mentorship) -> None:
    if not mentorship.is_live:
        raise ServiceError(
            "This mentorship is not active any more; what you wrote stays, but nothing new "
            "can be added."
        )


def _check_text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise ServiceError(f"Write something in {field.replace('_', ' ')}.", field=field)
    if len(value) > limit:
        raise ServiceError(
            f"{field.replace('_', ' ').capitalize()} is at most {limit} characters "
            f"({len(value)} given).",
            field=field,
        )
    return value


def _reload(meeting: Meeting) -> Meeting:
    """The meeting with its mentorship and members (one query each)."""
    return (
        Meeting.objects.select_related("mentorship__program__organization", "template")
        .prefetch_related("mentorship__members__membership__user")
        .get(pk=meeting.pk)
    )


# --- agenda items -------------------------------------------------------------------------


def add_agenda_item(meeting: Meeting, *, by: Membership, text: str) -> AgendaItem:
    """A member adds an item to the agenda, until the meeting ends."""
    meeting = _reload(meeting)
    member_of(meeting.mentorship, by)
    _check_live(meeting.mentorship)
    text = _check_text(text, field="text", limit=TEXT_MAX)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ServiceError("This meeting was cancelled; add the item to another one.")
    if meeting.end <= timezone.now():
        raise ServiceError("This meeting is over; add the item to the next one.")
    with transaction.atomic():
        item = AgendaItem.objects.create(meeting=meeting, author=by, text=text)
        record_audit(by.user, "agenda_item.added", meeting.mentorship, changes={"id": item.pk})
        refresh_activity(meeting.mentorship_id)
    return item


def remove_agenda_item(item: AgendaItem, *, by: Membership) -> None:
    """Its author, or the member who leads, removes an item until the meeting ends."""
    meeting = _reload(item.meeting)
    member = member_of(meeting.mentorship, by)
    if item.author_id != by.pk and not member.leads:
        raise ServiceError("Only the person who added this item can remove it.")
    if meeting.end <= timezone.now():
        raise ServiceError("This meeting is over; its agenda stays as it was.")
    with transaction.atomic():
        record_audit(by.user, "agenda_item.removed", meeting.mentorship, changes={"id": item.pk})
        item.delete()
        refresh_activity(meeting.mentorship_id)


# --- action items -------------------------------------------------------------------------


def _owner(mentorship: Mentorship, owner_id: int) -> Membership:
    for member in mentorship.members.all():
        if member.membership_id == owner_id:
            return member.membership
    raise ServiceError("The owner must be a member of this mentorship.", field="owner")


def _check_item(mentorship: Mentorship, data: ActionItemInput) -> tuple[str, Membership]:
    text = _check_text(data.text, field="text", limit=TEXT_MAX)
    owner = _owner(mentorship, data.owner_id)
    if not isinstance(data.due_on, dt.date):
        raise ServiceError("Give the delivery date as a date.", field="due_on")
    return text, owner


def _create_item(
    mentorship: Mentorship, data: ActionItemInput, *, by: Membership, meeting: Meeting | None
) -> ActionItem:
    text, owner = _check_item(mentorship, data)
    return ActionItem.objects.create(
        mentorship=mentorship,
        meeting=meeting,
        text=text,
        owner=owner,
        due_on=data.due_on,
        created_by=by,
    )


def add_action_item(
    mentorship: Mentorship,
    data: ActionItemInput,
    *,
    by: Membership,
    meeting: Meeting | None = None,
) -> ActionItem:
    """Any member adds an action item (for any member, with a delivery date)."""
    member_of(mentorship, by)
    _check_live(mentorship)
    if meeting is not None and meeting.mentorship_id != mentorship.pk:
        raise ServiceError("That meeting belongs to another mentorship.", field="meeting")
    with transaction.atomic():
        item = _create_item(mentorship, data, by=by, meeting=meeting)
        record_audit(by.user, "action_item.added", mentorship, changes={"id": item.pk})
        refresh_activity(mentorship.pk)
    return item


def set_action_item_done(item: ActionItem, *, by: Membership, done: bool) -> ActionItem:
    """Any member ticks or unticks an item; ticking twice keeps the first tick."""
    mentorship = item.mentorship
    member_of(mentorship, by)
    _check_live(mentorship)
    with transaction.atomic():
        locked = ActionItem.objects.select_for_update().get(pk=item.pk)
        if done and locked.done_at is None:
            locked.done_at = timezone.now()
            locked.done_by = by
        elif not done:
            locked.done_at = None
            locked.done_by = None
        locked.save(update_fields=["done_at", "done_by"])
        record_audit(
            by.user,
            "action_item.ticked" if done else "action_item.unticked",
            mentorship,
            changes={"id": item.pk},
        )
        refresh_activity(mentorship.pk)
    return locked


def _may_change(item: ActionItem, member: MentorshipMember, by: Membership) -> bool:
    return item.created_by_id == by.pk or member.leads


def edit_action_item(item: ActionItem, data: ActionItemInput, *, by: Membership) -> ActionItem:
    """Its creator, or the member who leads, changes the text, owner or date."""
    mentorship = item.mentorship
    member = member_of(mentorship, by)
    _check_live(mentorship)
    if not _may_change(item, member, by):
        raise ServiceError("Only the person who added this item, or your mentor, can change it.")
    text, owner = _check_item(mentorship, data)
    with transaction.atomic():
        item.text, item.owner, item.due_on = text, owner, data.due_on
        item.save(update_fields=["text", "owner", "due_on"])
        record_audit(by.user, "action_item.changed", mentorship, changes={"id": item.pk})
        refresh_activity(mentorship.pk)
    return item


def delete_action_item(item: ActionItem, *, by: Membership) -> None:
    mentorship = item.mentorship
    member = member_of(mentorship, by)
    _check_live(mentorship)
    if not _may_change(item, member, by):
        raise ServiceError("Only the person who added this item, or your mentor, can delete it.")
    with transaction.atomic():
        record_audit(by.user, "action_item.deleted", mentorship, changes={"id": item.pk})
        item.delete()
        refresh_activity(mentorship.pk)


# --- the record ---------------------------------------------------------------------------


def _check_record(meeting: Meeting, data: RecordInput) -> str:
    notes = _check_text(data.notes, field="notes", limit=NOTES_MAX, required=False)
    note = _check_text(data.checklist_note, field="checklist_note", limit=NOTE_MAX, required=False)
    unticked = [
        label
        for label, ticked in (
            ("the next meeting is set", data.next_meeting_set),
            ("the action items have dates", data.action_items_defined),
        )
        if not ticked
    ]
    if unticked and not note:
        raise ServiceError(
            f"Tick “{' and '.join(unticked)}”, or say why not.", field="checklist_note"
        )
    return notes


def save_record(meeting: Meeting, data: RecordInput, *, by: Membership) -> MeetingRecord:
    """The leading member writes (or corrects) the meeting's record; the meeting is held.

    The others are told once, when the record is first shared. New action items come with
    it; the template's preparation becomes the mentees' assignment.
    """
    meeting = _reload(meeting)
    mentorship = meeting.mentorship
    member = member_of(mentorship, by)
    if not member.leads:
        raise ServiceError(
            "Only the mentor (in groups, the facilitator) writes the meeting record."
        )
    _check_live(mentorship)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ServiceError("This meeting was cancelled; there is nothing to record.")
    if meeting.start > timezone.now():
        raise ServiceError("This meeting has not started yet; write the record afterwards.")
    notes = _check_record(meeting, data)
    members = {m.membership_id: m for m in mentorship.members.all()}
    if mentorship.is_group and data.attended is not None:
        unknown = set(data.attended) - set(members)
        if unknown:
            raise ServiceError("Attendance lists only the members of this group.", field="attended")
    for item_input in data.action_items:
        _check_item(mentorship, item_input)
    from tandem.mentoring.services.assignments import set_assignments

    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        record, created = MeetingRecord.objects.get_or_create(
            meeting=locked, defaults={"written_by": by}
        )
        record.written_by = by
        record.notes = notes
        record.next_meeting_set = data.next_meeting_set
        record.action_items_defined = data.action_items_defined
        record.checklist_note = data.checklist_note.strip()
        record.save()
        if locked.status != MeetingStatus.HELD:
            locked.status = MeetingStatus.HELD
            locked.save(update_fields=["status", "updated_at"])
        _save_attendance(locked, mentorship, members, data.attended)
        new_items = [
            _create_item(mentorship, item_input, by=by, meeting=locked)
            for item_input in data.action_items
        ]
        record_audit(
            by.user,
            "meeting_record.written" if created else "meeting_record.changed",
            mentorship,
            changes={"meeting": meeting.pk, "action_items_added": len(new_items)},
        )
        if created:
            actions = ActionItem.objects.filter(meeting=locked).count()
            notify_many(
                [
                    Message(
                        recipient=other.membership.user,
                        context={
                            "author": by.user,
                            "meeting_day": meeting.start.astimezone(
                                zoneinfo.ZoneInfo(meeting.timezone)
                            ).strftime("%-d %B %Y"),
                            "actions": actions,
                            "rating_links": _rating_links(locked, other.membership),
                        },
                        url=meeting.get_absolute_url(),
                    )
                    for other in mentorship.members.all()
                    if other.membership_id != by.pk
                ],
                kind=NotificationKind.RECORD_SHARED,
                program=mentorship.program,
            )
        set_assignments(locked)
        refresh_activity(mentorship.pk)
    return record


def _rating_links(meeting: Meeting, membership: Membership) -> list[tuple[int, str]]:
    """One-tap rating links (1–5) for the record's e-mail."""
    from django.conf import settings

    from tandem.mentoring.services.ratings import rating_url  # ratings builds on records

    return [
        (score, f"{settings.SITE_URL}{rating_url(meeting, membership, score)}")
        for score in range(1, 6)
    ]


def _save_attendance(
    meeting: Meeting,
    mentorship: Mentorship,
    members: Mapping[int, MentorshipMember],
    attended: Mapping[int, bool] | None,
) -> None:
    existing = {a.membership_id: a for a in MeetingAttendee.objects.filter(meeting=meeting)}
    for membership_id in members:
        came = True
        if mentorship.is_group and attended is not None:
            came = bool(attended.get(membership_id, False))
        attendee = existing.get(membership_id)
        if attendee is None:
            MeetingAttendee.objects.create(
                meeting=meeting, membership_id=membership_id, attended=came
            )
        elif attendee.attended != came:
            attendee.attended = came
            attendee.save(update_fields=["attended"])


# --- meetings logged afterwards ------------------------------------------------------------


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ServiceError(
            f"“{name}” is not a time zone; use a name like Europe/Berlin.", field="timezone"
        ) from None


def mentorship_dates(mentorship: Mentorship) -> tuple[dt.date, dt.date | None]:
    """The first and last day the mentorship covers."""
    began = mentorship.started_at or mentorship.created_at
    zone = timezone.get_current_timezone()
    return began.astimezone(zone).date(), mentorship.ends_on


def log_past_meeting(
    mentorship: Mentorship,
    *,
    by: Membership,
    start: dt.datetime,
    duration_minutes: int,
    timezone_name: str,
    location: str = "",
) -> Meeting:
    """ "We met on …": a meeting arranged outside Tandem, logged afterwards (no invites).

    It counts as held; its record can be written at once.
    """
    member_of(mentorship, by)
    _check_live(mentorship)
    _zone(timezone_name)
    if start.tzinfo is None:
        raise ServiceError("Give the start with its time zone.", field="start")
    if not 0 < duration_minutes <= MAX_DURATION_MINUTES:
        raise ServiceError(
            f"The duration is between 1 and {MAX_DURATION_MINUTES} minutes.",
            field="duration_minutes",
        )
    if start > timezone.now():
        raise ServiceError(
            "That date is still to come: schedule the meeting instead of logging it.",
            field="start",
        )
    first, last = mentorship_dates(mentorship)
    day = start.astimezone(_zone(timezone_name)).date()
    if day < first or (last is not None and day > last):
        until = f" to {last:%-d %B %Y}" if last else ""
        raise ServiceError(
            f"{day:%-d %B %Y} is outside your mentorship's dates ({first:%-d %B %Y}{until}).",
            field="start",
        )
    location = _check_text(location, field="location", limit=TEXT_MAX, required=False)
    from tandem.mentoring.services.guides import assign_agendas

    with transaction.atomic():
        meeting = Meeting.objects.create(
            mentorship=mentorship,
            start=start,
            duration_minutes=duration_minutes,
            timezone=timezone_name,
            location=location,
            status=MeetingStatus.HELD,
            logged=True,
            created_by=by.user,
        )
        MeetingAttendee.objects.bulk_create(
            [
                MeetingAttendee(meeting=meeting, membership_id=m.membership_id, attended=True)
                for m in mentorship.members.all()
            ]
        )
        record_audit(by.user, "meeting.logged", mentorship, changes={"meeting": meeting.pk})
        assign_agendas(mentorship)
        refresh_activity(mentorship.pk)
    meeting.refresh_from_db()
    return meeting
