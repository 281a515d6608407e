from __future__ import annotations

from django.db import models


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    READ_WRITE = "read_write", "Read and write"


#: How long a new API token works, in days (the person chooses; 90 unless they say otherwise).
TOKEN_LIFETIME_CHOICES = [(30, "30 days"), (90, "90 days"), (365, "365 days")]
DEFAULT_TOKEN_DAYS = 90
