"""Verification codes are kept only as a keyed hash (the codes already given out keep working: each is
hashed here and its clear column dropped), and a request gets the citizen's consent to publication and
the reviewer's release."""

import hashlib
import hmac

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _hash(code: str) -> str:  # models.tracking_code_hash at the time of this migration
    code = "".join(code.split()).replace("-", "").upper()
    if not code:
        return ""
    return hmac.new(settings.FIELD_HASH_KEY.encode(), ("tracking-code:" + code).encode(), hashlib.sha256).hexdigest()


def hash_codes(apps, schema_editor):
    for name in ("ServiceRequest", "Open311Submission"):
        model = apps.get_model("service", name)
        batch = []
        for pk, code in model.objects.values_list("pk", "tracking_code").iterator(chunk_size=5000):
            batch.append(model(pk=pk, tracking_code_hash=_hash(code)))
            if len(batch) == 5000:
                model.objects.bulk_update(batch, ["tracking_code_hash"])
                batch = []
        model.objects.bulk_update(batch, ["tracking_code_hash"])


class Migration(migrations.Migration):

    dependencies = [
        ('service', '0005_open311_submission'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='servicerequest',
            name='tracking_code_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, default=''),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='open311submission',
            name='tracking_code_hash',
            field=models.CharField(max_length=64, default=''),
            preserve_default=False,
        ),
        migrations.RunPython(hash_codes, migrations.RunPython.noop),
        migrations.RemoveField(model_name='servicerequest', name='tracking_code'),
        migrations.RemoveField(model_name='open311submission', name='tracking_code'),
        migrations.AddField(
            model_name='servicerequest',
            name='publication_consent',
            field=models.BooleanField(default=False, verbose_name='the citizen agrees to publication'),
        ),
        migrations.AddField(
            model_name='servicerequest',
            name='published_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='published at'),
        ),
        migrations.AddField(
            model_name='servicerequest',
            name='published_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name='+',
                                    to=settings.AUTH_USER_MODEL, verbose_name='published by'),
        ),
        migrations.AddField(
            model_name='servicerequest',
            name='public_text',
            field=models.TextField(blank=True, verbose_name='public text'),
        ),
        migrations.AlterModelOptions(
            name='servicerequest',
            options={'ordering': ['-submitted_at', '-id'], 'permissions': [
                ('dispatch_servicerequest', 'Can dispatch citizen requests'),
                ('handle_servicerequest', 'Can accept, answer and return citizen requests'),
                ('callback_servicerequest', 'Can call citizens back and reopen requests'),
                ('arbitrate_servicerequest', 'Can arbitrate returned requests'),
                ('approve_extension', 'Can approve extensions of citizen requests'),
                ('publish_servicerequest', 'Can release citizen requests for publication')],
                'verbose_name': 'citizen request', 'verbose_name_plural': 'citizen requests'},
        ),
    ]
