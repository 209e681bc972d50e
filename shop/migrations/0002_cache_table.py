"""The table of Django's database cache, which holds the throttle counters when REDIS_URL is unset
(API.md §1.13), so `migrate` alone (make run, the Docker release step, the tests) makes the store ready.

It is created by name whatever cache the settings name at migrate time, so a deployment that drops Redis
later still finds it; `manage.py createcachetable` does the same and skips an existing table.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "shop_cache"  # settings.CACHE_TABLE


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    if TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
