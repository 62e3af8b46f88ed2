"""The audit trail becomes a hash chain: every event carries its place, the hash of the event before it and
its own hash (core/rules.py). Events already written are chained in the order they were written; the
append-only triggers are lifted for that one UPDATE and put back."""

from django.db import migrations, models

from qingche.core.rules import AUDIT_CHAIN_FIELDS, AUDIT_CHAIN_START, audit_chain_hash

SQLITE_TRIGGERS = [
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
]
UPDATE = "UPDATE core_auditevent SET chain_seq = %s, chain_prev = %s, chain_hash = %s WHERE id = %s"


def chain_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    vendor = schema_editor.connection.vendor
    ids = list(AuditEvent.objects.order_by("created_at", "id").values_list("id", flat=True))
    seq, prev = 0, AUDIT_CHAIN_START
    if ids:
        if vendor == "postgresql":
            schema_editor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update")
        else:
            schema_editor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update")
        columns = ("id", *[name for name in AUDIT_CHAIN_FIELDS if name != "chain_seq"])
        with schema_editor.connection.cursor() as cursor:
            for start in range(0, len(ids), 2000):
                chunk = ids[start : start + 2000]
                rows = {row["id"]: row for row in AuditEvent.objects.filter(id__in=chunk).values(*columns)}
                params = []
                for pk in chunk:
                    row = rows[pk]
                    seq += 1
                    row["chain_seq"] = seq
                    digest = audit_chain_hash(prev, row)
                    params.append((seq, prev, digest, pk))
                    prev = digest
                cursor.executemany(UPDATE, params)
        if vendor == "postgresql":
            schema_editor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_no_update")
        else:
            for statement in SQLITE_TRIGGERS:
                schema_editor.execute(statement)
    AuditChainHead.objects.create(pk=1, seq=seq, hash=prev)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_account_duties_and_api_tokens'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(unique=True, verbose_name='date')),
                ('seq', models.BigIntegerField(verbose_name='link')),
                ('hash', models.CharField(max_length=64, verbose_name='hash')),
            ],
            options={
                'verbose_name': 'audit anchor',
                'verbose_name_plural': 'audit anchors',
                'ordering': ['-date'],
                'default_permissions': (),
            },
        ),
        migrations.CreateModel(
            name='AuditChainHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.BigIntegerField(default=0)),
                ('hash', models.CharField(max_length=64)),
                ('anchor_date', models.DateField(blank=True, null=True)),
            ],
            options={
                'default_permissions': (),
            },
        ),
        migrations.AddField(
            model_name='auditevent',
            name='chain_hash',
            field=models.CharField(blank=True, max_length=64, null=True, verbose_name='hash'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='chain_prev',
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='chain_seq',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='link'),
        ),
        migrations.AddConstraint(
            model_name='auditevent',
            constraint=models.UniqueConstraint(condition=models.Q(('chain_seq__isnull', False)), fields=('chain_seq',), name='core_auditevent_chain_seq'),
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
    ]
