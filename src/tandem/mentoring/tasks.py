"""Background work of the mentoring stage: tasks take ids and call services."""

from __future__ import annotations

from django.tasks import task


@task()
def send_invitation(meeting_id: int, ics: str, change: str) -> int:
    """E-mail one iCalendar invitation, update or cancellation to a meeting's attendees."""
    from tandem.mentoring.services.invites import email_invitation

    return email_invitation(meeting_id, ics, change)


@task()
def sweep_reminders() -> int:
    """Record the reminders that are due and enqueue their delivery (every minute)."""
    from tandem.mentoring.services.reminders import sweep

    return sweep()


@task()
def deliver_reminders(reminder_ids: list[int]) -> int:
    """Send a batch of pending reminders, each at most once."""
    from tandem.mentoring.services.reminders import deliver

    return deliver(reminder_ids)


@task()
def set_due_assignments() -> int:
    """Give mentees the preparation of meetings that ended without a record yet."""
    from tandem.mentoring.services.assignments import set_assignments_for_ended_meetings

    return set_assignments_for_ended_meetings()


@task()
def refresh_due_activity() -> int:
    """Refresh the coordinator's figures that changed only because time passed."""
    from tandem.mentoring.services.activity import refresh_due_activity as refresh

    return refresh()


@task()
def email_new_messages(mentorship_id: int) -> int:
    """E-mail the members of one conversation about their new messages (at most one an hour).
    Returns how many were e-mailed."""
    from tandem.mentoring.services.messages import send_message_emails

    return send_message_emails(mentorship_id)


@task()
def sweep_message_emails() -> int:
    """Periodic: e-mail everyone whose hour has passed with new messages waiting."""
    from tandem.mentoring.services.messages import sweep_message_emails as sweep

    return sweep()


@task()
def sweep_match_confirmations() -> int:
    """Periodic: remind members of proposed matches past their date (once), then tell the
    coordinators. Returns how many notifications were sent."""
    from tandem.mentoring.services.confirmation import sweep_confirmations

    return sweep_confirmations()
