from __future__ import annotations

from django.db import models


class QuestionKind(models.TextChoices):
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice / tags"
    TEXT = "text", "Free text"
    NUMBER = "number", "Number"
    SCALE = "scale", "Scale of 1 to 5"
    YES_NO = "yes_no", "Yes or no"
    LOCATION = "location", "Location (city and country)"
    TIME_ZONE = "time_zone", "Time zone"
    AVAILABILITY = "availability", "Weekly availability"
    LANGUAGES = "languages", "Languages"


class Audience(models.TextChoices):
    BOTH = "both", "Mentors and mentees"
    MENTORS = "mentors", "Mentors"
    MENTEES = "mentees", "Mentees"


class ImportStatus(models.TextChoices):
    #: A large file stored for the worker to read; its preview follows.
    READING = "reading", "Being read"
    PREVIEWED = "previewed", "Checked, not imported"
    IMPORTED = "imported", "Imported"
    REJECTED = "rejected", "Has errors"


class StagedRowKind(models.TextChoices):
    """What a staged row of an import becomes when the import is switched live."""

    NEW_USER = "new_user", "New account and membership"
    NEW_MEMBERSHIP = "new_membership", "Membership of an existing account"
    CHANGED_MEMBERSHIP = "changed_membership", "Changed answers"
    CHANGED_USER = "changed_user", "Name or pronouns filled in"


class FunnelStep(models.TextChoices):
    """The steps from invitation to "ready to match", in order."""

    INVITED = "invited", "Invited"
    APPLIED = "applied", "Applied"
    APPROVED = "approved", "Approved"
    PROFILE = "profile", "Profile complete"
    AGREEMENT = "agreement", "Agreement accepted"
    TRAINED = "trained", "Training done"
    READY = "ready", "Ready to match"


#: Days and parts of day of the weekly availability grid; an answer is a list of "day-part".
DAYS = (
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
)
PARTS_OF_DAY = (("morning", "Morning"), ("afternoon", "Afternoon"), ("evening", "Evening"))
