from __future__ import annotations

from django.db import models


class NotificationKind(models.TextChoices):
    """Every message Tandem sends. Later capabilities add kinds here and a template pair."""

    WELCOME = "welcome", "Welcome to a program"
    MEMBERSHIP_CHANGED = "membership_changed", "Your place in a program changed"
    PROGRAM_STATUS = "program_status", "A program you are in changed stage"
    INVITATION_ACCEPTED = "invitation_accepted", "Someone accepted your invitation"
    APPLICATION_RECEIVED = "application_received", "Someone applied to a program you coordinate"
    APPLICATION_DECIDED = "application_decided", "A decision on your application"
    ENROLMENT_REMINDER = "enrolment_reminder", "A reminder of what is left before matching"
    AGREEMENT_CHANGED = "agreement_changed", "A program's confidentiality agreement changed"
    IMPORT_FINISHED = "import_finished", "A participant import finished"
    MATCH_INTRODUCTION = "match_introduction", "You have been matched"
    GROUP_INTRODUCTION = "group_introduction", "You have joined a mentoring group"
    REQUEST_RECEIVED = "request_received", "A mentee asks you to mentor them"
    REQUEST_ANSWERED = "request_answered", "A mentor answered your request"
    REQUEST_PASSED_ON = "request_passed_on", "Your request passed to your next choice"
    MENTEE_UNMATCHED = "mentee_unmatched", "A mentee is still without a mentor"
    RELATIONSHIP_ENDED = "relationship_ended", "A mentoring relationship ended"
    MATCH_TO_CONFIRM = "match_to_confirm", "A new match waits for your confirmation"
    MATCH_DECLINED = "match_declined", "Someone declined a proposed match"
    MENTORSHIP_STARTED = "mentorship_started", "Your mentorship has started"
    MEETING_REMINDER = "meeting_reminder", "A meeting tomorrow, with its agenda"
    MEETING_STARTING = "meeting_starting", "A meeting is starting"
    TIME_PROPOSED = "time_proposed", "Another time is proposed for a meeting"
    TIME_ANSWERED = "time_answered", "An answer to the time you proposed"
    RECORD_MISSING = "record_missing", "A meeting record is still to be written"
    ACTION_OVERDUE = "action_overdue", "An action item is past its date"
    ASSIGNMENT_SET = "assignment_set", "Something to prepare before your next meeting"
    ASSIGNMENT_SUBMITTED = "assignment_submitted", "Your mentee submitted their preparation"
    ASSIGNMENT_COMMENTED = "assignment_commented", "A comment on your preparation"
    RECORD_SHARED = "record_shared", "A meeting record was shared with you"
    NEW_MESSAGES = "new_messages", "New messages in your mentorship"
    PLAN_REVIEWED = "plan_reviewed", "Your mentor reviewed your development plan"
    ASSESSMENT_REQUESTED = "assessment_requested", "Your mentee asks for your view of their skills"
    FEEDBACK_REQUESTED = "feedback_requested", "Someone asks for your feedback"
    FEEDBACK_RECEIVED = "feedback_received", "You received feedback"
    GOAL_SUGGESTED = "goal_suggested", "Your mentor suggested a goal"
    GOAL_COMMENTED = "goal_commented", "A comment on a goal"
    MILESTONE_DONE = "milestone_done", "A milestone was reached"
    GOAL_ACHIEVED = "goal_achieved", "A goal was achieved"


class EmailStatus(models.TextChoices):
    """Where a notification's e-mail is: recorded as pending with the notification, sent once
    a worker has handed it to the mail server."""

    NONE = "", "Not e-mailed"
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
