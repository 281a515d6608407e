from __future__ import annotations

from tandem.matches.views import criteria, relationships, requests, runs

app_name = "matches"

urlpatterns = [
    *criteria.urlpatterns,
    *runs.urlpatterns,
    *requests.urlpatterns,
    *relationships.urlpatterns,
]
