"""The audit log: one function every service calls for each write it makes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from django.db import models

from tandem.core.models import AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@runtime_checkable
class AuditScoped(Protocol):
    """An object that knows the organization and program it belongs to.

    ``Organization`` and ``Program`` implement it; any other object is scoped through its
    ``program`` or else its ``organization``. The audit log lives below the apps that own those
    models, so it asks the object rather than importing them.
    """

    @property
    def audit_scope(self) -> tuple[int | None, int | None]:
        """``(organization id, program id)``."""
        ...


def _scope_of(target: models.Model) -> tuple[int | None, int | None]:
    """Find the organization and program an object belongs to, where it has them."""
    if isinstance(target, AuditScoped):
        return target.audit_scope
    for owner_field in ("program", "organization"):
        owner = getattr(target, owner_field, None)
        if isinstance(owner, AuditScoped):
            return owner.audit_scope
    return None, None


def record_audit(
    actor: AbstractBaseUser | None,
    action: str,
    target: models.Model,
    *,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    organization_id, program_id = _scope_of(target)
    return AuditEntry.objects.create(
        actor_id=actor.pk if actor is not None and actor.pk else None,
        organization_id=organization_id,
        program_id=program_id,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:200],
        changes=changes or {},
    )
