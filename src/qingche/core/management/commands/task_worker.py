from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from qingche.core import background
from qingche.core.wiring import TASKS_CHANNEL

TASKS_SQLITE_PAUSE = 2.0  # on SQLite an idle worker looks every 2 s: an import may wait that long to start


class Command(BaseCommand):
    help = (
        "Run the queued background tasks of every queue (imports of historical requests) as they come: woken by "
        "the database when a task is queued (PostgreSQL), else looking a few times a second; waits out a "
        "database restart. `qingche serve` keeps one running."
    )

    def handle(self, *args, **options):
        worker_id = get_random_string(32)
        loop = background.Loop(TASKS_CHANNEL, max_pause=TASKS_SQLITE_PAUSE)

        def look() -> int:
            worker = Worker(
                queue_names=["*"],
                interval=0.2,  # only between looks at a locked SQLite database
                batch=True,  # every task that is ready, then back to waiting
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            )
            worker.run()
            return worker._run_tasks

        loop.run(look)
