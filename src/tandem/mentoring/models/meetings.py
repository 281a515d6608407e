"""Meetings of a mentorship: one-off or a series (an RRULE expanded with dateutil), who
attends and how they answered, and the record a mentor fills afterwards with action items."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tandem.mentoring.enums import InviteMethod, MeetingStatus, ProposalStatus, ReminderKind, Rsvp
from tandem.mentoring.models.mentorships import Mentorship


def new_uid() -> str:
    return f"{uuid.uuid4()}@tandem"


class MeetingSeries(models.Model):
    """A recurring meeting: the rule (RFC 5545 RRULE text) in the organiser's time zone."""

    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="meeting_series"
    )
    #: The calendar UID of the series; never changes.
    uid = models.CharField(max_length=255, unique=True, default=new_uid)
    rrule = models.TextField()
    timezone = models.CharField(max_length=64)
    #: The first occurrence (aware, stored in UTC); its local wall-clock time repeats.
    first_start = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField()
    location = models.CharField(max_length=500, blank=True)
    #: Raised on every change of time and on cancel (iCalendar SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "meeting series"

    def __str__(self) -> str:
        return f"{self.rrule} from {self.first_start:%Y-%m-%d %H:%M} ({self.timezone})"


class Meeting(models.Model):
    """One meeting (or one occurrence of a series) of a mentorship."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="meetings")
    series = models.ForeignKey(
        MeetingSeries,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="occurrences",
    )
    #: The calendar UID: the meeting's own, or its series' for an occurrence.
    uid = models.CharField(max_length=255, default=new_uid, db_index=True)
    #: An occurrence's original start (iCalendar RECURRENCE-ID); null for one-off meetings.
    recurrence_id = models.DateTimeField(null=True, blank=True)
    start = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField()
    #: IANA name of the time zone it was arranged in.
    timezone = models.CharField(max_length=64)
    #: A place or a video link.
    location = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    #: Raised on every change of time and on cancel (iCalendar SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    #: Logged afterwards ("we met on …"), arranged outside Tandem: no invites were sent.
    logged = models.BooleanField(default=False)
    #: The meeting guide's template that is its agenda (the Nth meeting gets the Nth one).
    template = models.ForeignKey(
        "mentoring.MeetingTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: Exactly the iCalendar object last sent to the attendees about this meeting.
    ics = models.TextField(blank=True)
    ics_method = models.CharField(max_length=8, choices=InviteMethod.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["mentorship", "start"], name="meeting_mentorship_start"),
            models.Index(fields=["status", "start"], name="meeting_status_start"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "recurrence_id"], name="one_meeting_per_occurrence"
            ),
        ]

    def __str__(self) -> str:
        return f"Meeting {self.start:%Y-%m-%d %H:%M} UTC ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return self.mentorship.get_absolute_url() + f"meetings/{self.pk}/"

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.duration_minutes)


class MeetingAttendee(models.Model):
    """A member invited to a meeting and their answer (RSVP happens in Tandem)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    membership = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="+"
    )
    rsvp = models.CharField(max_length=14, choices=Rsvp.choices, default=Rsvp.NEEDS_ACTION)
    responded_at = models.DateTimeField(null=True, blank=True)
    #: Groups: whether they came (filled with the record).
    attended = models.BooleanField(null=True, blank=True)
    #: When the last invite (or update, or cancellation) was e-mailed to them.
    invited_at = models.DateTimeField(null=True, blank=True)
    #: Why no invite could be sent (e.g. no e-mail address); blank when it was.
    invite_skipped = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "membership"], name="attend_once"),
        ]

    def __str__(self) -> str:
        return f"{self.membership} at {self.meeting}"


class MeetingRecord(models.Model):
    """What the mentor (or facilitator) writes after a meeting; shared with the mentee(s)."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="record")
    written_by = models.ForeignKey(
        "programs.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Markdown, sanitised when shown. Members only.
    notes = models.TextField(blank=True)
    #: The closing checklist: both must be ticked, or a reason given.
    next_meeting_set = models.BooleanField(default=False)
    action_items_defined = models.BooleanField(default=False)
    #: Why a checklist item was left unticked (it cannot be skipped silently).
    checklist_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Record of {self.meeting}"


class ActionItem(models.Model):
    """Something a member will do, with a delivery date."""

    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="action_items"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items"
    )
    text = models.CharField(max_length=500)
    owner = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        "programs.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        "programs.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_at", "due_on", "id"]
        indexes = [models.Index(fields=["mentorship", "done_at"], name="action_item_open")]

    def __str__(self) -> str:
        return self.text


class Message(models.Model):
    """A message in a mentorship's conversation (markdown, sanitised when shown)."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["mentorship", "created_at"], name="message_thread")]

    def __str__(self) -> str:
        return f"Message {self.pk} in {self.mentorship}"


class MeetingRating(models.Model):
    """A member's 1–5 rating of a meeting. Dual-blind: neither sees the other's until both
    have rated or a week has passed. The comment stays with its author unless shared."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="ratings")
    membership = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="+"
    )
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True)
    comment_shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "membership"], name="rate_once"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score}/5 for {self.meeting}"


class TimeProposal(models.Model):
    """One side proposes another time for a meeting; the other accepts or declines."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="proposals")
    proposed_by = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="+"
    )
    start = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField()
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    responded_by = models.ForeignKey(
        "programs.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} UTC proposed for {self.meeting_id}"


class Reminder(models.Model):
    """One reminder to one person, sent at most once: the sweep inserts it under a unique
    key, a worker claims it (with a lease, so a dead worker's claim is taken over) and marks
    it sent."""

    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    action_item = models.ForeignKey(
        ActionItem, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    membership = models.ForeignKey(
        "programs.Membership", on_delete=models.CASCADE, related_name="+"
    )
    due_at = models.DateTimeField()
    #: When a sweep last handed it to a worker (handed out again if still unsent much later).
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    #: Not sent, and why (cancelled meeting, muted, left the mentorship).
    skipped = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "due_at"], name="reminder_pending")]

    def __str__(self) -> str:
        return self.key


class CalendarFeed(models.Model):
    """A person's secret calendar URL (webcal): every meeting of theirs, titles and times
    only. Revoking gives a new token; the old URL stops working at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
