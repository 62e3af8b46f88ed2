"""Seeds the rank history from the free-text rank of the person records (org.Person.rank): one "taken over from
the person record" entry per person with a rank, dated at the start of their current post (or today). From now on
the history is the source of truth; the record's field is left as it was (deprecated, see docs/careers.md)."""

import datetime as dt

from django.db import migrations

STEP = 4  # treebeard's path step of org.Unit
TOWN_LEVEL = ("town", "street")


def seed(apps, schema_editor):
    Person = apps.get_model("org", "Person")
    Unit = apps.get_model("org", "Unit")
    Assignment = apps.get_model("org", "Assignment")
    RankChange = apps.get_model("people", "RankChange")
    towns = set(Unit.objects.filter(kind__in=TOWN_LEVEL).values_list("path", flat=True))
    has_history = set(RankChange.objects.values_list("person_id", flat=True))
    starts = {}
    for person_id, start in Assignment.objects.filter(end_date__isnull=True).values_list("person_id", "start_date"):
        starts[person_id] = min(start, starts.get(person_id, start))
    rows = []
    for pk, rank, category, path in Person.objects.exclude(rank="").values_list("pk", "rank", "category", "unit__path"):
        if pk in has_history:
            continue
        if category == "public_institution":
            ladder = "institution"
        else:
            ladder = "town" if path[: 2 * STEP] in towns else "county"
        rows.append(
            RankChange(
                person_id=pk,
                ladder=ladder,
                to_rank=rank.strip()[:30],
                date=starts.get(pk, dt.date.today()),
                basis="recorded",
            )
        )
    RankChange.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("people", "0002_careers"), ("org", "0005_unit_move_and_person_link_permissions")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
