# Relationships and groups now belong to the mentoring app (same tables, same rows).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("matches", "0002_group_shared_space"),
        ("mentoring", "0001_move_from_matches"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="mentorrequest",
                    name="relationship",
                    field=models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="request",
                        to="mentoring.relationship",
                    ),
                ),
                migrations.DeleteModel(name="GroupMember"),
                migrations.DeleteModel(name="Relationship"),
                migrations.DeleteModel(name="MentoringGroup"),
            ],
        ),
    ]
