import os
import sys

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from qingche.core import background, dbroles


class Command(BaseCommand):
    help = "Serve Qingche with gunicorn (several worker processes; static files through WhiteNoise)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("QINGCHE_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("QINGCHE_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("QINGCHE_WORKERS", "2")))
        parser.add_argument(
            "--no-task-worker",
            action="store_true",
            default=os.environ.get("QINGCHE_TASK_WORKER", "1") == "0",
            help="start no background processes (run `qingche task_worker` and "
            "`qingche open311_register --follow` yourself)",
        )
        parser.add_argument(
            "--migrate",
            action="store_true",
            help="apply the migrations first, as the owner role of QINGCHE_MIGRATE_DATABASE_URL when set",
        )

    def handle(self, *args, host, port, workers, no_task_worker, migrate, **options):
        if migrate:
            dbroles.migrate(self.stdout)
        try:
            connection.ensure_connection()  # refuses here if a key the data needs is missing (core/keys.py)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        connection.close()  # gunicorn's workers open their own
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Serving on http://{host}:{port}/ with {workers} workers (Ctrl-C to stop)")
        if workers > 1 and not settings.REDIS_URL:
            self.stdout.write(
                "Note: QINGCHE_REDIS_URL is not set, so each worker counts the public pages' flood "
                "limits on its own (docs/operator-guide.md)."
            )
        if no_task_worker:
            background.status_path().unlink(missing_ok=True)  # /healthz: no supervisor of this server
        else:
            self._start_task_worker()
        sys.stdout.flush()
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        os.execv(
            gunicorn,
            [
                gunicorn,
                "qingche.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--preload",
                "--access-logfile",
                "-",
                "--logger-class",
                "qingche.core.accesslog.AnonymousPathsLogger",
                "--forwarded-allow-ips",
                os.environ.get("QINGCHE_FORWARDED_ALLOW_IPS", "127.0.0.1"),
                "--chdir",
                str(settings.BASE_DIR.parent),
            ],
        )

    def _start_task_worker(self):
        """`qingche supervise`: it runs the background processes (the task worker, the Open311 registrar),
        starts one again when it exits, and gets SIGTERM when this process, which becomes the gunicorn master,
        ends, however it ends (core/background.py)."""
        background.start_supervisor()
        names = ", ".join(background.processes())
        self.stdout.write(f"Started the background processes under a supervisor ({names}).")
