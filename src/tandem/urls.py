from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from tandem.api.api import api
from tandem.core import views as core_views
from tandem.programs import views as program_views

urlpatterns = [
    path("", program_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("dev/inbox/", core_views.dev_inbox, name="dev_inbox"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("tandem.accounts.urls")),
    path("", include("tandem.notifications.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("tandem.programs.urls")),
    path("", include("tandem.enrolment.urls")),
    path("", include("tandem.matches.urls")),
    path("", include("tandem.mentoring.urls")),
    path("", include("tandem.growth.urls")),
]
