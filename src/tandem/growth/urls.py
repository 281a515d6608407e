from __future__ import annotations

from tandem.growth.views import assessments, exports, feedback, journal, plans

app_name = "growth"

urlpatterns = [
    *plans.urlpatterns,
    *assessments.urlpatterns,
    *journal.urlpatterns,
    *feedback.urlpatterns,
    *exports.urlpatterns,
]
