from __future__ import annotations

from tandem.enrolment.views import applications, imports, onboarding, profiles

app_name = "enrolment"

urlpatterns = [
    *profiles.urlpatterns,
    *applications.urlpatterns,
    *imports.urlpatterns,
    *onboarding.urlpatterns,
]
