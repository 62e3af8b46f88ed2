from django.core.management.base import BaseCommand

from qingche.core import background


class Command(BaseCommand):
    help = (
        "Run every registered background process (the task worker, the Open311 registrar) and start one again "
        "when it exits. `qingche serve` starts it; it ends with the server (core/background.py)."
    )

    def handle(self, *args, **options):
        background.Supervisor({name: argv for name, argv in background.processes().items()}).run()
