"""Writing the development plan: saving a version (refused when the form is stale), the
mentor's review with comments per section, and comments.

Nothing is overwritten silently: every save names the version its form was opened at, and a
save against a newer version raises :class:`StalePlan` carrying what the other person
changed, so the form can come back with both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone

from tandem.core.errors import ServiceError
from tandem.core.services import record_audit
from tandem.growth.models import DevelopmentPlan, PlanComment, PlanVersion
from tandem.growth.queries import plans as queries
from tandem.growth.rules import reflection as rules
from tandem.mentoring.models import Mentorship
from tandem.notifications.enums import NotificationKind
from tandem.notifications.services import notify
from tandem.programs.models import Membership

#: The longest one section of the plan may be.
SECTION_MAX = 20_000
#: The longest comment.
COMMENT_MAX = 5_000


class StalePlan(ServiceError):
    """The plan was saved by someone else since the form was opened."""

    def __init__(self, plan: DevelopmentPlan, opened_at: int) -> None:
        who = plan.updated_by.user.display_name if plan.updated_by else "Someone"
        super().__init__(
            f"{who} saved the plan while you were editing it (version {plan.version}; you "
            f"opened version {opened_at}). Their changes are shown below and your text is "
            "still in the form: merge the two and save again.",
            field="version",
        )
        self.plan = plan
        self.opened_at = opened_at
        self.changes = queries.changes_since(plan, opened_at)


def clean_text(text: str, *, field: str, limit: int = SECTION_MAX) -> str:
    if "\x00" in text:
        raise ServiceError("The text contains a NUL character; remove it.", field=field)
    text = text.replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise ServiceError(
            f"Keep this under {limit:,} characters (it has {len(text):,}).", field=field
        )
    return text


def _locked_mentorship(mentorship_id: int) -> Mentorship:
    return (
        Mentorship.objects.select_for_update()
        .select_related("program__organization")
        .prefetch_related("members")
        .get(pk=mentorship_id)
    )


def save_plan(
    mentorship: Mentorship,
    *,
    by: Membership,
    owner: Membership,
    sections: Mapping[str, str],
    opened_at: int,
    goal_ids: Iterable[int] | None = None,
) -> DevelopmentPlan:
    """Save the mentee ``owner``'s plan as a new version. ``opened_at`` is the version the
    form showed; if the plan has moved on since, :class:`StalePlan` is raised and nothing is
    written. ``goal_ids`` (the mentee only; ``None`` keeps them) replaces the linked goals."""
    cleaned = {
        field: clean_text(str(sections.get(field, "")), field=field)
        for field in queries.SECTION_FIELDS
    }
    with transaction.atomic():
        mentorship = _locked_mentorship(mentorship.pk)
        if not rules.is_mentee_in(mentorship, owner):
            raise ServiceError("A development plan belongs to a mentee of the mentorship.")
        if not rules.can_read_plan(mentorship, owner.pk, by):
            raise ServiceError("Only the mentee and their mentor edit this plan.")
        if not mentorship.is_live:
            raise ServiceError(
                f"This mentorship is {mentorship.get_status_display().lower()}: the plan is "
                "read-only."
            )
        plan, _created = DevelopmentPlan.objects.select_for_update().get_or_create(
            mentorship=mentorship, owner=owner
        )
        if plan.version != opened_at:
            plan = DevelopmentPlan.objects.select_related("updated_by__user").get(pk=plan.pk)
            raise StalePlan(plan, opened_at)
        goals_changed = False
        if goal_ids is not None:
            wanted = set(goal_ids)
            current = set(plan.goals.values_list("pk", flat=True))
            if wanted != current:
                if not rules.can_link_plan_goals(plan, by):
                    raise ServiceError("Only the mentee chooses the plan's goals.", field="goals")
                allowed = list(queries.goal_choices(mentorship, owner).filter(pk__in=wanted))
                if len(allowed) != len(wanted):
                    raise ServiceError(
                        "Choose among your own goals in this mentorship.", field="goals"
                    )
                plan.goals.set(allowed)
                goals_changed = True
        changed = [f for f in queries.SECTION_FIELDS if getattr(plan, f) != cleaned[f]]
        if not changed and not goals_changed and plan.version > 0:
            return plan
        for field in changed:
            setattr(plan, field, cleaned[field])
        plan.version += 1
        plan.updated_by = by
        plan.save()
        PlanVersion.objects.create(plan=plan, number=plan.version, sections=cleaned, author=by)
        record_audit(
            by.user,
            "plan.saved",
            plan,
            changes={"version": plan.version, "sections": changed, "goals": goals_changed},
        )
    return plan


def review_plan(
    plan: DevelopmentPlan,
    *,
    by: Membership,
    comments: Mapping[str, str] | None = None,
    opened_at: int | None = None,
) -> DevelopmentPlan:
    """The mentor marks the current version reviewed, with optional comments per section
    (key ``""`` for the plan as a whole). ``opened_at`` refuses a review of a version the
    mentor did not see."""
    cleaned = {
        section: clean_text(text, field=f"comment_{section or 'general'}", limit=COMMENT_MAX)
        for section, text in (comments or {}).items()
    }
    for section in cleaned:
        if section and section not in queries.SECTION_LABELS:
            raise ServiceError(f"The plan has no section “{section}”.", field="section")
    with transaction.atomic():
        mentorship = _locked_mentorship(plan.mentorship_id)
        plan = DevelopmentPlan.objects.select_for_update().get(pk=plan.pk)
        if not rules.can_review_plan(mentorship, plan.owner_id, by):
            raise ServiceError("Only the mentee's mentor reviews the plan.")
        if plan.version == 0:
            raise ServiceError("There is nothing to review yet: the plan has not been saved.")
        if opened_at is not None and opened_at != plan.version:
            plan = DevelopmentPlan.objects.select_related("updated_by__user").get(pk=plan.pk)
            raise StalePlan(plan, opened_at)
        plan.reviewed_version = plan.version
        plan.reviewed_at = timezone.now()
        plan.reviewed_by = by
        plan.save(update_fields=["reviewed_version", "reviewed_at", "reviewed_by", "updated_at"])
        PlanComment.objects.bulk_create(
            PlanComment(plan=plan, version=plan.version, section=section, author=by, text=text)
            for section, text in cleaned.items()
            if text
        )
        record_audit(
            by.user,
            "plan.reviewed",
            plan,
            changes={"version": plan.version, "comments": sum(1 for t in cleaned.values() if t)},
        )
        owner = Membership.objects.select_related("user").get(pk=plan.owner_id)
        notify(
            owner.user,
            kind=NotificationKind.PLAN_REVIEWED,
            context={"mentor": by.user.display_name, "version": plan.version},
            program=mentorship.program,
            url=mentorship.get_absolute_url() + "plan/",
        )
    return plan


def comment_on_plan(
    plan: DevelopmentPlan, *, by: Membership, text: str, section: str = ""
) -> PlanComment:
    """Either reader of the plan comments on its current version (or on one section)."""
    text = clean_text(text, field="text", limit=COMMENT_MAX)
    if not text:
        raise ServiceError("Write a comment before adding it.", field="text")
    if section and section not in queries.SECTION_LABELS:
        raise ServiceError(f"The plan has no section “{section}”.", field="section")
    with transaction.atomic():
        mentorship = _locked_mentorship(plan.mentorship_id)
        if not rules.can_edit_plan(mentorship, plan.owner_id, by):
            raise ServiceError("Only the mentee and their mentor comment on this plan.")
        comment = PlanComment.objects.create(
            plan=plan, version=plan.version, section=section, author=by, text=text
        )
        record_audit(by.user, "plan.commented", plan, changes={"section": section})
    return comment
