"""直通车 reports: the sender decides whether the answer may be published (default: no), and the only unit a
report keeps is a town or street. Existing reports: a village or community becomes its town or street, and
answers published without the sender's consent are withdrawn from the public list."""

import django.db.models.deletion
from django.db import migrations, models

STEPLEN = 4  # treebeard's default step of the unit tree's materialized path


def town_only_and_no_publication_without_consent(apps, schema_editor):
    BurdenReport = apps.get_model("burden", "BurdenReport")
    Unit = apps.get_model("org", "Unit")
    BurdenReport.objects.filter(published=True).update(published=False)
    below_town = BurdenReport.objects.filter(sender_unit__kind__in=("village", "community")).select_related(
        "sender_unit")
    for report in below_town:
        path = report.sender_unit.path
        ancestors = [path[:end] for end in range(STEPLEN, len(path), STEPLEN)]
        town = Unit.objects.filter(path__in=ancestors, kind__in=("town", "street")).order_by("-depth").first()
        BurdenReport.objects.filter(pk=report.pk).update(sender_unit=town)


class Migration(migrations.Migration):

    dependencies = [
        ('burden', '0002_person_index_permission'),
        ('org', '0003_unit_path_statistics'),
    ]

    operations = [
        migrations.AddField(
            model_name='burdenreport',
            name='publication_allowed',
            field=models.BooleanField(default=False, verbose_name='the sender allows publication'),
        ),
        migrations.AlterField(
            model_name='burdenreport',
            name='sender_unit',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='org.unit', verbose_name="sender's town or street (optional)"),
        ),
        migrations.RunPython(town_only_and_no_publication_without_consent, migrations.RunPython.noop),
    ]
