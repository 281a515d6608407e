from __future__ import annotations

from django.db import models


class ProgramType(models.TextChoices):
    ONE_TO_ONE = "one_to_one", "One-to-one"
    GROUP = "group", "Group"
    REVERSE = "reverse", "Reverse"
    PEER = "peer", "Peer"


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ENROLLING = "enrolling", "Enrolling"
    MATCHING = "matching", "Matching"
    ACTIVE = "active", "Active"
    CLOSING = "closing", "Closing"
    CLOSED = "closed", "Closed"


#: The only status changes a program may make, and the button label for each.
PROGRAM_TRANSITIONS: dict[ProgramStatus, dict[ProgramStatus, str]] = {
    ProgramStatus.DRAFT: {ProgramStatus.ENROLLING: "Open enrolment"},
    ProgramStatus.ENROLLING: {
        ProgramStatus.MATCHING: "Close enrolment and start matching",
        ProgramStatus.DRAFT: "Back to draft",
    },
    ProgramStatus.MATCHING: {
        ProgramStatus.ACTIVE: "Start the program",
        ProgramStatus.ENROLLING: "Reopen enrolment",
    },
    ProgramStatus.ACTIVE: {ProgramStatus.CLOSING: "Begin closure"},
    ProgramStatus.CLOSING: {
        ProgramStatus.CLOSED: "Close the program",
        ProgramStatus.ACTIVE: "Back to active",
    },
    ProgramStatus.CLOSED: {},
}


class MeetingCadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    BIWEEKLY = "biweekly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"


class MatchingMode(models.TextChoices):
    ADMIN = "admin", "Coordinator matches"
    SELF_SELECT = "self_select", "Mentees choose their top mentors"
    BOTH = "both", "Mentees choose, coordinator completes"


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    MENTOR = "mentor", "Mentor"
    MENTEE = "mentee", "Mentee"


class MembershipStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    APPROVED = "approved", "Approved"
    WAITLISTED = "waitlisted", "Waitlisted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class OrganizationRole(models.TextChoices):
    ADMIN = "admin", "Administrator"


class EnrolmentAccess(models.TextChoices):
    PUBLIC = "public", "Anyone with the link can apply"
    ORGANIZATION = "organization", "People already in the organization can apply"
    INVITATION = "invitation", "By invitation only"
