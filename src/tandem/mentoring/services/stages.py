"""What a program's stage change does to the people in it, worked out before it happens.

:func:`plan_stage_change` answers, for a program and the stage a coordinator asks for, whether
the change is refused (and why, in words a coordinator can act on), and what it will do, in
numbers: the mentorships it completes, the people it notifies, the people it hides the program
from. The stage form shows that plan on a confirmation page before anything changes;
:func:`tandem.mentoring.services.mentorships.change_program_status` refuses what the plan
refuses, whoever calls it (the web page, the API).

It lives in ``mentoring``, the lowest layer that knows both programs and mentorships.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from tandem.accounts.models import User
from tandem.mentoring.enums import RelationshipStatus
from tandem.mentoring.models import LIVE_STATUSES, OPEN_STATUSES, Mentorship, Relationship
from tandem.programs.enums import PROGRAM_TRANSITIONS, ProgramStatus, Role
from tandem.programs.models import Program
from tandem.programs.services import ANNOUNCED_STATUSES


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def start_moment(program: Program, now: dt.datetime) -> dt.datetime:
    """When a relationship created at ``now`` starts: never before the program does (a pair
    published early is "together since" the program's first day)."""
    first_day = dt.datetime.combine(program.starts_on, dt.time.min)
    program_start = timezone.make_aware(first_day, timezone.get_current_timezone())
    return max(now, program_start)


@dataclass
class StageChange:
    """A stage change as the coordinator will confirm it."""

    program: Program
    current: ProgramStatus
    to: ProgramStatus
    #: Why the change cannot happen; empty when it can.
    refused: str = ""
    #: What it does, one sentence each; a change with any needs the coordinator's confirmation.
    consequences: list[str] = field(default_factory=list)
    completes: int = 0
    notifies: int = 0
    hides_from: int = 0

    @property
    def label(self) -> str:
        return PROGRAM_TRANSITIONS[self.current].get(self.to, self.to.label)

    @property
    def needs_confirmation(self) -> bool:
        return not self.refused and bool(self.consequences)

    @property
    def is_early(self) -> bool:
        return self.to in (ProgramStatus.CLOSING, ProgramStatus.CLOSED) and (
            timezone.localdate() < self.program.ends_on
        )


def _early_close(program: Program, to: ProgramStatus) -> str:
    days = (program.ends_on - timezone.localdate()).days
    what = (
        "closing it now ends it early"
        if to == ProgramStatus.CLOSED
        else "you are beginning its closure early"
    )
    return (
        f"{program.name} is planned to end on {program.ends_on:%-d %B %Y}, in "
        f"{_plural(days, 'day')}: {what}."
    )


def plan_stage_change(program: Program, *, to: ProgramStatus, by: User) -> StageChange:
    """Whether ``program`` may move to ``to`` now, and what that does, in numbers."""
    current = ProgramStatus(program.status)
    to = ProgramStatus(to)
    plan = StageChange(program=program, current=current, to=to)
    if to not in PROGRAM_TRANSITIONS[current]:
        allowed = ", ".join(status.label for status in PROGRAM_TRANSITIONS[current]) or "none"
        plan.refused = (
            f"A {current.label.lower()} program cannot become {to.label.lower()} "
            f"(possible next stages: {allowed})."
        )
        return plan
    members = program.memberships.approved()
    open_mentorships = Mentorship.objects.filter(program=program, status__in=OPEN_STATUSES)
    if to == ProgramStatus.DRAFT:
        under_way = open_mentorships.count()
        if under_way:
            plan.refused = (
                f"{program.name} cannot go back to draft: "
                f"{_plural(under_way, 'mentorship is', 'mentorships are')} under way, and a "
                "draft is hidden from everyone but its coordinators. End those mentorships "
                "first, or keep enrolment open."
            )
            return plan
        plan.hides_from = members.exclude(role=Role.COORDINATOR).count()
        if plan.hides_from:
            plan.consequences.append(
                f"The {_plural(plan.hides_from, 'mentor or mentee', 'mentors and mentees')} "
                "in it will no longer see the program until you open enrolment again; "
                "their places, profiles and answers are kept."
            )
    if current == ProgramStatus.MATCHING and to == ProgramStatus.ENROLLING:
        under_way = open_mentorships.count()
        if under_way:
            plan.consequences.append(
                f"The {_plural(under_way, 'mentorship')} already started carry on; new "
                "people can apply again until you close enrolment."
            )
    if to == ProgramStatus.ACTIVE and current == ProgramStatus.MATCHING:
        matched = Relationship.objects.filter(program=program, status__in=OPEN_STATUSES).values(
            "mentee_id"
        )
        waiting = members.filter(role=Role.MENTEE).exclude(pk__in=matched).count()
        if waiting:
            plan.consequences.append(
                f"{_plural(waiting, 'mentee has', 'mentees have')} no mentor yet; you can "
                "still match them once the program is active."
            )
    if plan.is_early:
        plan.consequences.append(_early_close(program, to))
    if to == ProgramStatus.CLOSED:
        plan.completes = Mentorship.objects.filter(
            program=program, status__in=LIVE_STATUSES
        ).count()
        unconfirmed = Mentorship.objects.filter(
            program=program, status=RelationshipStatus.PROPOSED
        ).count()
        if unconfirmed:
            plan.consequences.append(
                f"{_plural(unconfirmed, 'match', 'matches')} still waiting for confirmation "
                f"{'ends' if unconfirmed == 1 else 'end'} without starting."
            )
    if to in ANNOUNCED_STATUSES:
        plan.notifies = members.exclude(user=by).count()
    if plan.completes or plan.notifies:
        parts = []
        if plan.completes:
            parts.append(f"completes {_plural(plan.completes, 'mentorship')}")
        if plan.notifies:
            parts.append(f"notifies {_plural(plan.notifies, 'person', 'people')}")
        plan.consequences.insert(0, "This " + " and ".join(parts) + ".")
    return plan
