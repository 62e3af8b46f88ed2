"""The registrar waits to be told instead of polling: on PostgreSQL every INSERT of Open311 submissions sends
a NOTIFY on "qingche_open311" (service.models.OPEN311_CHANNEL), delivered at the commit of the very
transaction that keeps the submission, in the same statement (no extra round trip for the partner's POST).
SQLite has no NOTIFY: its registrar looks a few times a second (core.wakeup). And an index of the submissions
set aside, for the hotline's page."""

from django.db import migrations, models

POSTGRES = [
    """CREATE OR REPLACE FUNCTION service_open311submission_notify() RETURNS trigger AS $$
       BEGIN PERFORM pg_notify('qingche_open311', ''); RETURN NULL; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER service_open311submission_notify AFTER INSERT ON service_open311submission
       FOR EACH STATEMENT EXECUTE FUNCTION service_open311submission_notify()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS service_open311submission_notify ON service_open311submission",
    "DROP FUNCTION IF EXISTS service_open311submission_notify()",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("service", "0008_request_likes_and_hot_issues")]

    operations = [
        migrations.AddIndex(
            model_name="open311submission",
            index=models.Index(condition=~models.Q(error=""), fields=["id"], name="service_o311_failed"),
        ),
        migrations.RunPython(_run(POSTGRES), _run(POSTGRES_REVERSE)),
    ]
