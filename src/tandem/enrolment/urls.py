from __future__ import annotations

from tandem.enrolment.views import applications, imports, onboarding, profiles, programs

app_name = "enrolment"

urlpatterns = [
    *programs.urlpatterns,
    *profiles.urlpatterns,
    *applications.urlpatterns,
    *imports.urlpatterns,
    *onboarding.urlpatterns,
]
