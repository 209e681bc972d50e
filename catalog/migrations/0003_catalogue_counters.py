"""Exact totals and a catalogue version kept by PostgreSQL triggers, in the writing transaction.

- `catalog_categorycount`: active products per lower(category), changed only when a product is created,
  deleted, (de)activated or moves category, so stock updates never touch it.
- `catalog_catalogueversion`: any insert, update, delete or truncate of a product or a reservation sets
  its connection's shard (pid % 64) to `nextval` once per transaction, at commit (a deferred constraint
  trigger: the row lock is taken last, so it cannot deadlock with the product locks taken before it).
SQLite (`make run`) has neither: the catalogue then counts with COUNT(*) and caches nothing.
"""

from django.db import migrations, models

SHARDS = 64

FORWARD = f"""
CREATE SEQUENCE catalog_catalogueversion_seq;

CREATE FUNCTION catalog_version_bump() RETURNS void LANGUAGE sql AS $$
    INSERT INTO catalog_catalogueversion (shard, version)
    VALUES (pg_backend_pid() % {SHARDS}, nextval('catalog_catalogueversion_seq'))
    ON CONFLICT (shard) DO UPDATE SET version = nextval('catalog_catalogueversion_seq');
$$;

CREATE FUNCTION catalog_version_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('catalog.version_bumped', true) IS DISTINCT FROM txid_current()::text THEN
        PERFORM set_config('catalog.version_bumped', txid_current()::text, true);
        PERFORM catalog_version_bump();
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER catalog_product_version AFTER INSERT OR UPDATE OR DELETE ON catalog_product
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalog_version_trigger();
CREATE CONSTRAINT TRIGGER catalog_reservation_version AFTER INSERT OR UPDATE OR DELETE ON catalog_reservation
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalog_version_trigger();
CREATE TRIGGER catalog_product_version_truncate AFTER TRUNCATE ON catalog_product
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_trigger();
CREATE TRIGGER catalog_reservation_version_truncate AFTER TRUNCATE ON catalog_reservation
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_trigger();

CREATE FUNCTION catalog_category_count_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.is_active THEN
        UPDATE catalog_categorycount SET active = active - 1 WHERE category = lower(OLD.category);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.is_active THEN
        INSERT INTO catalog_categorycount (category, active) VALUES (lower(NEW.category), 1)
        ON CONFLICT (category) DO UPDATE SET active = catalog_categorycount.active + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION catalog_category_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM catalog_categorycount;
    RETURN NULL;
END $$;

CREATE TRIGGER catalog_product_category_count AFTER INSERT OR DELETE ON catalog_product
    FOR EACH ROW EXECUTE FUNCTION catalog_category_count_trigger();
CREATE TRIGGER catalog_product_category_count_update AFTER UPDATE OF is_active, category ON catalog_product
    FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active OR lower(OLD.category) IS DISTINCT FROM lower(NEW.category))
    EXECUTE FUNCTION catalog_category_count_trigger();
CREATE TRIGGER catalog_product_category_count_truncate AFTER TRUNCATE ON catalog_product
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_category_count_truncate();

INSERT INTO catalog_categorycount (category, active)
    SELECT lower(category), count(*) FROM catalog_product WHERE is_active GROUP BY lower(category);
"""

BACKWARD = """
DROP TRIGGER IF EXISTS catalog_product_category_count_truncate ON catalog_product;
DROP TRIGGER IF EXISTS catalog_product_category_count_update ON catalog_product;
DROP TRIGGER IF EXISTS catalog_product_category_count ON catalog_product;
DROP FUNCTION IF EXISTS catalog_category_count_truncate();
DROP FUNCTION IF EXISTS catalog_category_count_trigger();
DROP TRIGGER IF EXISTS catalog_reservation_version_truncate ON catalog_reservation;
DROP TRIGGER IF EXISTS catalog_product_version_truncate ON catalog_product;
DROP TRIGGER IF EXISTS catalog_reservation_version ON catalog_reservation;
DROP TRIGGER IF EXISTS catalog_product_version ON catalog_product;
DROP FUNCTION IF EXISTS catalog_version_trigger();
DROP FUNCTION IF EXISTS catalog_version_bump();
DROP SEQUENCE IF EXISTS catalog_catalogueversion_seq;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_search_trigram")]

    operations = [
        migrations.CreateModel(
            name="CategoryCount",
            fields=[
                ("category", models.CharField(help_text="lower(category)", max_length=100, primary_key=True, serialize=False)),
                ("active", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="CatalogueVersion",
            fields=[
                ("shard", models.SmallIntegerField(primary_key=True, serialize=False)),
                ("version", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                models.functions.Lower("category"),
                models.F("price"),
                models.OrderBy(models.F("created_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="product_category_price",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
