import json

from django.core.management.base import BaseCommand

from qingche.core import background
from qingche.service import services
from qingche.service.models import OPEN311_CHANNEL


class Command(BaseCommand):
    help = (
        "Register the Open311 submissions that wait (number, place, route, audit, timeline), in batches. "
        "With --follow it keeps doing so until stopped, woken by each accepted submission (PostgreSQL) or "
        "looking a few times a second (SQLite), and waits out a database restart; `qingche serve` runs it so."
    )

    def add_arguments(self, parser):
        parser.add_argument("--follow", action="store_true", help="keep registering until SIGTERM")
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, follow, batch, **options):
        if not follow:
            self.stdout.write(json.dumps({"registered": services.open311_submissions_register(batch=batch)}))
            return
        background.Loop(OPEN311_CHANNEL, batch=batch).run(
            lambda: services.open311_submissions_register(batch=batch, batches=1)
        )
