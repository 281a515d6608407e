from __future__ import annotations

from tandem.growth.views import (
    assessments,
    coordinator,
    exports,
    feedback,
    goals,
    journal,
    plans,
)

app_name = "growth"

urlpatterns = [
    *plans.urlpatterns,
    *assessments.urlpatterns,
    *journal.urlpatterns,
    *feedback.urlpatterns,
    *exports.urlpatterns,
    *goals.urlpatterns,
    *coordinator.urlpatterns,
]
