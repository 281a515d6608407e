from __future__ import annotations

from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "tandem.enrolment"
    label = "enrolment"
