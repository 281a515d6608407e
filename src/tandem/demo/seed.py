"""Realistic demo people and a demo organization, inserted in bulk, and (the first time) six
weeks of mentoring history in its program (``tandem.demo.history``).

``generate_people`` is pure (seeded ``random.Random``): the same seed gives the same people, so
benchmarks and tests can rely on it. ``seed_demo`` writes them with ``bulk_create`` in batches,
which is what lets ``tandem seed --participants 100000`` finish in well under a minute on SQLite.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.demo.growth import seed_growth
from tandem.demo.history import HistoryReport, seed_history
from tandem.enrolment.services.readiness import refresh_readiness
from tandem.enrolment.starter import install_starter_questions
from tandem.enrolment.vocabulary import (
    CITIES,
    COMMUNICATION_STYLES,
    INDUSTRIES,
    INTERESTS,
    LEARNING_PREFERENCES,
    SENIORITY,
    SKILLS,
    TEAMS,
    VALUES,
)
from tandem.programs.enums import MembershipStatus, ProgramStatus, Role
from tandem.programs.models import (
    Membership,
    Objective,
    Organization,
    OrganizationMembership,
    Program,
)

DEMO_PASSWORD = "tandem-demo"  # noqa: S105  (printed on purpose: these are demo logins)
DEMO_ORGANIZATION_SLUG = "northwind"
#: The printed logins' names: nobody generated shares one ("Priya Patel" is the demo mentee).
DEMO_NAMES = frozenset({"Carmen Ortiz", "Malik Mensah", "Priya Patel"})
DEMO_LOGINS = {
    "coordinator": "coordinator@demo.tandem.test",
    "mentor": "mentor@demo.tandem.test",
    "mentee": "mentee@demo.tandem.test",
}

FIRST_NAMES = (
    "Amara Aiko Ana Ananya Astrid Beatriz Chen Chiara Dalia Dmitri Elif Emeka Fatima Felix Grace "
    "Hamid Hana Ines Isabel Jamal Jana Javier Jin Kofi Laila Lars Leila Liam Lucia Malik Mei Maya "
    "Mateo Nadia Naveen Nia Noah Olga Omar Priya Rafael Rosa Sami Sara Sofia Tariq Tomas Uma "
    "Valentina Wei Yara Yusuf Zainab Zoe Kenji Camille Oskar Thandi Diego Farah Ivan Leah"
).split()
LAST_NAMES = (
    "Abebe Ahmed Alvarez Andersen Bauer Bianchi Chen Costa Da Silva Dubois Eriksen Fernandes "
    "Garcia Haddad Hansen Ibrahim Ito Jensen Kaur Khan Kim Kowalski Lee Lopez Martin Mensah "
    "Moreau Müller Nakamura Nguyen Novak Okafor Oliveira Park Patel Petrov Popescu Rahman Rossi "
    "Santos Schmidt Silva Singh Sato Tanaka Traore Van Dijk Wang Weber Yilmaz Zhang Osei Lindqvist"
).split()
EMPLOYERS = (
    "Northwind Health;Contoso;Fabrikam;Globex;Initech;Umbrella Labs;Stark Energy;Wayne Logistics;"
    "Acme Retail;Hooli;Vandelay Imports;Soylent Foods;Tyrell Systems;Cyberdyne Consulting"
).split(";")
COLLEGES = (
    "University of Lyon;TU Delft;University of Nairobi;McGill University;University of Sao Paulo;"
    "National University of Singapore;University of Manchester;IIT Bombay;Universidad de Chile;"
    "Community college;Self-taught"
).split(";")
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PARTS_OF_DAY = ["morning", "afternoon", "evening"]
GOAL_TEMPLATES = (
    "I want to grow my {skill} so I can {aim}.",
    "Over the next months I hope to get better at {skill} and {skill2}.",
    "I am preparing to {aim} and would value guidance on {skill}.",
    "I would like a sounding board while I {aim}, especially around {skill}.",
    "My goal is to build confidence in {skill} and learn how others {aim}.",
)
AIMS = (
    "move into a leadership role;step up to lead a team;change careers into {industry};"
    "return to work after a break;become a better manager;launch a new product;"
    "prepare for a promotion;build a professional network;start my own business;"
    "speak at a conference"
).split(";")
EXPERIENCE_TEMPLATES = (
    "{years} years in {industry}, most recently as {seniority} in {team}; I have helped people "
    "with {skill} and {skill2}.",
    "I lead {team} work at {employer} and enjoy coaching others on {skill}.",
    "Former {seniority} in {industry}; happy to share what I learnt about {skill} and {skill2}.",
)


def ascii_email(local_part: str, domain: str) -> str:
    """``Leila.Müller.105`` → ``leila.muller.105@domain``: addresses every mail system accepts."""
    plain = unicodedata.normalize("NFKD", local_part).encode("ascii", "ignore").decode()
    return f"{plain.lower().replace(' ', '-')}@{domain}"


@dataclass
class PersonSeed:
    email: str
    full_name: str
    pronouns: str
    time_zone: str
    role: Role
    answers: dict[str, Any] = field(default_factory=dict)


def _availability(rng: random.Random) -> list[str]:
    slots = [f"{day}-{part}" for day in DAYS[:5] for part in PARTS_OF_DAY]
    slots += [f"{day}-{part}" for day in DAYS[5:] for part in PARTS_OF_DAY[:2]]
    return sorted(rng.sample(slots, rng.randint(3, 8)))


def generate_people(
    count: int,
    *,
    seed: int = 7,
    mentor_share: float = 0.35,
    email_domain: str = "people.tandem.test",
) -> Iterator[PersonSeed]:
    """Yield ``count`` varied, plausible participants. Mentors come first in teams' reporting
    lines, so every ``manager`` answer names someone generated earlier (or nobody)."""
    rng = random.Random(seed)
    emails_by_team: dict[tuple[str, str], list[str]] = {}
    for index in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        while f"{first} {last}" in DEMO_NAMES:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = ascii_email(f"{first}.{last}.{index}", email_domain)
        role = Role.MENTOR if rng.random() < mentor_share else Role.MENTEE
        city, country, lat, lon, tz, local_languages = rng.choice(CITIES)
        industry, team, employer = rng.choice(INDUSTRIES), rng.choice(TEAMS), rng.choice(EMPLOYERS)
        years = rng.randint(8, 30) if role == Role.MENTOR else rng.randint(0, 12)
        seniority = SENIORITY[min(len(SENIORITY) - 1, years // 5 + rng.randint(0, 1))]
        skills = rng.sample(SKILLS, rng.randint(3, 6))
        skill, skill2 = skills[0], skills[1]
        aim = rng.choice(AIMS).format(industry=rng.choice(INDUSTRIES))
        colleagues = emails_by_team.setdefault((employer, team), [])
        manager = rng.choice(colleagues) if colleagues and rng.random() < 0.6 else ""
        colleagues.append(email)
        languages = sorted(
            {local_languages[0], *rng.sample(local_languages, 1)}
            | ({"English"} if rng.random() < 0.8 else set())
        )
        answers: dict[str, Any] = {
            "interests": rng.sample(INTERESTS, rng.randint(2, 4)),
            "values": rng.sample(VALUES, 2),
            "industry": industry,
            "years_experience": years,
            "seniority": seniority,
            "employer": employer,
            "college": rng.choice(COLLEGES),
            "team": team,
            "manager": manager,
            "location": {"city": city, "country": country, "lat": lat, "lon": lon},
            "time_zone": tz,
            "availability": _availability(rng),
            "languages": languages,
            "hours_per_month": rng.choice([2, 3, 4, 6, 8]),
            "communication_style": rng.choice(COMMUNICATION_STYLES),
            "learning_preference": rng.choice(LEARNING_PREFERENCES),
            "prefers_other_team": rng.random() < 0.7,
        }
        if role == Role.MENTOR:
            answers["skills_offered"] = skills
            answers["capacity"] = rng.choice([1, 2, 2, 3, 4])
            answers["experience"] = rng.choice(EXPERIENCE_TEMPLATES).format(
                years=years,
                industry=industry,
                seniority=seniority,
                team=team,
                employer=employer,
                skill=skill,
                skill2=skill2,
            )
        else:
            answers["skills_wanted"] = skills[:4]
            answers["goals"] = rng.choice(GOAL_TEMPLATES).format(
                skill=skill, skill2=skill2, aim=aim
            )
            answers["communication_style_preference"] = rng.choices(
                ["Someone like me", "Someone different from me", "No preference"],
                weights=[3, 2, 5],
            )[0]
        yield PersonSeed(
            email=email,
            full_name=f"{first} {last}",
            pronouns=rng.choice(["she/her", "he/him", "they/them", "", ""]),
            time_zone=tz,
            role=role,
            answers=answers,
        )


BATCH = 2000


def _bulk_people(program: Program, people: list[PersonSeed], password_hash: str) -> int:
    from allauth.account.models import EmailAddress

    now = timezone.now()
    created = 0
    for start in range(0, len(people), BATCH):
        chunk = people[start : start + BATCH]
        existing = set(
            User.objects.filter(email__in=[p.email for p in chunk]).values_list("email", flat=True)
        )
        fresh = [p for p in chunk if p.email not in existing]
        users = User.objects.bulk_create(
            [
                User(
                    email=p.email,
                    full_name=p.full_name,
                    pronouns=p.pronouns,
                    time_zone=p.time_zone,
                    password=password_hash,
                    date_joined=now,
                )
                for p in fresh
            ],
            batch_size=BATCH,
        )
        if users and users[0].pk is None:  # backends that do not return ids on bulk insert
            users = list(User.objects.filter(email__in=[p.email for p in fresh]).order_by("id"))
        by_email = {user.email: user for user in users}
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user=by_email[p.email], email=p.email, verified=True, primary=True)
                for p in fresh
            ],
            batch_size=BATCH,
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    program=program,
                    user=by_email[p.email],
                    role=p.role,
                    status=MembershipStatus.APPROVED,
                    answers=p.answers,
                    joined_at=now,
                )
                for p in fresh
            ],
            batch_size=BATCH,
        )
        created += len(fresh)
    return created


def _demo_user(email: str, full_name: str, pronouns: str, password_hash: str) -> User:
    from allauth.account.models import EmailAddress

    user, _ = User.objects.get_or_create(
        email=email,
        defaults={
            "full_name": full_name,
            "pronouns": pronouns,
            "password": password_hash,
            "time_zone": "Europe/London",
        },
    )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@dataclass
class SeedReport:
    organization: Organization
    program: Program
    participants_created: int
    logins: dict[str, str]
    #: The six weeks of mentoring history, when this run wrote it (the first run only).
    history: HistoryReport | None = None


def seed_demo(*, participants: int = 200, seed: int = 7) -> SeedReport:
    """Create (or top up) the demo organization, its program, demo logins and participants."""
    password_hash = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        coordinator = _demo_user(
            DEMO_LOGINS["coordinator"], "Carmen Ortiz", "she/her", password_hash
        )
        organization, _created = Organization.objects.get_or_create(
            slug=DEMO_ORGANIZATION_SLUG,
            defaults={
                "name": "Northwind Professional Network",
                "description": "A professional association's volunteer-run chapter.",
            },
        )
        OrganizationMembership.objects.get_or_create(organization=organization, user=coordinator)
        today = timezone.localdate()
        program, program_created = Program.objects.get_or_create(
            organization=organization,
            slug="spring-mentoring",
            defaults={
                "name": "Spring Mentoring Program",
                "description": (
                    "Six months of one-to-one mentoring for members who want to grow into "
                    "leadership. Pairs meet every two weeks, follow the program's meeting "
                    "guides and close with a shared reflection."
                ),
                "status": ProgramStatus.ENROLLING,
                "starts_on": today + dt.timedelta(days=21),
                "ends_on": today + dt.timedelta(days=21 + 182),
            },
        )
        if program_created:
            Membership.objects.create(
                program=program,
                user=coordinator,
                role=Role.COORDINATOR,
                status=MembershipStatus.APPROVED,
            )
            install_starter_questions(program, by=coordinator)
            for position, (statement, metric, baseline, target, unit, days) in enumerate(
                [
                    (
                        "Mentees feel ready for their next role",
                        "mentees rating readiness 4+ of 5",
                        "35",
                        "75",
                        "%",
                        200,
                    ),
                    (
                        "Pairs keep meeting through the program",
                        "pairs meeting at least monthly",
                        None,
                        "90",
                        "%",
                        200,
                    ),
                    (
                        "Members step into leadership",
                        "mentees promoted or leading a project",
                        "4",
                        "15",
                        "people",
                        365,
                    ),
                ]
            ):
                Objective.objects.create(
                    program=program,
                    statement=statement,
                    metric=metric,
                    baseline_value=Decimal(baseline) if baseline else None,
                    target_value=Decimal(target),
                    unit=unit,
                    deadline=today + dt.timedelta(days=days),
                    position=position,
                )
        demo_people = [
            PersonSeed(
                DEMO_LOGINS["mentor"], "Malik Mensah", "he/him", "Europe/London", Role.MENTOR
            ),
            PersonSeed(
                DEMO_LOGINS["mentee"], "Priya Patel", "she/her", "Europe/London", Role.MENTEE
            ),
        ]
        demo_answers = list(generate_people(2, seed=seed + 1))
        demo_people[0].answers = {**demo_answers[0].answers}
        demo_people[1].answers = {**demo_answers[1].answers}
        for person in demo_people:
            person.answers.pop("skills_offered", None)
            person.answers.pop("skills_wanted", None)
        demo_people[0].answers.update(
            skills_offered=["negotiation", "public speaking", "people management", "coaching"],
            capacity=2,
            experience="Fifteen years in healthcare operations; I coach new managers on "
            "negotiation and public speaking.",
        )
        demo_people[1].answers.update(
            skills_wanted=["negotiation", "public speaking", "leadership presence"],
            goals="I want to step up to lead a team and get better at negotiation.",
        )
        for person in demo_people:
            user = _demo_user(person.email, person.full_name, person.pronouns, password_hash)
            Membership.objects.get_or_create(
                program=program,
                user=user,
                defaults={
                    "role": person.role,
                    "status": MembershipStatus.APPROVED,
                    "answers": person.answers,
                },
            )
        people = list(generate_people(participants, seed=seed))
        created_count = _bulk_people(program, people, password_hash)
        refresh_readiness(Membership.objects.filter(program=program).values_list("pk", flat=True))
        history = seed_history(
            program,
            demo_mentor=Membership.objects.get(program=program, user__email=DEMO_LOGINS["mentor"]),
            demo_mentee=Membership.objects.get(program=program, user__email=DEMO_LOGINS["mentee"]),
            seed=seed,
        )
        seed_growth(program, history, seed=seed)
        program.refresh_from_db()
    return SeedReport(
        organization=organization,
        program=program,
        participants_created=created_count,
        logins=dict(DEMO_LOGINS),
        history=history,
    )
