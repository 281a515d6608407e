"""Reading the development plan: the plan of a mentee, its versions, its comments, and the
readable per-section diff of what changed (since the mentor's review, or since a stale form
was opened)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tandem.growth.enums import GoalStatus
from tandem.growth.models import PLAN_SECTIONS, DevelopmentPlan, Goal, PlanComment, PlanVersion
from tandem.mentoring.models import Mentorship
from tandem.programs.models import Membership

SECTION_FIELDS = tuple(field for field, _label in PLAN_SECTIONS)
SECTION_LABELS = dict(PLAN_SECTIONS)

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]+")


def plan_of(mentorship: Mentorship, owner: Membership) -> DevelopmentPlan | None:
    return (
        DevelopmentPlan.objects.filter(mentorship=mentorship, owner=owner)
        .select_related("reviewed_by__user", "updated_by__user")
        .prefetch_related("goals")
        .first()
    )


def sections_of(plan: DevelopmentPlan | None) -> dict[str, str]:
    if plan is None:
        return dict.fromkeys(SECTION_FIELDS, "")
    return {field: getattr(plan, field) for field in SECTION_FIELDS}


def versions_of(plan: DevelopmentPlan) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(plan=plan).select_related("author__user").order_by("-number")


def version_sections(plan: DevelopmentPlan, number: int) -> dict[str, str]:
    """The text as it was at version ``number`` (all blank for 0, before the first save)."""
    if number <= 0:
        return dict.fromkeys(SECTION_FIELDS, "")
    version = PlanVersion.objects.filter(plan=plan, number=number).first()
    stored = version.sections if version else {}
    return {field: str(stored.get(field, "")) for field in SECTION_FIELDS}


def comments_of(plan: DevelopmentPlan) -> QuerySet[PlanComment]:
    return PlanComment.objects.filter(plan=plan).select_related("author__user")


def goal_choices(mentorship: Mentorship, owner: Membership) -> QuerySet[Goal]:
    """The mentee's goals in the mentorship a plan may link (not a suggestion not yet
    accepted)."""
    return Goal.objects.filter(mentorship=mentorship, owner=owner).exclude(
        status=GoalStatus.SUGGESTED
    )


@dataclass(frozen=True)
class SectionDiff:
    field: str
    label: str
    changed: bool
    #: The new text with insertions in ``<ins>`` and deletions in ``<del>``, every word
    #: escaped.
    html: SafeString


def diff_text(old: str, new: str) -> SafeString:
    """A word-level diff of two texts as HTML: unchanged words as they are, removed ones in
    ``<del>``, added ones in ``<ins>``. Every piece of text is escaped."""
    before = _TOKENS.findall(old)
    after = _TOKENS.findall(new)
    pieces: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(escape("".join(after[b1:b2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(f"<del>{escape(''.join(before[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            pieces.append(f"<ins>{escape(''.join(after[b1:b2]))}</ins>")
    return mark_safe("".join(pieces))  # noqa: S308  # every piece is escaped above


def diff_sections(old: dict[str, str], new: dict[str, str]) -> list[SectionDiff]:
    return [
        SectionDiff(
            field=field,
            label=SECTION_LABELS[field],
            changed=old.get(field, "") != new.get(field, ""),
            html=diff_text(old.get(field, ""), new.get(field, "")),
        )
        for field in SECTION_FIELDS
    ]


def changes_since_review(plan: DevelopmentPlan) -> list[SectionDiff]:
    """What changed between the version the mentor last reviewed and the current text (the
    changed sections only)."""
    if plan.version <= plan.reviewed_version:
        return []
    old = version_sections(plan, plan.reviewed_version)
    return [diff for diff in diff_sections(old, sections_of(plan)) if diff.changed]


def changes_since(plan: DevelopmentPlan, number: int) -> list[SectionDiff]:
    """What changed between version ``number`` and the current text."""
    old = version_sections(plan, number)
    return [diff for diff in diff_sections(old, sections_of(plan)) if diff.changed]


def changed_since_review(plan: DevelopmentPlan | None) -> bool:
    return plan is not None and plan.version > plan.reviewed_version
