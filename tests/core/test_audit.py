from __future__ import annotations

import pytest

from tandem.core.models import AuditEntry
from tandem.core.services import record_audit
from tandem.programs import services
from tandem.programs.enums import ProgramStatus
from tandem.programs.models import Program
from tests.conftest import World
from tests.factories import ObjectiveFactory

pytestmark = pytest.mark.django_db


def test_record_audit_scopes_entries_to_program_and_organization(world: World) -> None:
    objective = ObjectiveFactory(program=world.program)
    entry = record_audit(world.coordinator, "objective.touched", objective, changes={"a": 1})
    assert (entry.program, entry.organization, entry.actor) == (
        world.program,
        world.organization,
        world.coordinator,
    )
    assert (entry.target_type, entry.target_id) == ("programs.objective", str(objective.pk))


def test_every_program_service_writes_an_audit_entry(world: World) -> None:
    by = world.coordinator
    services.update_program(world.program, by=by, description="New")
    objective = services.add_objective(
        world.program,
        by=by,
        statement="s",
        metric="m",
        target_value=1,
        deadline=world.program.ends_on,
    )
    services.update_objective(objective, by=by, statement="t")
    services.remove_objective(objective, by=by)
    invitation = services.invite_person(world.program, email="a@b.org", role="mentor", by=by)
    services.resend_invitation(invitation, by=by)
    services.revoke_invitation(invitation, by=by)
    Program.objects.filter(pk=world.program.pk).update(status=ProgramStatus.DRAFT)
    services.change_program_status(world.program, to=ProgramStatus.ENROLLING, by=by)
    actions = list(
        AuditEntry.objects.filter(program=world.program)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "program.updated",
        "objective.added",
        "objective.updated",
        "objective.removed",
        "invitation.created",
        "invitation.resent",
        "invitation.revoked",
        "program.status_changed",
    ]
    assert set(AuditEntry.objects.values_list("actor", flat=True)) == {by.pk}
