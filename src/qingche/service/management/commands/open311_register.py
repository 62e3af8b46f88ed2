import json
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from qingche.service import services


class Command(BaseCommand):
    help = (
        "Register the Open311 submissions that wait (number, place, route, audit, timeline), in batches. "
        "With --follow it keeps doing so until stopped; `qingche serve` starts it that way."
    )

    def add_arguments(self, parser):
        parser.add_argument("--follow", action="store_true", help="keep registering until SIGTERM")
        parser.add_argument("--interval", type=float, default=0.05, help="seconds between looks when none wait")
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, follow, interval, batch, **options):
        if not follow:
            self.stdout.write(json.dumps({"registered": services.open311_submissions_register(batch=batch)}))
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        while not stopping:
            close_old_connections()
            if services.open311_submissions_register(batch=batch, batches=1) < batch:
                time.sleep(interval)
