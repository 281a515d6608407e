"""Choices of the mentoring stage: a mentorship's kind and lifecycle, its members' roles,
meetings and their answers."""

from __future__ import annotations

from django.db import models


class RelationshipStatus(models.TextChoices):
    """The lifecycle of a mentorship (and of the pair or group record it carries)."""

    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    CLOSING = "closing", "Closing"
    COMPLETED = "completed", "Completed"
    ENDED_EARLY = "ended_early", "Ended early"


#: The mentorship's lifecycle is the relationship's: one set of words everywhere.
MentorshipStatus = RelationshipStatus


class EndReason(models.TextChoices):
    """No-fault reasons first: ending early is normal and nobody is blamed."""

    SCHEDULES = "schedules", "Our schedules do not fit"
    NEEDS_CHANGED = "needs_changed", "What I need has changed"
    NOT_A_FIT = "not_a_fit", "Not the right fit — no one's fault"
    PERSONAL = "personal", "Personal circumstances"
    LEFT = "left", "Left the organization or the program"
    GOALS_MET = "goals_met", "Goals reached early"
    CONDUCT = "conduct", "A concern about conduct (the coordinator will follow up)"
    OTHER = "other", "Another reason"


class MentorshipKind(models.TextChoices):
    PAIR = "pair", "Pair"
    GROUP = "group", "Group"


class MemberRole(models.TextChoices):
    """A person's side in a mentorship (in groups, facilitators are mentors)."""

    MENTOR = "mentor", "Mentor"
    MENTEE = "mentee", "Mentee"


class TemplateTool(models.TextChoices):
    """A tool a template's preparation is written in, instead of the assignment's own text
    (the mentoring app names it; the app that owns the tool serves its page)."""

    NONE = "", "None — the mentee writes in the task itself"
    PLAN = "plan", "The development plan"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Rsvp(models.TextChoices):
    """An attendee's answer, named as iCalendar's PARTSTAT."""

    NEEDS_ACTION = "needs_action", "Not answered yet"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    TENTATIVE = "tentative", "Maybe"


class TemplateKind(models.TextChoices):
    """Where a meeting template sits in a program's meeting guide."""

    GUIDED = "guided", "Guided start"
    REGULAR = "regular", "Regular check-in"
    CLOSURE = "closure", "Closure"


class ProposalStatus(models.TextChoices):
    OPEN = "open", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ReminderKind(models.TextChoices):
    """Reminders the worker sends; each (kind, subject, person) at most once."""

    DAY_BEFORE = "day_before", "24 hours before a meeting, with its agenda"
    AT_START = "at_start", "When a meeting starts"
    RECORD_MISSING = "record_missing", "A meeting record still missing 48 hours later"
    ACTION_OVERDUE = "action_overdue", "An action item past its delivery date"


class InviteMethod(models.TextChoices):
    """The iCalendar METHOD of the last invite sent for a meeting."""

    REQUEST = "REQUEST", "Invitation or update"
    CANCEL = "CANCEL", "Cancellation"
