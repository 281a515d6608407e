from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from tandem.accounts.models import User
from tandem.programs.enums import MembershipStatus, OrganizationRole, ProgramStatus, Role
from tandem.programs.models import (
    Invitation,
    Membership,
    Objective,
    Organization,
    OrganizationMembership,
    Program,
)

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class OrganizationAdminFactory(factory.django.DjangoModelFactory[OrganizationMembership]):
    class Meta:
        model = OrganizationMembership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = OrganizationRole.ADMIN


class ProgramFactory(factory.django.DjangoModelFactory[Program]):
    class Meta:
        model = Program

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))
    ends_on = factory.LazyAttribute(lambda p: p.starts_on + dt.timedelta(days=182))

    class Params:
        # A draft by default, as a new program is. The stage rules (a draft is its
        # coordinators' alone; matches are published from the matching stage on) want a
        # program at the stage the test is about:
        enrolling = factory.Trait(status=ProgramStatus.ENROLLING)
        #: Enrolment closed, starting in 14 days: matches can be published.
        matching = factory.Trait(status=ProgramStatus.MATCHING)
        #: Started a week ago and running.
        active = factory.Trait(
            status=ProgramStatus.ACTIVE,
            starts_on=factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7)),
        )


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    program = factory.SubFactory(ProgramFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MENTEE
    status = MembershipStatus.APPROVED


class ObjectiveFactory(factory.django.DjangoModelFactory[Objective]):
    class Meta:
        model = Objective

    program = factory.SubFactory(ProgramFactory)
    statement = "Mentees feel ready for their next role"
    metric = "mentees rating readiness 4+ of 5"
    target_value = Decimal("75")
    unit = "%"
    deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=200))


class InvitationFactory(factory.django.DjangoModelFactory[Invitation]):
    class Meta:
        model = Invitation

    program = factory.SubFactory(ProgramFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.MENTEE
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))
