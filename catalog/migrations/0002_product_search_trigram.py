"""Trigram (pg_trgm, GIN) indexes for the catalogue's substring search, on PostgreSQL only.

The search filters with `icontains`, which PostgreSQL runs as `UPPER(col::text) LIKE UPPER(pattern)`;
these indexes are on the same expressions. SQLite (`make run` without a server) skips them.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

COLUMNS = ("name", "description", "sku")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS product_{column}_trgm ON catalog_product "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS product_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
