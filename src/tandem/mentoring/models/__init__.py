"""The mentoring stage's models, one module per concept (re-exported here for Django)."""

from tandem.mentoring.models.guides import (
    AgendaItem,
    Assignment,
    AssignmentComment,
    MeetingTemplate,
)
from tandem.mentoring.models.meetings import (
    ActionItem,
    CalendarFeed,
    Meeting,
    MeetingAttendee,
    MeetingRating,
    MeetingRecord,
    MeetingSeries,
    Message,
    Reminder,
    TimeProposal,
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
    "AgendaItem",
    "Assignment",
    "AssignmentComment",
    "CalendarFeed",
    "GroupMember",
    "Meeting",
    "MeetingAttendee",
    "MeetingRating",
    "MeetingRecord",
    "MeetingSeries",
    "MeetingTemplate",
    "MentoringGroup",
    "Mentorship",
    "MentorshipMember",
    "Message",
    "Relationship",
    "Reminder",
    "TimeProposal",
]
