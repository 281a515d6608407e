from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import ninja
from ninja import Field
from pydantic import ValidationInfo, field_validator

from tandem.core.text import find_nul
from tandem.programs.enums import (
    MatchingMode,
    MeetingCadence,
    MembershipStatus,
    ProgramStatus,
    ProgramType,
    Role,
)


class Schema(ninja.Schema):
    """Every schema of the API: no text anywhere in it (nested lists and dicts, keys included)
    may hold a NUL character, which PostgreSQL cannot store. The error names the field."""

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_nul(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str | list | dict | tuple):
            found = find_nul(value, str(info.field_name or ""))
            if found is not None:
                raise ValueError(f"{found} contains a NUL character (\\0); remove it.")
        return value


class ErrorOut(Schema):
    detail: str
    field: str | None = None


class UserOut(Schema):
    id: int
    email: str
    full_name: str
    pronouns: str
    time_zone: str


class OrganizationOut(Schema):
    slug: str
    name: str
    description: str
    is_admin: bool


class ObjectiveIn(Schema):
    statement: str = Field(min_length=1, max_length=300)
    metric: str = Field(min_length=1, max_length=200)
    # As the columns: 12 digits, 2 after the point (a longer value used to be stored and then
    # made every page showing the objective fail).
    baseline_value: Decimal | None = Field(None, max_digits=12, decimal_places=2)
    target_value: Decimal = Field(max_digits=12, decimal_places=2)
    unit: str = Field("", max_length=30)
    deadline: dt.date


class ObjectiveOut(ObjectiveIn):
    id: int


class ProgramIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    program_type: ProgramType = ProgramType.ONE_TO_ONE
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    meeting_cadence: MeetingCadence = MeetingCadence.BIWEEKLY
    matching_mode: MatchingMode = MatchingMode.ADMIN
    max_choices: int = Field(3, ge=1, le=10)


class ProgramPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = None
    program_type: ProgramType | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    meeting_cadence: MeetingCadence | None = None
    matching_mode: MatchingMode | None = None
    max_choices: int | None = Field(None, ge=1, le=10)
    #: Days each side has to confirm a new match; 0 starts matches at once.
    match_confirmation_days: int | None = Field(None, ge=0, le=30)
    #: Matches may be published while enrolment is open (otherwise from the matching stage).
    early_publishing: bool | None = None


class ProgramOut(Schema):
    slug: str
    organization: str
    name: str
    description: str
    program_type: ProgramType
    status: ProgramStatus
    starts_on: dt.date
    ends_on: dt.date
    meeting_cadence: MeetingCadence
    matching_mode: MatchingMode
    max_choices: int
    match_confirmation_days: int
    early_publishing: bool
    my_role: Role | None
    objectives: list[ObjectiveOut]


class StatusIn(Schema):
    status: ProgramStatus


class MembershipOut(Schema):
    id: int
    user: UserOut
    role: Role
    status: MembershipStatus
    joined_at: dt.datetime


class MembershipPatch(Schema):
    role: Role | None = None
    status: MembershipStatus | None = None


class InvitationIn(Schema):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    role: Role
    message: str = Field("", max_length=2000)


class InvitationOut(Schema):
    id: int
    email: str
    role: Role
    state: str
    expires_at: dt.datetime


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read: bool
