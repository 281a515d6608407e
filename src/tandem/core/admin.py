from __future__ import annotations

from django.contrib import admin

from tandem.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    list_display = ["created_at", "actor", "action", "target_label", "program"]
    list_filter = ["action"]
    search_fields = ["target_label", "actor__email"]
    readonly_fields = [field.name for field in AuditEntry._meta.fields]
