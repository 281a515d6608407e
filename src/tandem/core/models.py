from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Who did what to which object, and when. Written by every service function."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organization = models.ForeignKey(
        "programs.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    program = models.ForeignKey(
        "programs.Program", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["program", "-created_at"], name="audit_program_recent"),
            models.Index(fields=["organization", "-created_at"], name="audit_org_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_label}"


class PeriodicRun(models.Model):
    """The last time slot a periodic task was enqueued for: many workers' schedulers race to
    claim a slot with a conditional UPDATE, and only the winner enqueues it."""

    name = models.CharField(max_length=100, unique=True)
    slot = models.BigIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} (slot {self.slot})"


class WorkerHeartbeat(models.Model):
    """A running ``tandem worker`` process, renewed every few seconds while it lives: a task
    row left "running" under a worker whose heartbeat stopped belongs to a dead worker (see
    :mod:`tandem.core.leases`)."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"
