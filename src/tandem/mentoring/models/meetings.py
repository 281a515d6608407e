"""Meetings of a mentorship: one-off or a series (an RRULE expanded with dateutil), who
attends and how they answered, and the record a mentor fills afterwards with action items."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models

from tandem.mentoring.enums import MeetingStatus, Rsvp
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
