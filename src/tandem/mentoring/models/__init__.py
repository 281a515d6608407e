"""The mentoring stage's models, one module per concept (re-exported here for Django)."""

from tandem.mentoring.models.meetings import (
    ActionItem,
    Meeting,
    MeetingAttendee,
    MeetingRecord,
    MeetingSeries,
    Message,
)
from tandem.mentoring.models.mentorships import (
    LIVE_STATUSES,
    OPEN_STATUSES,
    GroupMember,
    MentoringGroup,
    Mentorship,
    MentorshipMember,
    Relationship,
)

__all__ = [
    "LIVE_STATUSES",
    "OPEN_STATUSES",
    "ActionItem",
    "GroupMember",
    "Meeting",
    "MeetingAttendee",
    "MeetingRecord",
    "MeetingSeries",
    "MentoringGroup",
    "Mentorship",
    "MentorshipMember",
    "Message",
    "Relationship",
]
