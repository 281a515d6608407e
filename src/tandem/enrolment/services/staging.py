"""Writing a checked import without holding the database's write lock for long.

SQLite has one writer at a time: a 200,000-row import written in one transaction kept every
web write and log-in waiting (and failing "database is locked" past the busy timeout). So an
import is written in three steps:

1. :func:`stage_plan` copies the plan into :class:`StagedImportRow`, a few thousand rows per
   short transaction (other writers get the lock between them); nothing in the app reads the
   staging table, so nothing is visible yet;
2. :func:`switch_live` turns the staged rows into accounts, e-mail addresses and memberships
   with a handful of ``INSERT … SELECT`` / ``UPDATE`` statements inside the caller's
   transaction: one short step, all-or-nothing (a failure rolls all of it back);
3. :func:`discard_staged` deletes the staged rows, in short transactions too.

The statements are built from the models' fields (every column not given is written with the
field's default), so a field added to ``User``, ``EmailAddress`` or ``Membership`` needs no
change here as long as it has a default or allows NULL.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection, models, transaction

from tandem.core.errors import ServiceError
from tandem.enrolment.enums import StagedRowKind
from tandem.enrolment.models import ParticipantImport, StagedImportRow
from tandem.programs.enums import MembershipStatus

if TYPE_CHECKING:
    from tandem.enrolment.services.imports import Plan
    from tandem.programs.models import Program

#: Rows staged (or deleted) per transaction: each one holds the write lock for milliseconds.
STAGE_BATCH = 2000

CHANGED_WHILE_IMPORTING = (
    "Someone changed some of these people's profiles while this import ran: nothing was "
    "imported. Check the file again, then import."
)


def stage_plan(participant_import: ParticipantImport, plan: Plan) -> str:
    """Copy the plan into the staging table in short transactions; returns the attempt."""
    attempt = secrets.token_hex(16)

    def staged(kind: StagedRowKind, **values: Any) -> StagedImportRow:
        return StagedImportRow(
            participant_import=participant_import, attempt=attempt, kind=kind, **values
        )

    rows: list[StagedImportRow] = []
    rows += [
        staged(
            StagedRowKind.NEW_USER,
            email=person.email,
            full_name=person.full_name or "",
            pronouns=person.pronouns or "",
            role=person.role,
            answers=person.answers,
        )
        for person in plan.new_users
    ]
    rows += [
        staged(
            StagedRowKind.NEW_MEMBERSHIP, user_pk=user.pk, role=person.role, answers=person.answers
        )
        for person, user in plan.new_memberships
    ]
    rows += [
        staged(
            StagedRowKind.CHANGED_MEMBERSHIP,
            membership_pk=membership.pk,
            answers=membership.answers,
            seen_updated_at=membership.updated_at,
        )
        for membership in plan.changed_memberships
    ]
    rows += [
        staged(
            StagedRowKind.CHANGED_USER,
            user_pk=user.pk,
            full_name=user.full_name,
            pronouns=user.pronouns,
        )
        for user in plan.changed_users
    ]
    for start in range(0, len(rows), STAGE_BATCH):
        with transaction.atomic():
            StagedImportRow.objects.bulk_create(rows[start : start + STAGE_BATCH])
    return attempt


def discard_staged(attempt: str) -> None:
    """Delete an attempt's staged rows, a batch per short transaction."""
    staged = StagedImportRow.objects.filter(attempt=attempt)
    while True:
        with transaction.atomic():
            batch = list(staged.values_list("pk", flat=True)[:STAGE_BATCH])
            if not batch:
                return
            StagedImportRow.objects.filter(pk__in=batch).delete()


def discard_abandoned_staging(older_than: dt.datetime) -> int:
    """Delete staged rows an attempt left behind when its worker died (periodic sweep)."""
    attempts = set(
        StagedImportRow.objects.filter(created_at__lt=older_than).values_list("attempt", flat=True)
    )
    for attempt in attempts:
        discard_staged(attempt)
    return len(attempts)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _value(model: type[models.Model], field_name: str, value: Any) -> tuple[str, list[Any]]:
    """A placeholder and its parameter, prepared for the database as the field prepares it."""
    field = model._meta.get_field(field_name)
    assert isinstance(field, models.Field)
    return "%s", [field.get_db_prep_save(value, connection)]


def _insert_select(
    model: type[models.Model],
    given: dict[str, tuple[str, list[Any]]],
    source: str,
    source_params: list[Any],
    now: dt.datetime,
) -> int:
    """``INSERT INTO <model> (every column) SELECT <given expression or default> FROM source``."""
    columns: list[str] = []
    expressions: list[str] = []
    params: list[Any] = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column is None:
            continue
        columns.append(_q(field.column))
        if field.column in given:
            expression, expression_params = given[field.column]
            expressions.append(expression)
            params += expression_params
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value: Any = now
        elif field.has_default():
            value = field.get_default()
        elif field.null:
            value = None
        else:
            raise ValueError(f"{model.__name__}.{field.name} has no default: give its value.")
        expressions.append("%s")
        params.append(field.get_db_prep_save(value, connection))
    sql = (
        f"INSERT INTO {_q(model._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608 -- names quoted from the models, values passed as parameters
        f"SELECT {', '.join(expressions)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + source_params)
        return int(cursor.rowcount)


def switch_live(attempt: str, program: Program, plan: Plan, now: dt.datetime) -> list[int]:
    """Turn the attempt's staged rows into accounts, e-mail addresses and memberships, and
    apply its changes; returns the ids of the accounts created. Call it inside a transaction:
    a :class:`ServiceError` (someone changed a profile since the check) or an
    ``IntegrityError`` (someone added one of these people) leaves nothing written."""
    from allauth.account.models import EmailAddress

    from tandem.accounts.models import User
    from tandem.programs.models import Membership

    staged_table = _q(StagedImportRow._meta.db_table)
    user_table = _q(User._meta.db_table)
    membership_table = _q(Membership._meta.db_table)

    def of_kind(kind: StagedRowKind, *, join_user: bool = False) -> tuple[str, list[Any]]:
        join = f" JOIN {user_table} u ON u.{_q('email')} = s.{_q('email')}" if join_user else ""
        where = f" WHERE s.{_q('attempt')} = %s AND s.{_q('kind')} = %s"
        return f"{staged_table} s{join}{where}", [attempt, kind.value]

    def column(name: str) -> tuple[str, list[Any]]:
        return f"s.{_q(name)}", []

    # As make_password(None) makes it, minus the random choices: one random prefix per import
    # and the staged row's id keep each value unique and unusable.
    prefix = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(16)
    source, params = of_kind(StagedRowKind.NEW_USER)
    _insert_select(
        User,
        {
            "password": (f"%s || CAST(s.{_q('id')} AS TEXT)", [prefix]),
            "email": column("email"),
            "full_name": column("full_name"),
            "pronouns": column("pronouns"),
            "date_joined": (
                "%s",
                [User._meta.get_field("date_joined").get_db_prep_save(now, connection)],
            ),
        },
        source,
        params,
        now,
    )
    user_id: tuple[str, list[Any]] = ("u.id", [])
    source, params = of_kind(StagedRowKind.NEW_USER, join_user=True)
    true = ("%s", [True])
    _insert_select(
        EmailAddress,
        {"user_id": user_id, "email": ("u.email", []), "verified": true, "primary": true},
        source,
        params,
        now,
    )
    membership_values = {
        "program_id": ("%s", [program.pk]),
        "role": column("role"),
        "status": ("%s", [MembershipStatus.APPROVED.value]),
        "answers": column("answers"),
        "joined_at": (
            "%s",
            [Membership._meta.get_field("joined_at").get_db_prep_save(now, connection)],
        ),
    }
    _insert_select(Membership, {**membership_values, "user_id": user_id}, source, params, now)
    source, params = of_kind(StagedRowKind.NEW_MEMBERSHIP)
    _insert_select(
        Membership, {**membership_values, "user_id": column("user_pk")}, source, params, now
    )
    with connection.cursor() as cursor:
        changed = StagedRowKind.CHANGED_MEMBERSHIP.value
        cursor.execute(
            f"UPDATE {membership_table} SET {_q('answers')} = (SELECT s.{_q('answers')} FROM "  # noqa: S608 -- names quoted from the models, values passed as parameters
            f"{staged_table} s WHERE s.{_q('attempt')} = %s AND s.{_q('kind')} = %s AND "
            f"s.{_q('membership_pk')} = {membership_table}.{_q('id')}), {_q('updated_at')} = %s "
            f"WHERE {_q('id')} IN (SELECT s.{_q('membership_pk')} FROM {staged_table} s WHERE "
            f"s.{_q('attempt')} = %s AND s.{_q('kind')} = %s AND "
            f"s.{_q('seen_updated_at')} = {membership_table}.{_q('updated_at')})",
            [
                attempt,
                changed,
                _value(Membership, "updated_at", now)[1][0],
                attempt,
                changed,
            ],
        )
        if cursor.rowcount != len(plan.changed_memberships):
            raise ServiceError(CHANGED_WHILE_IMPORTING)
        # People who logged in since the check own their name: theirs is left as it is.
        changed = StagedRowKind.CHANGED_USER.value
        picked = (
            f"FROM {staged_table} s WHERE s.{_q('attempt')} = %s AND s.{_q('kind')} = %s AND "
            f"s.{_q('user_pk')} = {user_table}.{_q('id')}"
        )
        cursor.execute(
            f"UPDATE {user_table} SET {_q('full_name')} = (SELECT s.{_q('full_name')} {picked}), "  # noqa: S608 -- names quoted from the models, values passed as parameters
            f"{_q('pronouns')} = (SELECT s.{_q('pronouns')} {picked}) WHERE {_q('id')} IN "
            f"(SELECT s.{_q('user_pk')} FROM {staged_table} s WHERE s.{_q('attempt')} = %s AND "
            f"s.{_q('kind')} = %s) AND {_q('last_login')} IS NULL",
            [attempt, changed, attempt, changed, attempt, changed],
        )
        new_user_kind = StagedRowKind.NEW_USER.value
        cursor.execute(
            f"SELECT u.{_q('id')} FROM {staged_table} s JOIN {user_table} u ON "  # noqa: S608 -- names quoted from the models, values passed as parameters
            f"u.{_q('email')} = s.{_q('email')} WHERE s.{_q('attempt')} = %s AND "
            f"s.{_q('kind')} = %s ORDER BY s.{_q('id')}",
            [attempt, new_user_kind],
        )
        return [row[0] for row in cursor.fetchall()]
