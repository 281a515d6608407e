from __future__ import annotations

from tandem.matches.views import criteria, directory, relationships, requests, runs

app_name = "matches"

urlpatterns = [
    *criteria.urlpatterns,
    *runs.urlpatterns,
    *directory.urlpatterns,
    *requests.urlpatterns,
    *relationships.urlpatterns,
]
