"""E-mailing a meeting's iCalendar object to its attendees, the way calendars accept it:
``multipart/alternative`` with the text and HTML bodies and a ``text/calendar; method=…`` part,
plus the same object attached as ``invite.ics``. Calendar replies (iTIP REPLY) are not read:
people answer in Tandem."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from icalendar import Calendar

from tandem.core.text import render_text
from tandem.mentoring.models import Meeting, MeetingAttendee
from tandem.mentoring.services.meetings import local_label, summary_of

SUBJECTS = {
    "new": "Invitation",
    "moved": "New time",
    "cancelled": "Cancelled",
}


def method_of(ics: str) -> str:
    return str(Calendar.from_ical(ics).get("method", "REQUEST"))


def email_invitation(meeting_id: int, ics: str, change: str) -> int:
    """Send ``ics`` to every attendee of the meeting; returns how many e-mails went out.
    Attendees without a usable address are marked as skipped, with the reason."""
    meeting = (
        Meeting.objects.select_related("mentorship__program__organization", "template", "series")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        return 0
    method = method_of(ics)
    attendees = list(
        MeetingAttendee.objects.filter(meeting=meeting).select_related("membership__user")
    )
    others = {a.membership_id: a.membership.user.display_name for a in attendees}
    sent = 0
    for attendee in attendees:
        user = attendee.membership.user
        if not user.email:
            reason = "no e-mail address"
        elif not user.is_active:
            reason = "account deactivated"
        else:
            reason = ""
        if reason:
            MeetingAttendee.objects.filter(pk=attendee.pk).update(invite_skipped=reason)
            continue
        context = {
            "recipient": user,
            "meeting": meeting,
            "change": change,
            "title": summary_of(meeting.mentorship),
            "when": local_label(meeting.start, user.time_zone),
            "timezone": user.time_zone or "UTC",
            "series": meeting.series,
            "with_names": [name for pk, name in others.items() if pk != attendee.membership_id],
            "url": f"{settings.SITE_URL}{meeting.get_absolute_url()}",
            "workspace_url": f"{settings.SITE_URL}{meeting.mentorship.get_absolute_url()}",
            "program": meeting.mentorship.program,
        }
        subject = (
            f"[Tandem] {SUBJECTS.get(change, 'Update')}: {context['title']} — {context['when']}"
        )
        message = EmailMultiAlternatives(
            subject=subject.replace("\n", " "),
            body=render_text("mentoring/email/invitation.txt", context),
            to=[user.email],
        )
        message.attach_alternative(
            render_to_string("mentoring/email/invitation.html", context), "text/html"
        )
        message.attach_alternative(ics, f"text/calendar; method={method}; charset=utf-8")
        message.attach("invite.ics", ics, f"text/calendar; method={method}")
        message.send()
        MeetingAttendee.objects.filter(pk=attendee.pk).update(
            invited_at=timezone.now(), invite_skipped=""
        )
        sent += 1
    return sent
