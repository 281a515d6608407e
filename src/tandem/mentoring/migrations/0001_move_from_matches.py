# Relationships and groups move from matches to mentoring: the tables, their rows and ids
# stay where they are; only Django's idea of which app owns them changes.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("matches", "0002_group_shared_space"),
        ("programs", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='MentoringGroup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120)),
                ('status', models.CharField(choices=[('proposed', 'Proposed'), ('active', 'Active'), ('completed', 'Completed'), ('ended_early', 'Ended early')], default='active', max_length=12)),
                ('fit', models.FloatField(blank=True, null=True)),
                ('diversity', models.FloatField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('program', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='mentoring_groups', to='programs.program')),
                ('run', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='matches.matchrun')),
            ],
            options={
                'db_table': 'matches_mentoringgroup',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='GroupMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('is_facilitator', models.BooleanField(default=False)),
                ('membership', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='group_places', to='programs.membership')),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='members', to='mentoring.mentoringgroup')),
            ],
            options={
                'db_table': 'matches_groupmember',
                'constraints': [models.UniqueConstraint(fields=('group', 'membership'), name='once_per_group')],
            },
        ),
        migrations.CreateModel(
            name='Relationship',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('proposed', 'Proposed'), ('active', 'Active'), ('completed', 'Completed'), ('ended_early', 'Ended early')], default='active', max_length=12)),
                ('source', models.CharField(choices=[('run', 'Published match run'), ('request', "Mentee's request accepted"), ('manual', 'Set by a coordinator'), ('rematch', 'Rematch')], max_length=10)),
                ('score', models.FloatField(blank=True, null=True)),
                ('contributions', models.JSONField(blank=True, default=list)),
                ('explanation', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('end_reason', models.CharField(blank=True, choices=[('schedules', 'Our schedules do not fit'), ('needs_changed', 'What I need has changed'), ('not_a_fit', "Not the right fit — no one's fault"), ('personal', 'Personal circumstances'), ('left', 'Left the organization or the program'), ('goals_met', 'Goals reached early'), ('conduct', 'A concern about conduct (the coordinator will follow up)'), ('other', 'Another reason')], max_length=20)),
                ('end_note', models.TextField(blank=True)),
                ('ended_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('mentee', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='mentee_relationships', to='programs.membership')),
                ('mentor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='mentor_relationships', to='programs.membership')),
                ('program', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='relationships', to='programs.program')),
                ('run', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='relationships', to='matches.matchrun')),
            ],
            options={
                'db_table': 'matches_relationship',
                'ordering': ['-created_at'],
            },
        ),
                migrations.AddIndex(
                    model_name="relationship",
                    index=models.Index(fields=["program", "status"], name="relationship_status"),
                ),
                migrations.AddConstraint(
                    model_name="relationship",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("status__in", ("proposed", "active"))),
                        fields=("mentor", "mentee"),
                        name="one_open_relationship_per_pair",
                    ),
                ),
                migrations.AddField(
                    model_name="mentoringgroup",
                    name="description",
                    field=models.TextField(blank=True),
                ),
                migrations.AddField(
                    model_name="mentoringgroup",
                    name="meeting_cadence",
                    field=models.CharField(
                        blank=True,
                        choices=[
                            ("weekly", "Weekly"),
                            ("biweekly", "Every two weeks"),
                            ("monthly", "Monthly"),
                        ],
                        max_length=20,
                    ),
                ),
            ],
        ),
    ]
