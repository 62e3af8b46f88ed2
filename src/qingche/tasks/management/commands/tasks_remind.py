"""`qingche tasks_remind`: remind tasks and assignments near their deadline and escalate those past it.

Idempotent and safe to run every few minutes (cron or a systemd timer): everything is derived from stored
deadlines and each reminder is recorded under a unique key, so no reminder is ever sent twice and nothing is
lost if the server restarts. See docs/tasks.md."""

from django.core.management.base import BaseCommand

from qingche.tasks.services import send_reminders


class Command(BaseCommand):
    help = "Send due reminders and escalations of tasks (idempotent; run from cron every few minutes)."

    def handle(self, *args, **options):
        counts = send_reminders()
        self.stdout.write(f"reminders sent: {counts['due_soon']}, escalations: {counts['overdue']}")
