from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from qingche.core.audit import audit_context
from qingche.service.importers import import_requests


class Command(BaseCommand):
    help = "Import historical citizen requests from a CSV or xlsx file (see docs/service.md for the columns)."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        bar = tqdm(desc="checked", unit="row")
        done = {"stage": "reading", "rows": 0}

        def progress(stage, count):
            if stage != done["stage"]:
                bar.set_description("saved")
                bar.reset()
                done.update(stage=stage, rows=0)
            bar.update(count - done["rows"])
            done["rows"] = count

        try:
            with audit_context(actor_name="system:service_import"):
                count = import_requests(user=None, source=path, progress=progress)
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None
        finally:
            bar.close()
        self.stdout.write(f"Imported {count} requests.")
