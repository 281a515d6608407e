from __future__ import annotations

from django.contrib import admin

from tandem.programs.models import Membership, Organization, OrganizationMembership, Program


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin[Program]):
    list_display = ["name", "organization", "status", "starts_on", "ends_on"]
    list_filter = ["status", "program_type"]


admin.site.register(OrganizationMembership)
admin.site.register(Membership)
