from __future__ import annotations

from django.apps import AppConfig


class GrowthConfig(AppConfig):
    name = "tandem.growth"
    label = "growth"
    verbose_name = "Growth"
