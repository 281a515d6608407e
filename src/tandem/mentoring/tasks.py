"""Background work of the mentoring stage. Tasks take primitive ids and call a service through
a function-level import (the services enqueue these tasks, so a module-level import would be
a circle)."""

from __future__ import annotations

from django.tasks import task


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
