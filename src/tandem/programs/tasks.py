from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string

from tandem.core.text import render_text
from tandem.programs.models import Invitation


@task()
def send_invitation_email(invitation_id: int) -> bool:
    invitation = (
        Invitation.objects.select_related("program__organization", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.state != "pending":
        return False
    context = {
        "invitation": invitation,
        "program": invitation.program,
        "accept_url": f"{settings.SITE_URL}{invitation.get_absolute_url()}",
    }
    message = EmailMultiAlternatives(
        subject=f"[Tandem] You are invited to {invitation.program.name}",
        body=render_text("programs/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("programs/email/invitation.html", context), "text/html"
    )
    message.send()
    return True
