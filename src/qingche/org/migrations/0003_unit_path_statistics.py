"""Finer statistics on org_unit.path (PostgreSQL only).

Every scoped list filters by `unit.path LIKE '<prefix>%'`. With PostgreSQL's default 100-bucket
histogram, a town's subtree in a county of tens of thousands of units was estimated at either 5 or
500 units depending on ANALYZE's random sample; the second estimate made a town's people page walk
the whole name index (about 100 ms instead of 3 ms, bench/scope.py). A 1,000-bucket histogram keeps
the estimate near the truth run after run."""

from django.db import migrations


def finer_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE org_unit ALTER COLUMN path SET STATISTICS 1000")


def default_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE org_unit ALTER COLUMN path SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("org", "0002_person_masked_copies")]

    operations = [migrations.RunPython(finer_statistics, default_statistics)]
