from __future__ import annotations

from tandem.growth.views import coordinator, goals

app_name = "growth"

urlpatterns = [
    *goals.urlpatterns,
    *coordinator.urlpatterns,
]
