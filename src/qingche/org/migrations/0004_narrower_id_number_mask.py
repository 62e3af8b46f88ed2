"""The stored masked copies of ID numbers lose digits 15–17: the old mask (first 4 and last 4) beside the
birth date left about ten candidate numbers. The new mask (first 4 and the check character) is cut from
the old one, so no key is needed and nothing is decrypted."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Length, Right, Substr


def narrow_masks(apps, schema_editor):
    Person = apps.get_model("org", "Person")
    Person.objects.annotate(mask_length=Length("id_number_masked")).filter(mask_length=18).update(
        id_number_masked=Concat(Substr("id_number_masked", 1, 4), Value("*" * 13), Right("id_number_masked", 1))
    )


class Migration(migrations.Migration):
    dependencies = [("org", "0003_unit_path_statistics")]

    operations = [migrations.RunPython(narrow_masks, migrations.RunPython.noop, elidable=True)]
