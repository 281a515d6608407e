"""Every write on a mentorship's SMART goals: writing and editing them (a stale form is told
what changed), their states, milestones, progress, comments, and the celebrations of progress.

Only the mentorship's members write; only the mentee owns goals (the mentor suggests one, the
mentee accepts or declines it); both members add and tick milestones and comment. A goal never
moves to a mentorship its mentee is not in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.core.models import AuditEntry
from tandem.core.services import record_audit
from tandem.growth.enums import CelebrationKind, GoalStatus, ProgressMode
from tandem.growth.models import Celebration, Goal, GoalComment, Milestone, ProgressCheckIn, Skill
from tandem.growth.services.vocabulary import ensure_starter_skills
from tandem.mentoring.enums import MemberRole
from tandem.mentoring.models import Mentorship, MentorshipMember
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import Message, notify_many
from tandem.programs.models import Membership, Objective

STATEMENT_MAX = 300
MEASURE_MAX = 300
TARGET_MAX = 200
PROJECT_MAX = 200
TEXT_MAX = 2000
REASON_MAX = 300
MILESTONE_TITLE_MAX = 300
COMMENT_MAX = 4000
NOTE_MAX = 500

#: The goal's fields a mentee writes, with the words a stale form is told in.
FIELD_LABELS = {
    "statement": "the goal",
    "measure": "how it is measured",
    "target": "the target",
    "achievable": "why it is achievable",
    "relevant": "why it is relevant",
    "deadline": "the deadline",
    "project": "the project",
    "objective": "the program objective",
    "skills": "the skills",
    "progress_mode": "how progress is counted",
    "status": "its status",
    "shared_with_program": "sharing with the program",
}


@dataclass
class GoalInput:
    """What a goal form or the API sends."""

    statement: str
    measure: str = ""
    target: str = ""
    achievable: str = ""
    relevant: str = ""
    deadline: dt.date | None = None
    project: str = ""
    objective_id: int | None = None
    skill_ids: list[int] = field(default_factory=list)
    progress_mode: str = ProgressMode.MILESTONES
    template_id: int | None = None


class StaleGoal(ServiceError):
    """The goal was saved by someone (or another tab) since the form was opened."""

    def __init__(self, goal: Goal, changed: list[str]) -> None:
        names = ", ".join(FIELD_LABELS.get(name, name) for name in changed) or "it"
        super().__init__(
            f"This goal changed since you opened it ({names}). Nothing was overwritten: "
            "check the goal as it is now, then make your changes again.",
            field="version",
        )
        self.goal = goal
        self.changed = changed


# --- loading and who may write --------------------------------------------------------------


def _members() -> Any:
    return Prefetch("members", queryset=MentorshipMember.objects.select_related("membership__user"))


def _mentorship(mentorship_id: int) -> Mentorship:
    return (
        Mentorship.objects.select_related("program__organization")
        .prefetch_related(_members())
        .get(pk=mentorship_id)
    )


def _locked_goal(goal_id: int) -> Goal:
    """The goal, locked for the write, with its mentorship and members."""
    goal = Goal.objects.select_for_update().get(pk=goal_id)
    goal.mentorship = _mentorship(goal.mentorship_id)
    return goal


def member_of(mentorship: Mentorship, membership: Membership) -> MentorshipMember:
    for member in mentorship.members.all():
        if member.membership_id == membership.pk:
            return member
    raise ServiceError("Only the members of this mentorship can do this.")


def _writable(mentorship: Mentorship) -> None:
    if not mentorship.is_live:
        raise ServiceError(
            "This mentorship is not active any more: its goals stay as they are, but they "
            "cannot be changed."
        )


def _mentee(mentorship: Mentorship, membership: Membership) -> MentorshipMember:
    member = member_of(mentorship, membership)
    if member.role != MemberRole.MENTEE:
        raise ServiceError("Goals are the mentee's own: your mentor can suggest one.")
    return member


def _owner(goal: Goal, membership: Membership) -> None:
    member_of(goal.mentorship, membership)
    if goal.owner_id != membership.pk:
        raise ServiceError("Only the mentee whose goal it is can change it.")


def _others(mentorship: Mentorship, membership: Membership) -> list[MentorshipMember]:
    return [m for m in mentorship.members.all() if m.membership_id != membership.pk]


def goals_url(mentorship: Mentorship) -> str:
    return mentorship.get_absolute_url() + "goals/"


# --- cleaning -------------------------------------------------------------------------------


def _text(value: str, *, field_name: str, limit: int) -> str:
    if "\x00" in value:
        raise ServiceError("Remove the NUL character from this text.", field=field_name)
    value = value.replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise ServiceError(
            f"Keep this under {limit:,} characters (it has {len(value):,}).", field=field_name
        )
    return value


def _clean(mentorship: Mentorship, data: GoalInput) -> tuple[dict[str, object], list[Skill]]:
    values: dict[str, object] = {
        "statement": _text(data.statement, field_name="statement", limit=STATEMENT_MAX),
        "measure": _text(data.measure, field_name="measure", limit=MEASURE_MAX),
        "target": _text(data.target, field_name="target", limit=TARGET_MAX),
        "achievable": _text(data.achievable, field_name="achievable", limit=TEXT_MAX),
        "relevant": _text(data.relevant, field_name="relevant", limit=TEXT_MAX),
        "project": _text(data.project, field_name="project", limit=PROJECT_MAX),
        "deadline": data.deadline,
    }
    if not values["statement"]:
        raise ServiceError("Write what you want to achieve.", field="statement")
    if data.progress_mode not in ProgressMode.values:
        raise ServiceError("Choose how progress is counted.", field="progress_mode")
    values["progress_mode"] = data.progress_mode
    objective = None
    if data.objective_id is not None:
        objective = Objective.objects.filter(
            pk=data.objective_id, program_id=mentorship.program_id
        ).first()
        if objective is None:
            raise ServiceError("Choose one of the program's objectives.", field="objective")
    values["objective"] = objective
    skill_ids = set(data.skill_ids)
    skills = list(Skill.objects.filter(program_id=mentorship.program_id, pk__in=skill_ids))
    if len(skills) != len(skill_ids):
        raise ServiceError("Choose skills from the program's vocabulary.", field="skills")
    return values, skills


def _next_position(mentorship: Mentorship) -> int:
    top = Goal.objects.filter(mentorship=mentorship).aggregate(m=Max("position"))["m"]
    return 0 if top is None else top + 1


# --- writing goals --------------------------------------------------------------------------


def create_goal(
    mentorship: Mentorship, *, by: Membership, data: GoalInput, activate: bool = False
) -> Goal:
    """The mentee writes a goal: a draft, or active at once."""
    with transaction.atomic():
        mentorship = _mentorship(mentorship.pk)
        _writable(mentorship)
        _mentee(mentorship, by)
        ensure_starter_skills(mentorship.program)
        values, skills = _clean(mentorship, data)
        goal = Goal.objects.create(
            mentorship=mentorship,
            program_id=mentorship.program_id,
            owner=by,
            template_id=_template_id(mentorship, data.template_id),
            status=GoalStatus.ACTIVE if activate else GoalStatus.DRAFT,
            position=_next_position(mentorship),
            **values,
        )
        goal.skills.set(skills)
        record_audit(by.user, "goal.created", goal, changes={"status": goal.status, "version": 1})
    return goal


def _template_id(mentorship: Mentorship, template_id: int | None) -> int | None:
    from tandem.growth.models import GoalTemplate

    if template_id is None:
        return None
    if not GoalTemplate.objects.filter(pk=template_id, program_id=mentorship.program_id).exists():
        raise ServiceError("Choose one of the program's goal templates.", field="template")
    return template_id


def suggest_goal(
    mentorship: Mentorship, *, by: Membership, data: GoalInput, mentee: Membership | None = None
) -> Goal:
    """The mentor suggests a goal to a mentee of the mentorship, who accepts or declines it."""
    with transaction.atomic():
        mentorship = _mentorship(mentorship.pk)
        _writable(mentorship)
        member = member_of(mentorship, by)
        if member.role != MemberRole.MENTOR:
            raise ServiceError("Mentors suggest goals; as the mentee you write your own.")
        mentees = [m for m in mentorship.members.all() if m.role == MemberRole.MENTEE]
        if mentee is None:
            if len(mentees) != 1:
                raise ServiceError("Choose the mentee you suggest it to.", field="mentee")
            mentee = mentees[0].membership
        elif not any(m.membership_id == mentee.pk for m in mentees):
            raise ServiceError("Suggest goals to a mentee of this mentorship.", field="mentee")
        values, skills = _clean(mentorship, data)
        goal = Goal.objects.create(
            mentorship=mentorship,
            program_id=mentorship.program_id,
            owner=mentee,
            suggested_by=by,
            template_id=_template_id(mentorship, data.template_id),
            status=GoalStatus.SUGGESTED,
            position=_next_position(mentorship),
            **values,
        )
        goal.skills.set(skills)
        record_audit(by.user, "goal.suggested", goal, changes={"version": 1})
        notify_many(
            [
                Message(
                    recipient=mentee.user,
                    context={"author": by.user, "statement": goal.statement},
                    url=goals_url(mentorship) + f"#goal-{goal.pk}",
                )
            ],
            kind=NotificationKind.GOAL_SUGGESTED,
            program=mentorship.program,
        )
    return goal


def changed_since(goal: Goal, version: int) -> list[str]:
    """The fields saved on ``goal`` after ``version``, read from the audit log."""
    entries = AuditEntry.objects.filter(
        target_type=Goal._meta.label_lower, target_id=str(goal.pk)
    ).values_list("changes", flat=True)
    changed: list[str] = []
    for changes in entries:
        if isinstance(changes, dict) and int(changes.get("version", 0)) > version:
            for name in changes.get("fields", []):
                if name not in changed:
                    changed.append(name)
    return changed


def _bump(goal: Goal, version: int | None) -> None:
    if version is not None and version != goal.version:
        raise StaleGoal(goal, changed_since(goal, version))
    goal.version += 1


def update_goal(goal: Goal, *, by: Membership, data: GoalInput, version: int | None) -> Goal:
    """The mentee edits their goal. ``version`` is the one their form was opened at: if the goal
    was saved since, nothing is written and :class:`StaleGoal` names what changed."""
    with transaction.atomic():
        goal = _locked_goal(goal.pk)
        _writable(goal.mentorship)
        _owner(goal, by)
        if goal.status == GoalStatus.SUGGESTED:
            raise ServiceError("Accept the suggestion first; then it is yours to edit.")
        _bump(goal, version)
        values, skills = _clean(goal.mentorship, data)
        changed = [name for name, value in values.items() if getattr(goal, name) != value]
        if {s.pk for s in skills} != set(goal.skills.values_list("pk", flat=True)):
            changed.append("skills")
        for name, value in values.items():
            setattr(goal, name, value)
        goal.save()
        goal.skills.set(skills)
        if "progress_mode" in changed and goal.progress_mode == ProgressMode.MILESTONES:
            _refresh_progress(goal)
        record_audit(
            by.user, "goal.updated", goal, changes={"version": goal.version, "fields": changed}
        )
    return goal


def _set_status(goal: Goal, *, by: Membership, status: str, action: str, **extra: object) -> Goal:
    goal.status = status
    for name, value in extra.items():
        setattr(goal, name, value)
    goal.version += 1
    goal.save()
    record_audit(
        by.user,
        action,
        goal,
        changes={"version": goal.version, "fields": ["status"], "status": status},
    )
    return goal


def _waiting_suggestion(goal: Goal, *, by: Membership) -> Goal:
    """The suggestion, locked, that its mentee answers now (inside their transaction)."""
    goal = _locked_goal(goal.pk)
    _writable(goal.mentorship)
    _owner(goal, by)
    if goal.status != GoalStatus.SUGGESTED:
        raise ServiceError("This goal is not a suggestion waiting for you.")
    return goal


def accept_suggestion(goal: Goal, *, by: Membership) -> Goal:
    """The mentee takes their mentor's suggestion: it becomes their draft."""
    with transaction.atomic():
        goal = _waiting_suggestion(goal, by=by)
        return _set_status(goal, by=by, status=GoalStatus.DRAFT, action="goal.accepted")


def decline_suggestion(goal: Goal, *, by: Membership) -> None:
    """The mentee declines the suggestion: it is removed (the audit log keeps that it was)."""
    with transaction.atomic():
        goal = _waiting_suggestion(goal, by=by)
        record_audit(by.user, "goal.declined", goal, changes={"suggested_by": goal.suggested_by_id})
        goal.delete()


def activate_goal(goal: Goal, *, by: Membership) -> Goal:
    with transaction.atomic():
        goal = _locked_goal(goal.pk)
        _writable(goal.mentorship)
        _owner(goal, by)
        if goal.status != GoalStatus.DRAFT:
            raise ServiceError("Only a draft can be started.")
        return _set_status(goal, by=by, status=GoalStatus.ACTIVE, action="goal.activated")


def achieve_goal(goal: Goal, *, by: Membership, now: dt.datetime | None = None) -> Goal:
    """The mentee marks the goal achieved: both members are told, once a day at most."""
    now = now or timezone.now()
    with transaction.atomic():
        goal = _locked_goal(goal.pk)
        _writable(goal.mentorship)
        _owner(goal, by)
        if goal.status not in (GoalStatus.DRAFT, GoalStatus.ACTIVE):
            raise ServiceError("Only a goal you are working on can be marked achieved.")
        goal = _set_status(
            goal,
            by=by,
            status=GoalStatus.ACHIEVED,
            action="goal.achieved",
            achieved_at=now,
            dropped_reason="",
        )
        day = timezone.localdate(now)
        _celebrate(goal, kind=CelebrationKind.GOAL_ACHIEVED, key=f"goal:{goal.pk}:{day:%Y-%m-%d}")
    return goal


def drop_goal(goal: Goal, *, by: Membership, reason: str) -> Goal:
    reason = _text(reason, field_name="reason", limit=REASON_MAX)
    if not reason:
        raise ServiceError(
            "Say in a few words why you are dropping it — it helps you both later.",
            field="reason",
        )
    with transaction.atomic():
        goal = _locked_goal(goal.pk)
        _writable(goal.mentorship)
        _owner(goal, by)
        if goal.status not in (GoalStatus.DRAFT, GoalStatus.ACTIVE):
            raise ServiceError("Only a goal you are working on can be dropped.")
        return _set_status(
            goal, by=by, status=GoalStatus.DROPPED, action="goal.dropped", dropped_reason=reason
        )


def reopen_goal(goal: Goal, *, by: Membership) -> Goal:
    """An achieved or dropped goal goes back to active (achieving it again the same day is not
    celebrated twice)."""
    with transaction.atomic():
        goal = _locked_goal(goal.pk)
        _writable(goal.mentorship)
        _owner(goal, by)
        if goal.status not in (GoalStatus.ACHIEVED, GoalStatus.DROPPED):
            raise ServiceError("This goal is already open.")
        return _set_status(
            goal,
            by=by,
            status=GoalStatus.ACTIVE,
            action="goal.reopened",
            achieved_at=None,
            dropped_reason="",
        )


def share_goal(goal: Goal, *, by: Membership, shared: bool) -> Goal:
    """The mentee chooses whether the program's coordinators may read this goal's text."""
    with transaction.atomic():
        goal = _locked_goal(goal.pk)
        _owner(goal, by)
        goal.shared_with_program = shared
        goal.version += 1
        goal.save()
        record_audit(
            by.user,
            "goal.shared" if shared else "goal.unshared",
            goal,
            changes={"version": goal.version, "fields": ["shared_with_program"]},
        )
    return goal


def move_goal(goal: Goal, *, by: Membership, to: Mentorship) -> Goal:
    """The mentee carries a goal to another mentorship of theirs (after a rematch, say). A
    mentorship they are not a mentee of is refused."""
    with transaction.atomic():
        goal = _locked_goal(goal.pk)
        _owner(goal, by)
        target = (
            Mentorship.objects.filter(pk=to.pk, program_id=goal.program_id)
            .prefetch_related(_members())
            .first()
        )
        if target is None or not any(
            m.membership_id == by.pk and m.role == MemberRole.MENTEE for m in target.members.all()
        ):
            raise ServiceError(
                "You can move a goal only to another mentorship you are a mentee in.",
                field="mentorship",
            )
        _writable(target)
        source = goal.mentorship_id
        goal.mentorship = target
        goal.position = _next_position(target)
        goal.version += 1
        goal.save()
        Celebration.objects.filter(goal=goal).update(mentorship=target)
        record_audit(
            by.user,
            "goal.moved",
            goal,
            changes={"version": goal.version, "fields": ["mentorship"], "from": source},
        )
    return goal


# --- progress -------------------------------------------------------------------------------


def _refresh_progress(goal: Goal) -> None:
    """Milestones mode: progress is the share of milestones done, rounded down."""
    milestones = list(Milestone.objects.filter(goal=goal).values_list("done_at", flat=True))
    done = sum(1 for done_at in milestones if done_at is not None)
    progress = (done * 100) // len(milestones) if milestones else 0
    if goal.progress != progress:
        goal.progress = progress
        Goal.objects.filter(pk=goal.pk).update(progress=progress)


def check_in(goal: Goal, *, by: Membership, progress: int, note: str = "") -> ProgressCheckIn:
    """The mentee sets the progress of a goal counted by hand, with a short note."""
    if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ServiceError("Progress is a whole number from 0 to 100.", field="progress")
    note = _text(note, field_name="note", limit=NOTE_MAX)
    with transaction.atomic():
        goal = _locked_goal(goal.pk)
        _writable(goal.mentorship)
        _owner(goal, by)
        if goal.progress_mode != ProgressMode.MANUAL:
            raise ServiceError(
                "This goal's progress comes from its milestones; switch it to “set by hand” "
                "to check in with a number.",
                field="progress",
            )
        if goal.status not in (GoalStatus.DRAFT, GoalStatus.ACTIVE):
            raise ServiceError("Progress is checked in on a goal you are working on.")
        entry = ProgressCheckIn.objects.create(goal=goal, author=by, progress=progress, note=note)
        goal.progress = progress
        goal.save(update_fields=["progress", "updated_at"])
        record_audit(by.user, "goal.checked_in", goal, changes={"progress": progress})
    return entry


# --- milestones -----------------------------------------------------------------------------


def _milestone_owner(mentorship: Mentorship, owner: Membership | None) -> Membership | None:
    if owner is None:
        return None
    if not any(m.membership_id == owner.pk for m in mentorship.members.all()):
        raise ServiceError("A milestone's owner is one of the mentorship's members.", field="owner")
    return owner


def _milestone_title(title: str) -> str:
    title = _text(title, field_name="title", limit=MILESTONE_TITLE_MAX)
    if not title:
        raise ServiceError("Name the step.", field="title")
    return title


def _open_goal(goal: Goal) -> None:
    if goal.status in (GoalStatus.SUGGESTED,):
        raise ServiceError("Accept the suggestion before adding steps to it.")


def add_milestone(
    goal: Goal,
    *,
    by: Membership,
    title: str,
    due_on: dt.date | None = None,
    owner: Membership | None = None,
) -> Milestone:
    """Either member adds a step; the goal's progress (milestones mode) is counted again."""
    title = _milestone_title(title)
    with transaction.atomic():
        goal = _locked_goal(goal.pk)
        _writable(goal.mentorship)
        member_of(goal.mentorship, by)
        _open_goal(goal)
        owner = _milestone_owner(goal.mentorship, owner)
        top = Milestone.objects.filter(goal=goal).aggregate(m=Max("position"))["m"]
        milestone = Milestone.objects.create(
            goal=goal,
            title=title,
            due_on=due_on,
            owner=owner,
            position=0 if top is None else top + 1,
        )
        if goal.progress_mode == ProgressMode.MILESTONES:
            _refresh_progress(goal)
        record_audit(by.user, "milestone.added", goal, changes={"milestone": milestone.pk})
    return milestone


def _locked_milestone(milestone_id: int) -> tuple[Milestone, Goal]:
    milestone = Milestone.objects.select_for_update().get(pk=milestone_id)
    goal = _locked_goal(milestone.goal_id)
    milestone.goal = goal
    return milestone, goal


def update_milestone(
    milestone: Milestone,
    *,
    by: Membership,
    title: str,
    due_on: dt.date | None,
    owner: Membership | None,
) -> Milestone:
    title = _milestone_title(title)
    with transaction.atomic():
        milestone, goal = _locked_milestone(milestone.pk)
        _writable(goal.mentorship)
        member_of(goal.mentorship, by)
        milestone.title, milestone.due_on = title, due_on
        milestone.owner = _milestone_owner(goal.mentorship, owner)
        milestone.save()
        record_audit(by.user, "milestone.updated", goal, changes={"milestone": milestone.pk})
    return milestone


def set_milestone_done(
    milestone: Milestone, *, by: Membership, done: bool, now: dt.datetime | None = None
) -> Milestone:
    """Tick a step done (celebrated, once ever) or not done again."""
    now = now or timezone.now()
    with transaction.atomic():
        milestone, goal = _locked_milestone(milestone.pk)
        _writable(goal.mentorship)
        member_of(goal.mentorship, by)
        _open_goal(goal)
        if done == milestone.is_done:
            return milestone
        milestone.done_at = now if done else None
        milestone.done_by = by if done else None
        milestone.save(update_fields=["done_at", "done_by"])
        if goal.progress_mode == ProgressMode.MILESTONES:
            _refresh_progress(goal)
        record_audit(
            by.user,
            "milestone.done" if done else "milestone.undone",
            goal,
            changes={"milestone": milestone.pk, "progress": goal.progress},
        )
        if done:
            _celebrate(
                goal,
                kind=CelebrationKind.MILESTONE_DONE,
                key=f"milestone:{milestone.pk}",
                milestone=milestone,
            )
    return milestone


def remove_milestone(milestone: Milestone, *, by: Membership) -> None:
    with transaction.atomic():
        milestone, goal = _locked_milestone(milestone.pk)
        _writable(goal.mentorship)
        member_of(goal.mentorship, by)
        record_audit(by.user, "milestone.removed", goal, changes={"title": milestone.title})
        milestone.delete()
        if goal.progress_mode == ProgressMode.MILESTONES:
            _refresh_progress(goal)


# --- comments -------------------------------------------------------------------------------


def comment_on_goal(
    goal: Goal, *, by: Membership, text: str, milestone: Milestone | None = None
) -> GoalComment:
    """Either member comments on a goal, or on one of its milestones; the others are told."""
    text = _text(text, field_name="text", limit=COMMENT_MAX)
    if not text:
        raise ServiceError("Write your comment first.", field="text")
    with transaction.atomic():
        goal = _locked_goal(goal.pk)
        _writable(goal.mentorship)
        member_of(goal.mentorship, by)
        if milestone is not None and milestone.goal_id != goal.pk:
            raise ServiceError("That milestone belongs to another goal.", field="milestone")
        comment = GoalComment.objects.create(goal=goal, milestone=milestone, author=by, text=text)
        record_audit(
            by.user,
            "goal.commented",
            goal,
            changes={"comment": comment.pk, "milestone": milestone.pk if milestone else None},
        )
        _tell(
            goal,
            _others(goal.mentorship, by),
            kind=NotificationKind.GOAL_COMMENTED,
            context={
                "author": by.user,
                "statement": goal.statement,
                "milestone": milestone.title if milestone else "",
            },
        )
    return comment


# --- celebrations ---------------------------------------------------------------------------


def _tell(
    goal: Goal,
    members: Iterable[MentorshipMember],
    *,
    kind: NotificationKind,
    context: dict[str, object],
) -> None:
    notify_many(
        [
            Message(
                recipient=member.membership.user,
                context=context,
                url=goals_url(goal.mentorship) + f"#goal-{goal.pk}",
            )
            for member in members
        ],
        kind=kind,
        program=goal.mentorship.program,
    )


def _celebrate(
    goal: Goal, *, kind: CelebrationKind, key: str, milestone: Milestone | None = None
) -> Celebration | None:
    """Record the celebration under its unique key and tell both members — unless this key was
    celebrated already (a goal achieved again the same day, a milestone re-done)."""
    try:
        with transaction.atomic():
            celebration = Celebration.objects.create(
                program_id=goal.program_id,
                mentorship_id=goal.mentorship_id,
                goal=goal,
                milestone=milestone,
                kind=kind,
                key=key,
            )
    except IntegrityError:
        return None
    record_audit(None, "goal.celebrated", goal, changes={"kind": kind, "key": key})
    _tell(
        goal,
        goal.mentorship.members.all(),
        kind=(
            NotificationKind.GOAL_ACHIEVED
            if kind == CelebrationKind.GOAL_ACHIEVED
            else NotificationKind.MILESTONE_DONE
        ),
        context={
            "statement": goal.statement,
            "milestone": milestone.title if milestone else "",
            "progress": goal.progress,
        },
    )
    return celebration
