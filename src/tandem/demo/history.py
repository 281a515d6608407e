"""Six weeks of mentoring history for the demo program, so a newcomer sees the guide stage
working: pairs that thrive, pairs that stalled, a group, and the demo mentor's and mentee's
own mentorship with a meeting tomorrow.

The program "started" six weeks ago. Mentees are paired with mentors by the skills they want
and offer (a greedy pass — the demo's stand-in for a published match run); then rows are
written with ``bulk_create`` and back-dated, and the activity figures are computed once with
``refresh_activity_many``. Deterministic: the same seed gives the same history.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone

from tandem.mentoring.enums import MeetingStatus, Rsvp
from tandem.mentoring.models import (
    ActionItem,
    Assignment,
    Meeting,
    MeetingAttendee,
    MeetingRating,
    MeetingRecord,
    Mentorship,
    MentorshipMember,
    Message,
)
from tandem.mentoring.services.activity import refresh_activity_many
from tandem.mentoring.services.mentorships import PairSpec, create_group, create_pairs
from tandem.programs.enums import ProgramStatus, Role
from tandem.programs.models import Membership, Program

#: How long ago the demo program started.
PROGRAM_AGE_DAYS = 42
#: At most this many pairs get a history (keeps `tandem seed --participants 100000` fast).
HISTORY_PAIRS = 150
#: Share of the pairs that stalled after their first meeting.
STALLED_SHARE = 0.25
#: Mentees left without a mentor: they joined after matching was published.
LATE_JOINERS = 6
GROUP_NAME = "Leadership circle"
GROUP_SIZE = 4
MEETING_MINUTES = 60

NOTES = (
    "We talked through {mentee}'s career so far and what she or he wants next. Agreed to focus "
    "on {skill} first.",
    "Reviewed the week: one win (a difficult conversation went well) and one setback. We "
    "practised the opening of the next {skill} conversation.",
    "Went through the development plan draft. The goals are clear; the resources list needs "
    "people, not only books.",
    "Prepared for the quarterly review: what to say about {skill}, which examples to bring.",
    "Discussed how to ask for a stretch project and who could sponsor it.",
)
ACTIONS = (
    "Draft the development plan and share it before our next meeting",
    "Ask two colleagues for feedback on {skill}",
    "Read the chapter on {skill} we talked about",
    "Book a slot to shadow a team lead's planning meeting",
    "Write down three situations where {skill} would have helped this month",
    "Send the mentor the summary of what you want from this mentorship",
)
#: Short exchanges: the first line is written by one member, the second is the other's reply.
EXCHANGES = (
    ("Thanks for today — that helped a lot.", "Glad it did. Let me know how the meeting goes."),
    (
        "I tried the approach we discussed in my one-to-one; it went better than expected!",
        "That is great to hear. What would you do differently next time?",
    ),
    (
        "Here is the article I mentioned: look at the section on difficult conversations.",
        "Thank you, I will read it before we meet.",
    ),
    (
        "Could we move next week's meeting by a day? Thursday works better for me.",
        "Thursday is fine. Same time?",
    ),
    (
        "Quick win to share: my manager agreed to the stretch project.",
        "Well done! Bring the plan for it next time and we will look at the first steps.",
    ),
    ("Looking forward to our next session.", "Me too. See you then."),
)

ASSIGNMENT_PROMPT = (
    "Before our second meeting, write how you intend to get the most out of this mentorship "
    "for your development, and share it with your mentor."
)
ASSIGNMENT_BODY = (
    "I want to use these months to become confident in {skill}. I will bring one real "
    "situation to every meeting, try what we agree, and report back on what happened."
)


@dataclass
class _Plan:
    """Rows to write, with the moments they should carry (bulk_create stamps `now` on the
    auto_now fields; they are put back with one bulk_update per model)."""

    meetings: list[Meeting] = field(default_factory=list)
    meeting_stamps: list[dt.datetime] = field(default_factory=list)
    attendees: list[tuple[int, MeetingAttendee]] = field(default_factory=list)
    records: list[tuple[int, MeetingRecord, dt.datetime]] = field(default_factory=list)
    items: list[tuple[int | None, ActionItem, dt.datetime]] = field(default_factory=list)
    ratings: list[tuple[int, MeetingRating, dt.datetime]] = field(default_factory=list)
    messages: list[tuple[Message, dt.datetime]] = field(default_factory=list)
    assignments: list[tuple[int, Assignment, dt.datetime]] = field(default_factory=list)

    def meeting(
        self,
        mentorship: Mentorship,
        start: dt.datetime,
        members: Sequence[MentorshipMember],
        *,
        rng: random.Random,
        held: bool,
        attendance: dict[int, bool] | None = None,
    ) -> int:
        """Add a meeting with an attendee row per member; returns its index."""
        index = len(self.meetings)
        self.meetings.append(
            Meeting(
                mentorship=mentorship,
                start=start,
                duration_minutes=MEETING_MINUTES,
                timezone="Europe/London",
                location="Video call" if rng.random() < 0.7 else "Café near the office",
                status=MeetingStatus.HELD if held else MeetingStatus.SCHEDULED,
                logged=held,
            )
        )
        scheduled_on = start - dt.timedelta(days=rng.randint(5, 12)) if held else start
        self.meeting_stamps.append(min(scheduled_on, timezone.now()))
        for member in members:
            came = True if attendance is None else attendance.get(member.membership_id, True)
            self.attendees.append(
                (
                    index,
                    MeetingAttendee(
                        membership_id=member.membership_id,
                        rsvp=Rsvp.ACCEPTED if held or rng.random() < 0.6 else Rsvp.NEEDS_ACTION,
                        attended=came if held and attendance is not None else None,
                    ),
                )
            )
        return index


def _skills(membership: Membership, key: str) -> set[str]:
    value = membership.answers.get(key) or []
    return set(value) if isinstance(value, list) else set()


def pair_people(
    mentors: Sequence[Membership], mentees: Sequence[Membership], *, limit: int
) -> list[tuple[Membership, Membership]]:
    """Each mentee (in order) with the free mentor offering most of the skills they want."""
    room = {m.pk: int(m.answers.get("capacity") or 1) for m in mentors}
    offered = {m.pk: _skills(m, "skills_offered") for m in mentors}
    pairs: list[tuple[Membership, Membership]] = []
    for mentee in mentees:
        if len(pairs) >= limit:
            break
        wanted = _skills(mentee, "skills_wanted")
        free = [m for m in mentors if room[m.pk] > 0]
        if not free:
            break
        mentor = max(free, key=lambda m: (len(wanted & offered[m.pk]), room[m.pk], -m.pk))
        room[mentor.pk] -= 1
        pairs.append((mentor, mentee))
    return pairs


def _skill_of(mentee: Membership, rng: random.Random) -> str:
    wanted = sorted(_skills(mentee, "skills_wanted"))
    return rng.choice(wanted) if wanted else "leadership"


def _at_hour(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def _record_meeting(
    plan: _Plan,
    index: int,
    *,
    mentorship: Mentorship,
    lead: Membership,
    mentee: Membership,
    rng: random.Random,
    skill: str,
    items_done_share: float,
    now: dt.datetime,
) -> None:
    start = plan.meetings[index].start
    written = start + dt.timedelta(hours=rng.randint(1, 20))
    plan.records.append(
        (
            index,
            MeetingRecord(
                written_by=lead,
                notes=rng.choice(NOTES).format(mentee=mentee.user.get_short_name(), skill=skill),
                next_meeting_set=True,
                action_items_defined=True,
            ),
            written,
        )
    )
    for owner in (mentee, rng.choice([mentee, lead])):
        due = (start + dt.timedelta(days=14)).date()
        done = rng.random() < items_done_share and due <= now.date() + dt.timedelta(days=7)
        plan.items.append(
            (
                index,
                ActionItem(
                    mentorship=mentorship,
                    text=rng.choice(ACTIONS).format(skill=skill),
                    owner=owner,
                    due_on=due,
                    done_at=min(written + dt.timedelta(days=rng.randint(2, 12)), now)
                    if done
                    else None,
                    done_by=owner if done else None,
                    created_by=lead,
                ),
                written,
            )
        )


def _rate(plan: _Plan, index: int, members: Sequence[Membership], rng: random.Random) -> None:
    start = plan.meetings[index].start
    for member in members:
        plan.ratings.append(
            (
                index,
                MeetingRating(membership=member, score=rng.choice([4, 5, 5])),
                start + dt.timedelta(hours=rng.randint(2, 30)),
            )
        )


def _converse(
    plan: _Plan,
    mentorship: Mentorship,
    people: Sequence[Membership],
    *,
    since: dt.datetime,
    until: dt.datetime,
    count: int,
    rng: random.Random,
) -> None:
    span = max((until - since).total_seconds(), 3600.0)
    moments = sorted(
        _waking(since + dt.timedelta(seconds=rng.uniform(0, span)), rng) for _ in range(count)
    )
    lines = [line for exchange in rng.sample(EXCHANGES, len(EXCHANGES)) for line in exchange]
    for position, moment in enumerate(moments):
        plan.messages.append(
            (
                Message(
                    mentorship=mentorship,
                    author=people[position % len(people)],
                    body=lines[position % len(lines)],
                ),
                moment,
            )
        )


def _waking(moment: dt.datetime, rng: random.Random) -> dt.datetime:
    """People write between 8:00 and 21:00 (UTC, near the demo's own zones), not at 4 a.m."""
    if 8 <= moment.hour < 21:
        return moment
    return moment.replace(hour=rng.randint(8, 20))


def _assign(
    plan: _Plan,
    index: int,
    *,
    mentorship: Mentorship,
    mentee: Membership,
    skill: str,
    submitted: dt.datetime | None,
    due: dt.datetime | None,
) -> None:
    plan.assignments.append(
        (
            index,
            Assignment(
                mentorship=mentorship,
                assignee=mentee,
                prompt=ASSIGNMENT_PROMPT,
                due_at=due,
                body=ASSIGNMENT_BODY.format(skill=skill) if submitted else "",
                submitted_at=submitted,
            ),
            plan.meetings[index].start + dt.timedelta(hours=2),
        )
    )


_STAMPED = ("created_at", "updated_at")


@contextmanager
def _own_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk_create keep the moments set on the rows (history happened in the past)
    instead of stamping ``now`` on auto_now / auto_now_add fields. Demo seeding only: it
    changes the field objects for the duration and puts them back."""
    saved = []
    for model_class in model_classes:
        for field_ in model_class._meta.concrete_fields:
            if isinstance(field_, models.DateTimeField) and field_.name in _STAMPED:
                saved.append((field_, field_.auto_now, field_.auto_now_add))
                field_.auto_now = field_.auto_now_add = False
    try:
        yield
    finally:
        for field_, auto_now, auto_now_add in saved:
            field_.auto_now, field_.auto_now_add = auto_now, auto_now_add


def _stamp(row: models.Model, moment: dt.datetime) -> None:
    for name in _STAMPED:
        if hasattr(row, name):
            setattr(row, name, moment)


def _write(plan: _Plan) -> None:
    for meeting, moment in zip(plan.meetings, plan.meeting_stamps, strict=True):
        _stamp(meeting, moment)
    for _, record, moment in plan.records:
        _stamp(record, moment)
    for _, item, moment in plan.items:
        _stamp(item, moment)
    for _, rating, moment in plan.ratings:
        _stamp(rating, moment)
    for message, moment in plan.messages:
        _stamp(message, moment)
    for _, assignment, moment in plan.assignments:
        _stamp(assignment, moment)
    with _own_timestamps(Meeting, MeetingRecord, ActionItem, MeetingRating, Message, Assignment):
        meetings = Meeting.objects.bulk_create(plan.meetings, batch_size=1000)
        for index, attendee in plan.attendees:
            attendee.meeting = meetings[index]
        MeetingAttendee.objects.bulk_create([a for _, a in plan.attendees], batch_size=1000)
        for index, record, _ in plan.records:
            record.meeting = meetings[index]
        MeetingRecord.objects.bulk_create([r for _, r, _ in plan.records], batch_size=1000)
        for meeting_index, item, _ in plan.items:
            item.meeting = meetings[meeting_index] if meeting_index is not None else None
        ActionItem.objects.bulk_create([i for _, i, _ in plan.items], batch_size=1000)
        for index, rating, _ in plan.ratings:
            rating.meeting = meetings[index]
        MeetingRating.objects.bulk_create([r for _, r, _ in plan.ratings], batch_size=1000)
        Message.objects.bulk_create([m for m, _ in plan.messages], batch_size=1000)
        for index, assignment, _ in plan.assignments:
            assignment.meeting = meetings[index]
        Assignment.objects.bulk_create([a for _, a, _ in plan.assignments], batch_size=1000)


@dataclass
class HistoryReport:
    pairs_thriving: int
    pairs_stalled: int
    groups: int
    meetings: int
    mentorship_ids: list[int]


def _members(mentorship_ids: list[int]) -> dict[int, list[MentorshipMember]]:
    by_mentorship: dict[int, list[MentorshipMember]] = {pk: [] for pk in mentorship_ids}
    for member in MentorshipMember.objects.filter(mentorship_id__in=mentorship_ids).order_by(
        "-is_facilitator", "-role", "id"
    ):
        by_mentorship[member.mentorship_id].append(member)
    return by_mentorship


def seed_history(
    program: Program, *, demo_mentor: Membership, demo_mentee: Membership, seed: int = 7
) -> HistoryReport | None:
    """Give the demo program six weeks of history, once (None when it already has some)."""
    if Mentorship.objects.filter(program=program).exists():
        return None
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    started = now - dt.timedelta(days=PROGRAM_AGE_DAYS)
    with transaction.atomic():
        Program.objects.filter(pk=program.pk).update(
            status=ProgramStatus.ACTIVE,
            starts_on=today - dt.timedelta(days=PROGRAM_AGE_DAYS),
            ends_on=today - dt.timedelta(days=PROGRAM_AGE_DAYS) + dt.timedelta(days=182),
        )
        program.refresh_from_db()
        people = list(
            Membership.objects.filter(program=program, role__in=(Role.MENTOR, Role.MENTEE))
            .exclude(pk__in=(demo_mentor.pk, demo_mentee.pk))
            .select_related("user")
            .order_by("id")
        )
        mentors = [m for m in people if m.role == Role.MENTOR]
        mentees = [m for m in people if m.role == Role.MENTEE]
        # The group: its facilitator and members take no pair.
        group_people = (
            (mentors[0], mentees[:GROUP_SIZE])
            if len(mentors) > 2 and len(mentees) > GROUP_SIZE + LATE_JOINERS
            else None
        )
        if group_people is not None:
            mentors, mentees = mentors[1:], mentees[GROUP_SIZE:]
        mentees = mentees[: max(0, len(mentees) - LATE_JOINERS)]
        pairs = pair_people(mentors, mentees, limit=HISTORY_PAIRS)
        # The demo pair joined a little later: two meetings so far, the third tomorrow.
        (demo,) = create_pairs(
            program,
            [
                PairSpec(
                    mentee_id=demo_mentee.pk,
                    mentor_id=demo_mentor.pk,
                    source="manual",
                    explanation="You both care about negotiation and public speaking.",
                )
            ],
            started_at=now - dt.timedelta(days=30),
        )
        relationships = create_pairs(
            program,
            [
                PairSpec(
                    mentee_id=mentee.pk,
                    mentor_id=mentor.pk,
                    source="manual",
                    explanation="Matched on the skills one wants and the other offers.",
                )
                for mentor, mentee in pairs
            ],
            started_at=started,
        )
        group_mentorship: Mentorship | None = None
        if group_people is not None:
            facilitator, joining = group_people
            create_pairs(
                program,
                [
                    PairSpec(mentee_id=m.pk, mentor_id=facilitator.pk, source="manual")
                    for m in joining
                ],
                started_at=started,
                own_mentorships=False,
            )
            group = create_group(
                program,
                name=GROUP_NAME,
                facilitator_ids=[facilitator.pk],
                mentee_ids=[m.pk for m in joining],
            )
            group_mentorship = group.mentorship
            assert group_mentorship is not None  # create_group makes it
            Mentorship.objects.filter(pk=group_mentorship.pk).update(started_at=started)
        ids = [r.mentorship_id for r in (demo, *relationships) if r.mentorship_id is not None]
        if group_mentorship is not None:
            ids.append(group_mentorship.pk)
        Mentorship.objects.filter(pk__in=ids).update(created_at=started)
        mentorships = Mentorship.objects.in_bulk(ids)
        members = _members(ids)
        by_id = {m.pk: m for m in people} | {
            demo_mentor.pk: demo_mentor,
            demo_mentee.pk: demo_mentee,
        }
        plan = _Plan()

        # The demo pair: met 27 and 13 days ago (records filled), meets tomorrow at 17:00.
        assert demo.mentorship_id is not None
        demo_mentorship = mentorships[demo.mentorship_id]
        demo_members = members[demo_mentorship.pk]
        skill = "negotiation"
        first = plan.meeting(
            demo_mentorship,
            _at_hour(today - dt.timedelta(days=27), 17),
            demo_members,
            rng=rng,
            held=True,
        )
        second = plan.meeting(
            demo_mentorship,
            _at_hour(today - dt.timedelta(days=13), 17),
            demo_members,
            rng=rng,
            held=True,
        )
        tomorrow = plan.meeting(
            demo_mentorship,
            _at_hour(today + dt.timedelta(days=1), 17),
            demo_members,
            rng=rng,
            held=False,
        )
        for index in (first, second):
            _record_meeting(
                plan,
                index,
                mentorship=demo_mentorship,
                lead=demo_mentor,
                mentee=demo_mentee,
                rng=rng,
                skill=skill,
                items_done_share=0.5,
                now=now,
            )
            _rate(plan, index, [demo_mentor, demo_mentee], rng)
        _assign(
            plan,
            first,
            mentorship=demo_mentorship,
            mentee=demo_mentee,
            skill=skill,
            submitted=plan.meetings[first].start + dt.timedelta(days=5),
            due=plan.meetings[second].start,
        )
        _assign(
            plan,
            second,
            mentorship=demo_mentorship,
            mentee=demo_mentee,
            skill=skill,
            submitted=None,
            due=plan.meetings[tomorrow].start,
        )
        _converse(
            plan,
            demo_mentorship,
            [demo_mentee, demo_mentor],
            since=plan.meetings[first].start,
            until=now,
            count=5,
            rng=rng,
        )

        thriving = stalled = 0
        for relationship in relationships:
            assert relationship.mentorship_id is not None
            mentorship = mentorships[relationship.mentorship_id]
            mentor, mentee = by_id[relationship.mentor_id], by_id[relationship.mentee_id]
            pair_members = members[mentorship.pk]
            skill = _skill_of(mentee, rng)
            first_day = today - dt.timedelta(days=PROGRAM_AGE_DAYS - rng.randint(1, 4))
            hour = rng.choice([8, 12, 13, 17, 18])
            if rng.random() < STALLED_SHARE:
                # One meeting, then nothing for 40 days.
                stalled += 1
                index = plan.meeting(
                    mentorship, _at_hour(first_day, hour), pair_members, rng=rng, held=True
                )
                if rng.random() < 0.5:  # a record with items now overdue; else none at all
                    _record_meeting(
                        plan,
                        index,
                        mentorship=mentorship,
                        lead=mentor,
                        mentee=mentee,
                        rng=rng,
                        skill=skill,
                        items_done_share=0.0,
                        now=now,
                    )
                continue
            thriving += 1
            held = []
            day = first_day
            while day < today - dt.timedelta(days=1):
                held.append(
                    plan.meeting(mentorship, _at_hour(day, hour), pair_members, rng=rng, held=True)
                )
                day += dt.timedelta(days=14 + rng.randint(-1, 1))
            upcoming = plan.meeting(
                mentorship,
                _at_hour(max(day, today + dt.timedelta(days=1)), hour),
                pair_members,
                rng=rng,
                held=False,
            )
            for index in held:
                _record_meeting(
                    plan,
                    index,
                    mentorship=mentorship,
                    lead=mentor,
                    mentee=mentee,
                    rng=rng,
                    skill=skill,
                    items_done_share=0.7,
                    now=now,
                )
                _rate(plan, index, [mentor, mentee], rng)
            if len(held) > 1:
                _assign(
                    plan,
                    held[0],
                    mentorship=mentorship,
                    mentee=mentee,
                    skill=skill,
                    submitted=plan.meetings[held[0]].start + dt.timedelta(days=rng.randint(2, 9)),
                    due=plan.meetings[held[1]].start,
                )
            _converse(
                plan,
                mentorship,
                [mentee, mentor],
                since=plan.meetings[held[0]].start,
                until=min(now, plan.meetings[upcoming].start),
                count=rng.randint(3, 6),
                rng=rng,
            )

        groups = 0
        if group_mentorship is not None and group_people is not None:
            groups = 1
            facilitator, group_mentees = group_people
            group_members = members[group_mentorship.pk]
            for days in (35, 21, 7):
                attendance = {m.pk: rng.random() < 0.8 for m in group_mentees}
                index = plan.meeting(
                    group_mentorship,
                    _at_hour(today - dt.timedelta(days=days), 12),
                    group_members,
                    rng=rng,
                    held=True,
                    attendance=attendance,
                )
                _record_meeting(
                    plan,
                    index,
                    mentorship=group_mentorship,
                    lead=facilitator,
                    mentee=rng.choice(group_mentees),
                    rng=rng,
                    skill="leadership",
                    items_done_share=0.6,
                    now=now,
                )
            plan.meeting(
                group_mentorship,
                _at_hour(today + dt.timedelta(days=7), 12),
                group_members,
                rng=rng,
                held=False,
            )
            _converse(
                plan,
                group_mentorship,
                [facilitator, *group_mentees],
                since=started,
                until=now,
                count=8,
                rng=rng,
            )

        _write(plan)
        refresh_activity_many(ids, now=now)
    return HistoryReport(
        pairs_thriving=thriving,
        pairs_stalled=stalled,
        groups=groups,
        meetings=len(plan.meetings),
        mentorship_ids=ids,
    )
