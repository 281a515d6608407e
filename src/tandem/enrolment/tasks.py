"""Background work of participant imports: large imports, and e-mails to the people created."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import TaskContext, task
from django.urls import reverse

from tandem.accounts.models import User
from tandem.core.errors import ServiceError
from tandem.core.text import render_text
from tandem.enrolment.enums import ImportStatus
from tandem.enrolment.models import ParticipantImport
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import notify
from tandem.programs.models import Program


@task(takes_context=True)
def run_import_task(
    context: TaskContext, import_id: int, user_id: int, email_new_people: bool
) -> dict[str, object]:
    """Import a checked file, then tell the coordinator who started it how it went."""
    from tandem.enrolment.services.imports import run_import

    participant_import = (
        ParticipantImport.objects.select_related("program__organization")
        .filter(pk=import_id)
        .first()
    )
    user = User.objects.filter(pk=user_id).first()
    if participant_import is None or participant_import.status == ImportStatus.IMPORTED:
        return {"imported": False}
    ParticipantImport.objects.filter(pk=import_id).update(
        report={**participant_import.report, "job": "running", "task": str(context.task_result.id)}
    )
    failure = ""
    try:
        plan = run_import(participant_import, by=user, email_new_people=email_new_people)
    except ServiceError as error:
        failure = error.message
        participant_import.refresh_from_db()
        ParticipantImport.objects.filter(pk=import_id).update(
            report={**participant_import.report, "job": "failed", "failure": failure}
        )
    program = participant_import.program
    if user is not None:
        with transaction.atomic():
            notify(
                user,
                kind=NotificationKind.IMPORT_FINISHED,
                program=program,
                context={
                    "file_name": participant_import.file_name,
                    "failure": failure,
                    "created": 0 if failure else plan.created,
                    "updated": 0 if failure else plan.updated,
                    "unchanged": 0 if failure else plan.unchanged,
                },
                url=reverse(
                    "enrolment:import_detail",
                    kwargs={
                        "org_slug": program.organization.slug,
                        "program_slug": program.slug,
                        "import_id": import_id,
                    },
                ),
            )
    return {"imported": not failure}


@task(takes_context=True)
def read_import_task(context: TaskContext, import_id: int) -> dict[str, object]:
    """Read, map and check a file too large to read inside a web request."""
    from tandem.enrolment.services.imports import read_stored_import

    participant_import = (
        ParticipantImport.objects.select_related("program")
        .filter(pk=import_id, status=ImportStatus.READING)
        .first()
    )
    if participant_import is None:
        return {"read": False}
    read_stored_import(participant_import, task_id=str(context.task_result.id))
    return {"read": True}


@task()
def sweep_stopped_imports() -> int:
    """Fail the background imports whose worker died, so that they can be run again
    (periodic)."""
    from tandem.enrolment.services.imports import fail_stopped_imports

    return fail_stopped_imports()


@task()
def email_imported_people(program_id: int, user_ids: list[int]) -> int:
    """E-mail people an import created a link to choose their password. Returns how many."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    program = Program.objects.select_related("organization").filter(pk=program_id).first()
    if program is None:
        return 0
    users = User.objects.filter(pk__in=user_ids, is_active=True, last_login__isnull=True)
    sent = 0
    for user in users:
        path = reverse(
            "account_reset_password_from_key",
            kwargs={
                "uidb36": user_pk_to_url_str(user),
                "key": default_token_generator.make_token(user),
            },
        )
        context = {
            "person": user,
            "program": program,
            "set_password_url": f"{settings.SITE_URL}{path}",
            "login_url": f"{settings.SITE_URL}{reverse('account_login')}",
            "program_url": f"{settings.SITE_URL}{program.get_absolute_url()}",
        }
        EmailMessage(
            subject=f"[Tandem] You take part in {program.name}",
            body=render_text("enrolment/imports/email/new_person.txt", context),
            to=[user.email],
        ).send()
        sent += 1
    return sent


@task()
def refresh_readiness_task(program_id: int) -> int:
    """Recalculate the stored readiness of a program's unchecked participants (after a
    program-wide change too large for the request). Returns how many rows it wrote."""
    from tandem.enrolment.services.readiness import refresh_all_stale_readiness

    return refresh_all_stale_readiness(program_id)
