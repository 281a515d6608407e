"""The audit log: one function every service calls for each write it makes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from tandem.core.models import AuditEntry

if TYPE_CHECKING:
    from tandem.accounts.models import User
    from tandem.programs.models import Organization, Program


def _scope_of(target: models.Model) -> tuple[Organization | None, Program | None]:
    """Find the organization and program an object belongs to, where it has them."""
    from tandem.programs.models import Organization, Program

    if isinstance(target, Organization):
        return target, None
    if isinstance(target, Program):
        return target.organization, target
    program = getattr(target, "program", None)
    if isinstance(program, Program):
        return program.organization, program
    organization = getattr(target, "organization", None)
    if isinstance(organization, Organization):
        return organization, None
    return None, None


def record_audit(
    actor: User | None,
    action: str,
    target: models.Model,
    *,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    organization, program = _scope_of(target)
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        organization=organization,
        program=program,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:200],
        changes=changes or {},
    )
