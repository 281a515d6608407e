# Every relationship and group that existed before mentorships gets its mentorship: a group's
# mentees' relationships join the group's, every other relationship gets a pair of its own.

from django.db import migrations

LIVE = ("proposed", "active")


def forwards(apps, schema_editor):
    Mentorship = apps.get_model("mentoring", "Mentorship")
    Member = apps.get_model("mentoring", "MentorshipMember")
    Group = apps.get_model("mentoring", "MentoringGroup")
    Relationship = apps.get_model("mentoring", "Relationship")
    grouped = set()
    for group in Group.objects.select_related("program").iterator():
        mentorship = Mentorship.objects.create(
            program_id=group.program_id,
            kind="group",
            status=group.status,
            name=group.name,
            started_at=group.created_at,
            ends_on=group.program.ends_on,
            last_activity_at=group.created_at,
        )
        group.mentorship = mentorship
        group.save(update_fields=["mentorship"])
        places = list(group.members.all())
        Member.objects.bulk_create(
            [
                Member(
                    mentorship=mentorship,
                    membership_id=place.membership_id,
                    role="mentor" if place.is_facilitator else "mentee",
                    is_facilitator=place.is_facilitator,
                    confirmed_at=group.created_at,
                )
                for place in places
            ]
        )
        mentees = [p.membership_id for p in places if not p.is_facilitator]
        ids = list(
            Relationship.objects.filter(
                program_id=group.program_id, mentee_id__in=mentees
            ).values_list("id", flat=True)
        )
        Relationship.objects.filter(id__in=ids).update(mentorship=mentorship)
        grouped.update(ids)
    pending = Relationship.objects.filter(mentorship__isnull=True).select_related("program")
    for relationship in pending.iterator():
        if relationship.pk in grouped:
            continue
        mentorship = Mentorship.objects.create(
            program_id=relationship.program_id,
            kind="pair",
            status=relationship.status,
            started_at=relationship.started_at,
            ends_on=relationship.program.ends_on,
            ended_at=relationship.ended_at,
            ended_by_id=relationship.ended_by_id,
            end_reason=relationship.end_reason,
            end_note=relationship.end_note,
            last_activity_at=relationship.started_at or relationship.created_at,
        )
        Relationship.objects.filter(pk=relationship.pk).update(mentorship=mentorship)
        confirmed = relationship.started_at if relationship.status != "proposed" else None
        Member.objects.bulk_create(
            [
                Member(
                    mentorship=mentorship,
                    membership_id=relationship.mentor_id,
                    role="mentor",
                    confirmed_at=confirmed,
                ),
                Member(
                    mentorship=mentorship,
                    membership_id=relationship.mentee_id,
                    role="mentee",
                    confirmed_at=confirmed,
                ),
            ]
        )


def backwards(apps, schema_editor):
    apps.get_model("mentoring", "Mentorship").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mentoring", "0002_mentorships"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
