from __future__ import annotations

from django.urls import path

from tandem.programs import views

app_name = "programs"

program = "o/<slug:org_slug>/p/<slug:program_slug>/"

urlpatterns = [
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation"),
    path("o/<slug:org_slug>/", views.organization_home, name="organization"),
    path("o/<slug:org_slug>/audit/", views.organization_audit, name="organization_audit"),
    path(program, views.program_home, name="home"),
    path(program + "settings/", views.program_edit, name="edit"),
    path(program + "objectives/", views.objective_add, name="objective_add"),
    path(program + "objectives/<int:objective_id>/", views.objective_edit, name="objective_edit"),
    path(
        program + "objectives/<int:objective_id>/remove/",
        views.objective_remove,
        name="objective_remove",
    ),
    path(program + "members/", views.member_list, name="members"),
    path(program + "members/<int:membership_id>/", views.member_change, name="member_change"),
    path(program + "invitations/", views.invitation_create, name="invitation_create"),
    path(
        program + "invitations/<int:invitation_id>/resend/",
        views.invitation_action,
        {"action": "resend"},
        name="invitation_resend",
    ),
    path(
        program + "invitations/<int:invitation_id>/revoke/",
        views.invitation_action,
        {"action": "revoke"},
        name="invitation_revoke",
    ),
    path(program + "audit/", views.program_audit, name="audit"),
]
