"""`qingche people_overload`: raise the care flags of people whose burden index stayed above the red line.

Idempotent (a person with an open flag gets no second one) and cheap: run it once a day from cron or a
systemd timer, e.g. `15 2 * * * qingche people_overload`. See docs/people.md."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from qingche.people.services import overload_flags_refresh


class Command(BaseCommand):
    help = "Raise overload care flags from the burden person index (idempotent; run daily from cron)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to run for, YYYY-MM-DD (default: today)")

    def handle(self, *args, **options):
        today = None
        if options.get("today"):
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as error:
                raise CommandError("--today is a date, YYYY-MM-DD") from error
        raised = overload_flags_refresh(today=today)
        self.stdout.write(f"overload flags raised: {len(raised)}")
