"""Keeping each participant's stored readiness equal to the live computation.

The coordinator's busiest pages (profiles, funnel, the matching pool) read completeness and
readiness from columns on :class:`~tandem.programs.models.Membership` instead of recomputing
them for every member on every request. Every service that changes an input calls one of these
explicitly (no signals), inside its own transaction:

* :func:`refresh_readiness` — one person or a known set of people (answers saved, agreement
  accepted, a module completed, an application decided, an import: one pass per import);
* :func:`refresh_program_readiness` — everyone in a program, after a program-wide change (a
  question added, removed, made required or reordered; an agreement published; a training module
  added, changed or removed). Up to :data:`INLINE_LIMIT` participants are refreshed at once;
  a larger program is marked for recalculation and a task does it, while the pages say so.

The lower layers that cannot import this app (``tandem.programs``: adding a member, changing a
role or a status) leave the row unchecked (``readiness_checked_at`` empty, the default of a new
row); :func:`refresh_stale_readiness`, called by the pages before they read, fills those in.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tandem.enrolment.models import (
    Agreement,
    AgreementAcceptance,
    ProfileQuestion,
    TrainingCompletion,
    TrainingModule,
)
from tandem.enrolment.readiness import evaluate, stored_fields
from tandem.programs.enums import Role
from tandem.programs.models import Membership, Program

#: Rows computed and written per batch.
BATCH = 1000
#: A program-wide change refreshes up to this many participants in the request; beyond, a task.
INLINE_LIMIT = 2000
#: The columns :func:`refresh_readiness` writes.
STORED_COLUMNS = (
    "profile_percent",
    "profile_missing",
    "profile_complete",
    "agreement_done",
    "training_done",
    "readiness_stage",
    "readiness_steps",
    "readiness_checked_at",
)


def participants(program_id: int) -> QuerySet[Membership]:
    """A program's mentors and mentees, unordered (the model's ordering joins the users)."""
    return Membership.objects.filter(
        program_id=program_id, role__in=[Role.MENTOR, Role.MENTEE]
    ).order_by()


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _refresh_program_chunk(
    program_id: int, ids: Sequence[int], now: dt.datetime
) -> list[Membership]:
    questions = list(ProfileQuestion.objects.filter(program_id=program_id))
    agreement = Agreement.objects.filter(program_id=program_id).order_by("-version").first()
    modules = list(
        TrainingModule.objects.filter(program_id=program_id).only(
            "id", "title", "required_for", "position"
        )
    )
    memberships = list(
        Membership.objects.filter(pk__in=ids).only("id", "role", "status", "answers", "program_id")
    )
    versions: dict[int, set[int]] = defaultdict(set)
    for membership_id, version in AgreementAcceptance.objects.filter(
        membership_id__in=ids, agreement__program_id=program_id
    ).values_list("membership_id", "agreement__version"):
        versions[membership_id].add(version)
    completed: dict[int, set[int]] = defaultdict(set)
    for membership_id, module_id in TrainingCompletion.objects.filter(
        membership_id__in=ids, module__program_id=program_id
    ).values_list("membership_id", "module_id"):
        completed[membership_id].add(module_id)
    for membership in memberships:
        accepted = versions.get(membership.pk, set())
        accepted_current = agreement is not None and agreement.version in accepted
        readiness = evaluate(
            membership,
            questions=questions,
            agreement=agreement,
            accepted_current=accepted_current,
            accepted_older=bool(accepted) and not accepted_current,
            modules=modules,
            completed_module_ids=completed.get(membership.pk, set()),
        )
        for name, value in stored_fields(readiness).items():
            setattr(membership, name, value)
        membership.readiness_checked_at = now
    _write(memberships)
    return memberships


def _write(memberships: Sequence[Membership]) -> None:
    """One ``UPDATE … WHERE id = %s`` per row, sent with ``executemany``: the values of each row
    differ, and Django's ``bulk_update`` builds a CASE per column over the whole batch, whose
    compiling costs far more than the statements (seconds per thousand rows here)."""
    if not memberships:
        return
    meta = Membership._meta
    fields = [field for field in meta.concrete_fields if field.name in STORED_COLUMNS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    # Identifiers from the model's own metadata; every value is a parameter.
    statement = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(membership, field.attname), connection) for field in fields]
        + [membership.pk]
        for membership in memberships
    ]
    with connection.cursor() as cursor:
        cursor.executemany(statement, rows)


def refresh_readiness(memberships: Membership | Iterable[Membership | int]) -> int:
    """Recompute and store the readiness of one membership or many (instances or ids), a batch
    of :data:`BATCH` at a time, program by program. Instances passed in get the new values
    too. Returns how many rows it wrote."""
    given = [memberships] if isinstance(memberships, Membership) else list(memberships)
    instances = {item.pk: item for item in given if isinstance(item, Membership)}
    ids = sorted({item.pk if isinstance(item, Membership) else item for item in given})
    if not ids:
        return 0
    by_program: dict[int, list[int]] = defaultdict(list)
    for membership_id, program_id in Membership.objects.filter(pk__in=ids).values_list(
        "pk", "program_id"
    ):
        by_program[program_id].append(membership_id)
    now = timezone.now()
    written = 0
    with transaction.atomic():
        for program_id, program_ids in by_program.items():
            for chunk in _chunks(program_ids):
                for row in _refresh_program_chunk(program_id, chunk, now):
                    written += 1
                    if row.pk in instances:
                        for name in STORED_COLUMNS:
                            setattr(instances[row.pk], name, getattr(row, name))
    return written


def refresh_program_readiness(program: Program | int) -> bool:
    """After a program-wide change: refresh every participant now, or — past
    :data:`INLINE_LIMIT` — mark them all for recalculation and enqueue the task once the
    change commits. Returns True when the work went to the task."""
    program_id = program if isinstance(program, int) else program.pk
    everyone = participants(program_id)
    if everyone.count() <= INLINE_LIMIT:
        refresh_readiness(list(everyone.values_list("pk", flat=True)))
        return False
    everyone.update(readiness_checked_at=None)
    transaction.on_commit(lambda: _enqueue(program_id))
    return True


def refresh_members_readiness(program: Program | int, ids: Sequence[int]) -> bool:
    """After a write to many of a program's members at once (an import): one pass over the
    rows ``ids`` plus any still unchecked (the rows a bulk insert just made) — in the request up
    to :data:`INLINE_LIMIT` of them, past it marked and left to the task. Returns True when the
    work went to the task."""
    program_id = program if isinstance(program, int) else program.pk
    unchecked = participants(program_id).filter(readiness_checked_at__isnull=True)
    todo = sorted(set(ids) | set(unchecked.values_list("pk", flat=True)))
    if len(todo) <= INLINE_LIMIT:
        refresh_readiness(todo)
        return False
    for chunk in _chunks(sorted(set(ids))):
        Membership.objects.filter(pk__in=chunk).update(readiness_checked_at=None)
    transaction.on_commit(lambda: _enqueue(program_id))
    return True


def _enqueue(program_id: int) -> None:
    from tandem.enrolment.tasks import refresh_readiness_task

    refresh_readiness_task.enqueue(program_id)


def refresh_stale_readiness(program: Program | int, *, limit: int | None = None) -> bool:
    """Before a page reads: compute the participants still unchecked (new members, changed
    roles or statuses, a program-wide change). Up to ``limit`` are done at once; more are left
    to the task (enqueued here too, in case the one that marked them is lost); ``limit``
    defaults to :data:`INLINE_LIMIT`. Returns True
    while a recalculation is still under way — the pages tell the coordinator."""
    program_id = program if isinstance(program, int) else program.pk
    limit = INLINE_LIMIT if limit is None else limit
    stale = list(
        participants(program_id)
        .filter(readiness_checked_at__isnull=True)
        .values_list("pk", flat=True)[: limit + 1]
    )
    if not stale:
        return False
    if len(stale) <= limit:
        refresh_readiness(stale)
        return False
    _enqueue(program_id)
    return True


def refresh_all_stale_readiness(program_id: int) -> int:
    """The task's work: every unchecked participant of the program, batch by batch (each batch
    selects afresh, so two workers at it share rather than repeat the work)."""
    written = 0
    while True:
        stale = list(
            participants(program_id)
            .filter(readiness_checked_at__isnull=True)
            .values_list("pk", flat=True)[:BATCH]
        )
        if not stale:
            return written
        written += refresh_readiness(stale)
