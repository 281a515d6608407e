from __future__ import annotations

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from tandem.core.mail import inbox_folder, kept_messages


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def dev_inbox(request: HttpRequest) -> HttpResponse:
    """The e-mails Tandem sent in development, newest first, with their links (DEBUG only:
    everyone on a development server may read them, so that a logged-out person can follow a
    password-reset link; the same 404 as any missing page otherwise)."""
    folder = inbox_folder()
    if folder is None:
        raise Http404
    return render(request, "core/dev_inbox.html", {"inbox": kept_messages(folder)})
