"""The database cache's table (log-in throttling and rate limits shared by every process).

Made here, so that every ``migrate`` — ``tandem serve --migrate``, ``./dev``, the test
database — creates it; with ``CACHE_URL=redis://…`` there is nothing to create.
"""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):  # type: ignore[no-untyped-def]
    if any(
        config["BACKEND"].endswith("DatabaseCache") for config in settings.CACHES.values()
    ):
        call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
