"""Participant imports (dry run, then confirm) and exports."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from tandem.api.common import check_rule, program_access
from tandem.api.schemas import ErrorOut, Schema
from tandem.core.errors import ServiceError
from tandem.enrolment.enums import ImportStatus
from tandem.enrolment.models import ParticipantImport
from tandem.enrolment.rules.applications import can_export_participants, can_import_participants
from tandem.enrolment.services import imports as services

router = Router(tags=["imports"])


class ProblemOut(Schema):
    row: int
    column: str
    value: str
    reason: str


class ImportOut(Schema):
    id: int
    file_name: str
    status: str
    mapping: dict[str, str]
    rows: int = 0
    create: int = 0
    update: int = 0
    unchanged: int = 0
    problem_count: int = 0
    problems: list[ProblemOut] = []
    mapping_error: str = ""
    job: str = ""
    #: The encoding a CSV file was guessed to be in ("Shift-JIS"); empty when it was UTF-8 or
    #: said what it was (a byte-order mark).
    guessed_encoding: str = ""
    #: Shown when the encoding was guessed: check the names look right before confirming.
    encoding_warning: str = ""
    #: Why a file read in the background (``status`` "reading" until then) was refused.
    read_error: str = ""


class ConfirmIn(Schema):
    email_new_people: bool = False


def _import_out(participant_import: ParticipantImport) -> dict[str, Any]:
    report = participant_import.report
    return {
        "id": participant_import.pk,
        "file_name": participant_import.file_name,
        "status": participant_import.status,
        "mapping": participant_import.mapping,
        "guessed_encoding": participant_import.guessed_encoding,
        "encoding_warning": services.encoding_warning(participant_import.guessed_encoding),
        **{
            key: report[key]
            for key in (
                "rows",
                "create",
                "update",
                "unchanged",
                "problem_count",
                "problems",
                "mapping_error",
                "job",
                "read_error",
            )
            if key in report
        },
    }


@router.post(
    "/organizations/{org}/programs/{program}/imports",
    response={201: ImportOut, 202: ImportOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def import_upload(
    request: HttpRequest,
    org: str,
    program: str,
    file: File[UploadedFile],
    mapping: Form[str] = "",
) -> Status[dict[str, Any]]:
    """Upload a CSV/XLSX file for a dry run. ``mapping`` (optional) is a JSON object
    ``{"column heading": "email" | "full_name" | "role" | "pronouns" | question key | ""}``
    overriding the automatic mapping. Nothing is imported until you confirm.

    A large file (over ``TANDEM_IMPORT_INLINE_BYTES``) is read in the background: 202 with
    ``status`` "reading"; poll ``GET …/imports/{id}`` until the preview is there (``status``
    "previewed" or "rejected", with ``read_error`` when the file could not be read)."""
    access = program_access(request, org, program)
    check_rule(can_import_participants, access)
    overrides: dict[str, str] = {}
    if mapping:
        try:
            overrides = json.loads(mapping)
        except json.JSONDecodeError:
            raise ServiceError("mapping must be a JSON object.", field="mapping") from None
        if not isinstance(overrides, dict):
            raise ServiceError("mapping must be a JSON object.", field="mapping")
    participant_import = services.upload_import(
        access.program_or_404,
        file_name=file.name or "upload",
        content=file.read(),
        by=access.user,
        mapping=overrides,
    )
    if participant_import.status == ImportStatus.READING:
        return Status(202, _import_out(participant_import))
    if overrides:
        services.check_import(
            participant_import, mapping={**participant_import.mapping, **overrides}
        )
    participant_import.refresh_from_db()
    return Status(201, _import_out(participant_import))


@router.get(
    "/organizations/{org}/programs/{program}/imports/{import_id}",
    response={200: ImportOut, 403: ErrorOut, 404: ErrorOut},
)
def import_detail(request: HttpRequest, org: str, program: str, import_id: int) -> dict[str, Any]:
    access = program_access(request, org, program)
    check_rule(can_import_participants, access)
    return _import_out(
        get_object_or_404(ParticipantImport, pk=import_id, program=access.program_or_404)
    )


@router.post(
    "/organizations/{org}/programs/{program}/imports/{import_id}/confirm",
    response={200: ImportOut, 202: ImportOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def import_confirm(
    request: HttpRequest, org: str, program: str, import_id: int, payload: ConfirmIn
) -> Status[dict[str, Any]]:
    """Import a checked file: 200 with the result, or 202 when a large file was queued
    (poll ``GET …/imports/{id}`` until ``status`` is ``imported``)."""
    access = program_access(request, org, program)
    check_rule(can_import_participants, access)
    participant_import = get_object_or_404(
        ParticipantImport, pk=import_id, program=access.program_or_404
    )
    if services.runs_in_background(participant_import):
        services.queue_import(
            participant_import, by=access.user, email_new_people=payload.email_new_people
        )
        participant_import.refresh_from_db()
        code = 200 if participant_import.status == "imported" else 202
        return Status(code, _import_out(participant_import))
    services.run_import(
        participant_import, by=access.user, email_new_people=payload.email_new_people
    )
    participant_import.refresh_from_db()
    return Status(200, _import_out(participant_import))


@router.get(
    "/organizations/{org}/programs/{program}/export",
    response={200: None, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def export(request: HttpRequest, org: str, program: str, format: str = "csv") -> HttpResponse:
    """Every mentor and mentee with their answers as ``csv`` or ``xlsx`` (no demographics)."""
    access = program_access(request, org, program)
    check_rule(can_export_participants, access)
    content, name, content_type = services.export_file(
        access.program_or_404, format, by=access.user
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
