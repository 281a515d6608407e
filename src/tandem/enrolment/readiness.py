"""Who is ready to be matched, and where everyone else is stuck.

A mentor or mentee is *ready to match* when they are approved, their profile is complete (every
required question for their role answered), they accepted the newest version of the program's
agreement (if the program has one), and they completed every training module required for their
role. :func:`readiness_of` answers for one person (their checklist); :func:`program_funnel`
answers for everyone in a program in a constant number of queries, whatever its size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from tandem.enrolment.answers import completeness
from tandem.enrolment.enums import FunnelStep, ImportStatus
from tandem.enrolment.models import (
    Agreement,
    AgreementAcceptance,
    ParticipantImport,
    ProfileQuestion,
    TrainingCompletion,
    TrainingModule,
)
from tandem.programs.enums import MembershipStatus, Role
from tandem.programs.models import Invitation, Membership, Program

#: The order of the funnel; each person's stage is the last step they reached in this order.
FUNNEL_ORDER: tuple[FunnelStep, ...] = tuple(FunnelStep)

#: Mentorship statuses in which a person is matched (``tandem.mentoring``'s proposed, active
#: and closing): they have left "ready to match".
MATCHED_STATUSES = ("proposed", "active", "closing")
#: Statuses that have left the funnel (a declined application, a withdrawal).
LEFT_STATUSES = frozenset({MembershipStatus.DECLINED, MembershipStatus.WITHDRAWN})

#: What each count on the funnel page means, in the coordinators' words.
FUNNEL_HELP: dict[FunnelStep, str] = {
    FunnelStep.INVITED: "Invitations sent and not withdrawn (accepted, pending or expired), and "
    "people an import e-mailed a link to. People who applied on their own, or were imported "
    "without an e-mail, were never invited, so later steps can be larger.",
    FunnelStep.APPLIED: "Mentors and mentees who applied, accepted an invitation or were "
    "imported — everyone with a place, less those declined or withdrawn.",
    FunnelStep.APPROVED: "Of those, the ones a coordinator approved.",
    FunnelStep.PROFILE: "Approved, and every required profile question for their role answered.",
    FunnelStep.AGREEMENT: "All of the above, and the newest version of the confidentiality "
    "agreement accepted (everyone, while the program has no agreement).",
    FunnelStep.TRAINED: "All of the above, and every training module required for their role "
    "completed (everyone, while no module is required of them).",
    FunnelStep.READY: "Ready to be matched: every step done, and not matched yet (people in a "
    "proposed, active or closing mentorship are counted under “matched”).",
}


def required_for_role(module: TrainingModule, role: str) -> bool:
    return role in (module.required_for or [])


@dataclass(frozen=True)
class ReadinessStep:
    """One line of a person's checklist."""

    step: FunnelStep
    done: bool
    #: What is left, in words a participant understands (question labels, module titles).
    missing: tuple[str, ...] = ()
    #: Whether the person themselves can do it (approval is a coordinator's decision).
    theirs: bool = True
    #: False when there is nothing to do for this step (no agreement, no required module).
    applies: bool = True

    @property
    def label(self) -> str:
        return str(self.step.label)


@dataclass(frozen=True)
class Readiness:
    membership_id: int
    role: str
    steps: tuple[ReadinessStep, ...]
    #: How much of the profile is filled in (0–100) and the keys of the required questions left.
    profile_percent: int = 0
    profile_missing_keys: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return all(step.done for step in self.steps)

    def step(self, step: FunnelStep) -> ReadinessStep:
        return next(item for item in self.steps if item.step == step)

    @property
    def stage(self) -> FunnelStep:
        """The last step reached in funnel order (from "applied" on)."""
        stage = FunnelStep.APPLIED
        for item in self.steps:
            if not item.done:
                return stage
            stage = item.step
        return FunnelStep.READY

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(text for item in self.steps for text in item.missing)

    @property
    def todo(self) -> tuple[str, ...]:
        """What is left that the person can do themselves (what a reminder lists)."""
        return tuple(text for item in self.steps if item.theirs for text in item.missing)

    @property
    def done_count(self) -> int:
        return sum(1 for item in self.steps if item.done)


def evaluate(
    membership: Membership,
    *,
    questions: Iterable[ProfileQuestion],
    agreement: Agreement | None,
    accepted_current: bool,
    accepted_older: bool,
    modules: Iterable[TrainingModule],
    completed_module_ids: Collection[int],
) -> Readiness:
    """Readiness from data already loaded: no query here, so a whole program costs nothing."""
    role = membership.role
    approved = membership.status == MembershipStatus.APPROVED
    approval_missing: tuple[str, ...] = ()
    if not approved:
        approval_missing = (
            ("A place: on the waiting list",)
            if membership.status == MembershipStatus.WAITLISTED
            else ("Approval by a coordinator",)
        )
    question_list = list(questions)
    labels = {question.key: question.label for question in question_list}
    profile = completeness(question_list, membership.answers or {}, role)
    profile_missing = tuple(f"Profile: {labels[key]}" for key in profile.missing_required)
    if agreement is None or accepted_current:
        agreement_missing: tuple[str, ...] = ()
    elif accepted_older:
        agreement_missing = (
            f"Accept the updated confidentiality agreement (v{agreement.version})",
        )
    else:
        agreement_missing = ("Accept the confidentiality agreement",)
    required = [module for module in modules if required_for_role(module, role)]
    training_missing = tuple(
        f"Training: {module.title}" for module in required if module.pk not in completed_module_ids
    )
    return Readiness(
        membership_id=membership.pk,
        role=role,
        profile_percent=profile.percent,
        profile_missing_keys=profile.missing_required,
        steps=(
            ReadinessStep(FunnelStep.APPROVED, approved, approval_missing, theirs=False),
            ReadinessStep(FunnelStep.PROFILE, not profile_missing, profile_missing),
            ReadinessStep(
                FunnelStep.AGREEMENT,
                not agreement_missing,
                agreement_missing,
                applies=agreement is not None,
            ),
            ReadinessStep(
                FunnelStep.TRAINED, not training_missing, training_missing, applies=bool(required)
            ),
        ),
    )


def stored_readiness(membership: Membership) -> Readiness:
    """The checklist as last stored on the membership (no query; see
    ``tandem.enrolment.services.readiness``, which keeps it equal to :func:`readiness_of`)."""
    if not membership.readiness_steps:  # a new row the recalculation has not reached yet
        return Readiness(
            membership_id=membership.pk,
            role=membership.role,
            steps=(
                ReadinessStep(
                    FunnelStep.APPROVED,
                    False,
                    ("Not known yet: readiness is being recalculated",),
                    theirs=False,
                ),
            ),
        )
    return Readiness(
        membership_id=membership.pk,
        role=membership.role,
        profile_percent=membership.profile_percent,
        profile_missing_keys=tuple(membership.profile_missing),
        steps=tuple(
            ReadinessStep(
                FunnelStep(step),
                bool(done),
                tuple(missing),
                theirs=step != FunnelStep.APPROVED,
                applies=bool(applies),
            )
            for step, done, applies, missing in membership.readiness_steps
        ),
    )


def stored_fields(readiness: Readiness) -> dict[str, Any]:
    """The membership columns that hold ``readiness`` (the inverse of :func:`stored_readiness`)."""
    return {
        "profile_percent": readiness.profile_percent,
        "profile_missing": list(readiness.profile_missing_keys),
        "profile_complete": readiness.step(FunnelStep.PROFILE).done,
        "agreement_done": readiness.step(FunnelStep.AGREEMENT).done,
        "training_done": readiness.step(FunnelStep.TRAINED).done,
        "readiness_stage": readiness.stage.value,
        "readiness_steps": [
            [item.step.value, item.done, item.applies, list(item.missing)]
            for item in readiness.steps
        ],
    }


def current_agreement(program: Program) -> Agreement | None:
    return Agreement.objects.filter(program=program).order_by("-version").first()


def readiness_of(membership: Membership) -> Readiness:
    """One person's checklist, in five queries."""
    program_id = membership.program_id
    agreement = Agreement.objects.filter(program_id=program_id).order_by("-version").first()
    accepted_versions = set(
        AgreementAcceptance.objects.filter(
            membership=membership, agreement__program_id=program_id
        ).values_list("agreement__version", flat=True)
    )
    accepted_current = agreement is not None and agreement.version in accepted_versions
    return evaluate(
        membership,
        questions=ProfileQuestion.objects.filter(program_id=program_id),
        agreement=agreement,
        accepted_current=accepted_current,
        accepted_older=bool(accepted_versions) and not accepted_current,
        modules=TrainingModule.objects.filter(program_id=program_id).only(
            "id", "title", "required_for", "position"
        ),
        completed_module_ids=set(
            TrainingCompletion.objects.filter(membership=membership).values_list(
                "module_id", flat=True
            )
        ),
    )


def readiness_of_many(memberships: Sequence[Membership]) -> dict[int, Readiness]:
    """Each person's checklist, across any programs, in five queries however many there are
    (a person's dashboard shows one card per program they are in)."""
    if not memberships:
        return {}
    program_ids = {membership.program_id for membership in memberships}
    membership_ids = [membership.pk for membership in memberships]
    agreements: dict[int, Agreement] = {}
    for each in Agreement.objects.filter(program_id__in=program_ids).order_by("version"):
        agreements[each.program_id] = each  # the newest version wins
    accepted: Mapping[int, set[int]] = defaultdict(set)
    for membership_id, version in AgreementAcceptance.objects.filter(
        membership_id__in=membership_ids
    ).values_list("membership_id", "agreement__version"):
        accepted[membership_id].add(version)
    questions: Mapping[int, list[ProfileQuestion]] = defaultdict(list)
    for question in ProfileQuestion.objects.filter(program_id__in=program_ids):
        questions[question.program_id].append(question)
    modules: Mapping[int, list[TrainingModule]] = defaultdict(list)
    for module in TrainingModule.objects.filter(program_id__in=program_ids).only(
        "id", "program_id", "title", "required_for", "position"
    ):
        modules[module.program_id].append(module)
    completed: Mapping[int, set[int]] = defaultdict(set)
    for membership_id, module_id in TrainingCompletion.objects.filter(
        membership_id__in=membership_ids
    ).values_list("membership_id", "module_id"):
        completed[membership_id].add(module_id)
    result = {}
    for membership in memberships:
        agreement = agreements.get(membership.program_id)
        versions = accepted.get(membership.pk, set())
        accepted_current = agreement is not None and agreement.version in versions
        result[membership.pk] = evaluate(
            membership,
            questions=questions.get(membership.program_id, []),
            agreement=agreement,
            accepted_current=accepted_current,
            accepted_older=bool(versions) and not accepted_current,
            modules=modules.get(membership.program_id, []),
            completed_module_ids=completed.get(membership.pk, set()),
        )
    return result


@dataclass(frozen=True)
class PersonProgress:
    """One participant on the funnel page."""

    membership: Membership
    readiness: Readiness
    #: In a proposed, active or closing mentorship: no longer waiting to be matched.
    matched: bool = False

    @property
    def stage(self) -> FunnelStep:
        return self.readiness.stage

    @property
    def name(self) -> str:
        return self.membership.user.display_name


@dataclass(frozen=True)
class PendingInvitation:
    invitation_id: int
    email: str
    role: str
    state: str


@dataclass
class Funnel:
    counts: dict[FunnelStep, int]
    people: list[PersonProgress]
    pending_invitations: list[PendingInvitation]
    has_agreement: bool
    required_module_count: int
    #: Approved participants missing each of profile / agreement / training, whatever their stage.
    missing_counts: dict[FunnelStep, int] = field(default_factory=dict)

    def stuck_at(self, step: FunnelStep) -> list[PersonProgress]:
        """People who reached ``step`` but not the next one (for "invited": pending invitations
        are listed separately, see :attr:`pending_invitations`; for "ready": those not matched
        yet)."""
        return [
            person
            for person in self.people
            if person.stage == step and not (step == FunnelStep.READY and person.matched)
        ]

    @property
    def matched(self) -> list[PersonProgress]:
        """People in a current mentorship (whatever their checklist says now)."""
        return [person for person in self.people if person.matched]

    def missing(self, step: FunnelStep) -> list[PersonProgress]:
        """Approved people who have not done ``step`` (profile, agreement or training)."""
        return [
            person
            for person in self.people
            if person.membership.status == MembershipStatus.APPROVED
            and not person.readiness.step(step).done
        ]

    def ids_by_step(self) -> dict[str, list[int]]:
        """Membership ids stuck at each step (API)."""
        ids: dict[str, list[int]] = {step.value: [] for step in FUNNEL_ORDER}
        for person in self.people:
            if not (person.stage == FunnelStep.READY and person.matched):
                ids[person.stage.value].append(person.membership.pk)
        return ids

    def rows(self) -> list[tuple[FunnelStep, int, int, str]]:
        """(step, count, stuck there, help) in funnel order — ready for the page."""
        stuck: dict[FunnelStep, int] = defaultdict(int)
        for person in self.people:
            if not (person.stage == FunnelStep.READY and person.matched):
                stuck[person.stage] += 1
        stuck[FunnelStep.INVITED] = len(self.pending_invitations)
        return [(step, self.counts[step], stuck[step], FUNNEL_HELP[step]) for step in FUNNEL_ORDER]


def program_funnel(program: Program) -> Funnel:
    """Every participant's readiness computed live, in nine queries however many people there
    are (but in Python, for each of them: the pages read the stored state instead, see
    :func:`funnel_summary`; this stays for one-off work and as the benchmark's baseline)."""
    memberships = list(
        Membership.objects.filter(program=program, role__in=[Role.MENTOR, Role.MENTEE])
        .exclude(status__in=LEFT_STATUSES)
        .select_related("user")
        .only(
            "id",
            "role",
            "status",
            "answers",
            "program_id",
            "user__id",
            "user__email",
            "user__full_name",
            "user__is_active",
        )
        .order_by("user__full_name", "user__email")
    )
    questions = list(ProfileQuestion.objects.filter(program=program))
    agreement = current_agreement(program)
    acceptances: Mapping[int, set[int]] = defaultdict(set)
    if agreement is not None:
        for membership_id, version in AgreementAcceptance.objects.filter(
            agreement__program=program
        ).values_list("membership_id", "agreement__version"):
            acceptances[membership_id].add(version)
    modules = list(
        TrainingModule.objects.filter(program=program).only(
            "id", "title", "required_for", "position"
        )
    )
    completed: Mapping[int, set[int]] = defaultdict(set)
    for membership_id, module_id in TrainingCompletion.objects.filter(
        module__program=program
    ).values_list("membership_id", "module_id"):
        completed[membership_id].add(module_id)
    invitations = list(
        Invitation.objects.filter(program=program, revoked_at__isnull=True).only(
            "id", "email", "role", "accepted_at", "revoked_at", "expires_at"
        )
    )
    emailed_by_imports = sum(
        int((report or {}).get("emailed") or 0)
        for report in ParticipantImport.objects.filter(
            program=program, status=ImportStatus.IMPORTED
        ).values_list("report", flat=True)
    )
    # Matching is a later stage (its app sits above this one): the mentorship places are read
    # by their relation's name, and their statuses as plain strings.
    matched_ids = set(
        Membership.objects.filter(
            program=program, mentorship_places__mentorship__status__in=MATCHED_STATUSES
        ).values_list("id", flat=True)
    )

    people: list[PersonProgress] = []
    for membership in memberships:
        versions = acceptances.get(membership.pk, set())
        accepted_current = agreement is not None and agreement.version in versions
        readiness = evaluate(
            membership,
            questions=questions,
            agreement=agreement,
            accepted_current=accepted_current,
            accepted_older=bool(versions) and not accepted_current,
            modules=modules,
            completed_module_ids=completed.get(membership.pk, set()),
        )
        people.append(
            PersonProgress(
                membership=membership,
                readiness=readiness,
                matched=membership.pk in matched_ids,
            )
        )

    position = {step: index for index, step in enumerate(FUNNEL_ORDER)}
    counts: dict[FunnelStep, int] = {step: 0 for step in FUNNEL_ORDER}
    counts[FunnelStep.INVITED] = len(invitations) + emailed_by_imports
    for person in people:
        reached = position[person.stage]
        for step in FUNNEL_ORDER[position[FunnelStep.APPLIED] : reached + 1]:
            counts[step] += 1
        if person.stage == FunnelStep.READY and person.matched:
            counts[FunnelStep.READY] -= 1
    missing_counts = {
        step: sum(
            1
            for person in people
            if person.membership.status == MembershipStatus.APPROVED
            and not person.readiness.step(step).done
        )
        for step in (FunnelStep.PROFILE, FunnelStep.AGREEMENT, FunnelStep.TRAINED)
    }
    return Funnel(
        counts=counts,
        people=people,
        pending_invitations=[
            PendingInvitation(
                invitation_id=invitation.pk,
                email=invitation.email,
                role=invitation.role,
                state=invitation.state,
            )
            for invitation in invitations
            if invitation.accepted_at is None
        ],
        has_agreement=agreement is not None,
        required_module_count=sum(1 for module in modules if module.required_for),
        missing_counts=missing_counts,
    )


# --- the stored state, read by the pages ------------------------------------------------------


def funnel_members(program: Program) -> QuerySet[Membership]:
    """Everyone in the funnel: mentors and mentees who have not left."""
    return Membership.objects.filter(program=program, role__in=[Role.MENTOR, Role.MENTEE]).exclude(
        status__in=LEFT_STATUSES
    )


@dataclass
class FunnelSummary:
    """The funnel's figures from the stored readiness, counted by the database."""

    counts: dict[FunnelStep, int]
    #: People whose last step reached is each step (for "invited": the pending invitations).
    stuck: dict[FunnelStep, int]
    pending_invitations: list[PendingInvitation]
    has_agreement: bool
    required_module_count: int
    missing_counts: dict[FunnelStep, int]

    def rows(self) -> list[tuple[FunnelStep, int, int, str]]:
        """(step, count, stuck there, help) in funnel order — ready for the page."""
        return [
            (step, self.counts[step], self.stuck[step], FUNNEL_HELP[step]) for step in FUNNEL_ORDER
        ]


def funnel_summary(program: Program) -> FunnelSummary:
    """Counts per step in five queries, whatever the program's size."""
    members = funnel_members(program)
    by_stage: dict[str, int] = dict(
        members.order_by().values_list("readiness_stage").annotate(n=Count("id"))
    )
    invitations = list(
        Invitation.objects.filter(program=program, revoked_at__isnull=True).only(
            "id", "email", "role", "accepted_at", "revoked_at", "expires_at"
        )
    )
    pending = [
        PendingInvitation(
            invitation_id=invitation.pk,
            email=invitation.email,
            role=invitation.role,
            state=invitation.state,
        )
        for invitation in invitations
        if invitation.accepted_at is None
    ]
    stuck = {step: by_stage.get(step.value, 0) for step in FUNNEL_ORDER}
    # A row not computed yet has at least applied.
    stuck[FunnelStep.APPLIED] += by_stage.get("", 0)
    stuck[FunnelStep.INVITED] = len(pending)
    counts = {FunnelStep.INVITED: len(invitations)}
    reached = 0
    for step in reversed(FUNNEL_ORDER[1:]):
        reached += stuck[step]
        counts[step] = reached
    gaps = members.filter(status=MembershipStatus.APPROVED).aggregate(
        profile=Count("id", filter=Q(profile_complete=False)),
        agreement=Count("id", filter=Q(agreement_done=False)),
        trained=Count("id", filter=Q(training_done=False)),
    )
    required_modules = sum(
        1
        for required_for in TrainingModule.objects.filter(program=program).values_list(
            "required_for", flat=True
        )
        if required_for
    )
    return FunnelSummary(
        counts={step: counts[step] for step in FUNNEL_ORDER},
        stuck=stuck,
        pending_invitations=pending,
        has_agreement=Agreement.objects.filter(program=program).exists(),
        required_module_count=required_modules,
        missing_counts={
            FunnelStep.PROFILE: gaps["profile"],
            FunnelStep.AGREEMENT: gaps["agreement"],
            FunnelStep.TRAINED: gaps["trained"],
        },
    )


def funnel_people(
    program: Program, *, stuck_at: FunnelStep | None = None, missing: FunnelStep | None = None
) -> QuerySet[Membership]:
    """The people of the funnel by name — all, those stuck at a step, or the approved ones who
    have not done ``missing`` (profile, agreement or training) — with their stored readiness."""
    people = funnel_members(program)
    if stuck_at is not None:
        people = people.filter(readiness_stage=stuck_at.value)
    if missing is not None:
        column = {
            FunnelStep.PROFILE: "profile_complete",
            FunnelStep.AGREEMENT: "agreement_done",
            FunnelStep.TRAINED: "training_done",
        }[missing]
        people = people.filter(status=MembershipStatus.APPROVED, **{column: False})
    return (
        people.select_related("user")
        .only(
            "id",
            "role",
            "status",
            "program_id",
            "profile_percent",
            "profile_missing",
            "readiness_steps",
            "user__id",
            "user__email",
            "user__full_name",
            "user__is_active",
        )
        .order_by("user__full_name", "user__email", "id")
    )


def progress_of(memberships: Iterable[Membership]) -> list[PersonProgress]:
    return [
        PersonProgress(membership=membership, readiness=stored_readiness(membership))
        for membership in memberships
    ]


def readiness_as_dict(readiness: Readiness) -> dict[str, Any]:
    """The API's shape of a readiness."""
    return {
        "ready": readiness.ready,
        "stage": readiness.stage.value,
        "steps": [
            {
                "step": item.step.value,
                "label": item.label,
                "done": item.done,
                "applies": item.applies,
                "missing": list(item.missing),
            }
            for item in readiness.steps
        ],
        "todo": list(readiness.todo),
    }
