"""The coordinator's set-up checklist: questions → agreement published → training → people
invited → ready → matched → active, each done or not, with its number and the page that does
it. It reads enrolment, matches and mentoring, so it lives here (matches sits above them) and
reaches the program overview, which lives below, through the ``{% setup_checklist %}`` tag.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from tandem.enrolment.enums import FunnelStep
from tandem.enrolment.models import ProfileQuestion, TrainingModule
from tandem.enrolment.readiness import current_agreement, program_funnel
from tandem.mentoring.models import LIVE_STATUSES, OPEN_STATUSES, Mentorship, Relationship
from tandem.programs.enums import ProgramStatus
from tandem.programs.models import Program

#: The stages in which a program has started.
STARTED = (ProgramStatus.ACTIVE, ProgramStatus.CLOSING, ProgramStatus.CLOSED)


@dataclass(frozen=True)
class SetupStep:
    key: str
    label: str
    done: bool
    #: What the number says, in words ("12 questions").
    figure: str
    url: str
    #: The link's words when this is the next step to take.
    action: str


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def setup_checklist(program: Program) -> list[SetupStep]:
    """The seven set-up steps of ``program`` in order, in a fixed number of queries."""
    kwargs = {"org_slug": program.organization.slug, "program_slug": program.slug}
    questions = ProfileQuestion.objects.filter(program=program).count()
    agreement = current_agreement(program)
    modules = TrainingModule.objects.filter(program=program).count()
    funnel = program_funnel(program)
    joined = funnel.counts[FunnelStep.APPLIED]  # everyone with a place, whatever their step
    waiting = len(funnel.pending_invitations)
    ready = funnel.counts[FunnelStep.READY]
    matched = Relationship.objects.filter(program=program, status__in=OPEN_STATUSES).count()
    live = Mentorship.objects.filter(program=program, status__in=LIVE_STATUSES).count()
    started = program.status in STARTED
    return [
        SetupStep(
            "questions",
            "Profile questions",
            questions > 0,
            _plural(questions, "question"),
            reverse("enrolment:questions", kwargs=kwargs),
            "Write the profile questions",
        ),
        SetupStep(
            "agreement",
            "Agreement published",
            agreement is not None,
            f"version {agreement.version}" if agreement is not None else "not published",
            reverse("enrolment:agreement_edit", kwargs=kwargs),
            "Publish the agreement",
        ),
        SetupStep(
            "training",
            "Training",
            modules > 0,
            _plural(modules, "module"),
            reverse("enrolment:training_manage", kwargs=kwargs),
            "Set up the training",
        ),
        SetupStep(
            "invited",
            "People invited",
            joined + waiting > 0,
            _plural(joined, "person", "people")
            + " in the program"
            + (f", {_plural(waiting, 'invitation')} open" if waiting else ""),
            reverse("programs:members", kwargs=kwargs),
            "Invite people",
        ),
        SetupStep(
            "ready",
            "Ready to match",
            ready > 0,
            _plural(ready, "person", "people"),
            reverse("enrolment:funnel", kwargs=kwargs),
            "Help people get ready",
        ),
        SetupStep(
            "matched",
            "Matched",
            matched > 0,
            _plural(matched, "mentee"),
            reverse("matches:runs", kwargs=kwargs),
            "Match people",
        ),
        SetupStep(
            "active",
            "Active",
            started,
            _plural(live, "mentorship") + (" under way" if started else ""),
            program.get_absolute_url() + "#stage-heading",
            "Start the program",
        ),
    ]


def next_step(steps: list[SetupStep]) -> SetupStep | None:
    """The first step not done yet."""
    return next((step for step in steps if not step.done), None)
