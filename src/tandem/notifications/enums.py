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
