from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    verbose_name = "Tandem core"
    name = "tandem.core"
    label = "core"
