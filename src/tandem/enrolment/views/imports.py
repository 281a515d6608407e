"""Importing participants from a spreadsheet (check, map, dry run, import) and exporting them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse

from tandem.core.errors import ServiceError
from tandem.enrolment.enums import ImportStatus
from tandem.enrolment.forms.imports import ConfirmImportForm, MappingForm, UploadForm
from tandem.enrolment.models import ParticipantImport
from tandem.enrolment.rules.applications import can_export_participants, can_import_participants
from tandem.enrolment.services import imports as services
from tandem.programs.http import TenantRequest, requires

RECENT_IMPORTS = 10


def _detail_url(participant_import: ParticipantImport) -> str:
    program = participant_import.program
    return reverse(
        "enrolment:import_detail",
        kwargs={
            "org_slug": program.organization.slug,
            "program_slug": program.slug,
            "import_id": participant_import.pk,
        },
    )


@requires(can_import_participants)
def import_upload(request: TenantRequest, org_slug: str, program_slug: str) -> HttpResponse:
    program = request.access.program_or_404
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                participant_import = services.upload_import(
                    program, file_name=upload.name, content=upload.read(), by=request.user
                )
            except ServiceError as error:
                form.add_error("file", error.message)
            else:
                return redirect(_detail_url(participant_import))
    recent = (
        ParticipantImport.objects.filter(program=program)
        .select_related("uploaded_by")
        .defer("content")[:RECENT_IMPORTS]
    )
    return render(
        request,
        "enrolment/imports/upload.html",
        {"program": program, "form": form, "recent": list(recent)},
        status=status,
    )


def _detail_context(
    participant_import: ParticipantImport,
    mapping_form: MappingForm | None = None,
    confirm_form: ConfirmImportForm | None = None,
) -> dict[str, object]:
    program = participant_import.program
    report = participant_import.report
    if participant_import.status == ImportStatus.READING or report.get("read_error"):
        # Not read yet (the worker does it), or unreadable: nothing to map or preview.
        return {
            "program": program,
            "participant_import": participant_import,
            "report": report,
            "job": report.get("job", ""),
        }
    questions = services.importable_questions(program)
    sheet = services.sheet_of(participant_import)
    if mapping_form is None:
        mapping_form = MappingForm(
            headings=sheet.headings,
            choices=services.mapping_choices(questions),
            initial_mapping=participant_import.mapping,
            samples=sheet.rows[:3],
        )
    return {
        "program": program,
        "participant_import": participant_import,
        "mapping_form": mapping_form,
        "confirm_form": confirm_form or ConfirmImportForm(),
        "report": report,
        "job": report.get("job", ""),
        "in_background": services.runs_in_background(participant_import),
        "encoding_warning": services.encoding_warning(participant_import.guessed_encoding),
        "hidden_problems": max(0, report.get("problem_count", 0) - len(report.get("problems", []))),
    }


@requires(can_import_participants)
def import_detail(
    request: TenantRequest, org_slug: str, program_slug: str, import_id: int
) -> HttpResponse:
    """The mapping, the dry-run report and the Import button, on one page."""
    program = request.access.program_or_404
    participant_import = get_object_or_404(
        ParticipantImport.objects.select_related("program__organization"),
        pk=import_id,
        program=program,
    )
    if request.method != "POST":
        return render(request, "enrolment/imports/detail.html", _detail_context(participant_import))
    if participant_import.status == ImportStatus.READING or participant_import.report.get(
        "read_error"
    ):
        return redirect(_detail_url(participant_import))
    if request.POST.get("action") == "import":
        confirm_form = ConfirmImportForm(request.POST)
        confirm_form.is_valid()
        email_new_people = bool(confirm_form.cleaned_data.get("email_new_people"))
        try:
            if services.runs_in_background(participant_import):
                services.queue_import(
                    participant_import, by=request.user, email_new_people=email_new_people
                )
                messages.info(
                    request,
                    "The import is running in the background: this page shows the result when "
                    "it is done, and you get a notification.",
                )
            else:
                plan = services.run_import(
                    participant_import, by=request.user, email_new_people=email_new_people
                )
                messages.success(
                    request,
                    f"Imported: {plan.created} created, {plan.updated} updated, "
                    f"{plan.unchanged} unchanged.",
                )
        except ServiceError as error:
            messages.error(request, error.message)
        return redirect(_detail_url(participant_import))
    questions = services.importable_questions(program)
    sheet = services.sheet_of(participant_import)
    mapping_form = MappingForm(
        request.POST,
        headings=sheet.headings,
        choices=services.mapping_choices(questions),
        initial_mapping=participant_import.mapping,
        samples=sheet.rows[:3],
    )
    status = 200
    if mapping_form.is_valid():
        try:
            services.check_import(participant_import, mapping=mapping_form.mapping())
        except ServiceError as error:
            mapping_form.add_error(None, error.message)
            status = 422
        participant_import.refresh_from_db()
    else:
        status = 422
    if status == 200:
        return redirect(_detail_url(participant_import))
    return render(
        request,
        "enrolment/imports/detail.html",
        _detail_context(participant_import, mapping_form=mapping_form),
        status=status,
    )


@requires(can_import_participants)
def import_status(
    request: TenantRequest, org_slug: str, program_slug: str, import_id: int
) -> HttpResponse:
    """Polled by the page while a background import runs; 286 stops htmx polling when done."""
    program = request.access.program_or_404
    participant_import = get_object_or_404(
        ParticipantImport.objects.defer("content"), pk=import_id, program=program
    )
    job = participant_import.report.get("job", "")
    if request.GET.get("reading") and participant_import.status != ImportStatus.READING:
        # The worker has read the file: reload the page, which now shows the preview.
        response = HttpResponse(status=286)
        response["HX-Refresh"] = "true"
        return response
    response = render(
        request,
        "enrolment/imports/detail.html#job-status",
        {
            "program": program,
            "participant_import": participant_import,
            "job": job,
            "report": participant_import.report,
        },
    )
    if job not in {"queued", "running", "reading"}:
        response.status_code = 286
    return response


@requires(can_export_participants)
def export(
    request: TenantRequest, org_slug: str, program_slug: str, file_format: str
) -> HttpResponse:
    program = request.access.program_or_404
    content, name, content_type = services.export_file(program, file_format, by=request.user)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _program_path(suffix: str) -> str:
    return "o/<slug:org_slug>/p/<slug:program_slug>/" + suffix


urlpatterns: list[URLPattern] = [
    path(_program_path("import/"), import_upload, name="import"),
    path(_program_path("import/<int:import_id>/"), import_detail, name="import_detail"),
    path(_program_path("import/<int:import_id>/status/"), import_status, name="import_status"),
    path(_program_path("export.csv"), export, {"file_format": "csv"}, name="export_csv"),
    path(_program_path("export.xlsx"), export, {"file_format": "xlsx"}, name="export_xlsx"),
]
