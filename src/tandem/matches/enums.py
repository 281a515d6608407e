from __future__ import annotations

from django.db import models


class CriterionKind(models.TextChoices):
    """The matching engine's criterion kinds (``tandem.matching.KINDS``), named for people."""

    OVERLAP = "overlap", "Shared answers (e.g. interests in common)"
    COMPLEMENT = "complement", "Offers what the mentee wants (e.g. skills)"
    SAME = "same", "Same answer (e.g. same industry)"
    DIFFERENT = "different", "Different answer (e.g. another team)"
    GAP = "gap", "Number gap in a band (e.g. 5–15 more years of experience)"
    DISTANCE = "distance", "Close by (distance in km)"
    TIMEZONE = "timezone", "Close time zones"
    AVAILABILITY = "availability", "Shared weekly availability"
    TEXT = "text", "Similar meaning of free text (goals vs experience)"
    NOT_SAME = "not_same", "Never the same answer (e.g. never the same team)"
    NOT_MANAGER = "not_manager", "Never their own manager"
    SHARES_LANGUAGE = "shares_language", "Must share a language"
    PREFERENCE = (
        "preference",
        "Similar or different, as each mentee asks (e.g. communication style)",
    )


class RunObjective(models.TextChoices):
    COVERAGE = "coverage", "Most people matched, then best fit"
    TOTAL = "total", "Best total fit"
    FAIR = "fair", "Fairest: raise the worst match first"
    SPREAD = "spread", "Most people matched, then the load spread evenly across mentors"


class RunMode(models.TextChoices):
    OPTIMAL = "optimal", "Pairs"
    GROUPS = "groups", "Groups"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to run"
    RUNNING = "running", "Running"
    DONE = "done", "Ready to review"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    PUBLISHED = "published", "Published"
    STALE = "stale", "Out of date"


class PairRuleKind(models.TextChoices):
    LOCK = "lock", "Locked pair"
    FORBID = "forbid", "Forbidden pair"


class RequestStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for an earlier choice"
    PENDING = "pending", "Waiting for the mentor"
    INFO_REQUESTED = "info_requested", "Mentor asked for more information"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "No answer in time"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CLOSED = "closed", "Closed (matched elsewhere)"


class ParticipantState(models.TextChoices):
    """Where a mentor or mentee stands in their program (see ``tandem.matches.participants``)."""

    NOT_READY = "not_ready", "Not ready to be matched"
    READY = "ready", "Ready to be matched"
    REQUESTED = "requested", "Request in play"
    MATCHED = "matched", "Matched"
    ENDED_EARLY = "ended_early", "Ended early"
    COMPLETED = "completed", "Completed"
