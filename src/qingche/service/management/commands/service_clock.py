import json

from django.core.management.base import BaseCommand

from qingche.core.audit import audit_context
from qingche.service import services


class Command(BaseCommand):
    help = (
        "Send the reminders and escalations (督办) that citizen requests' stored deadlines call for, and "
        "register any Open311 submission still waiting. Idempotent: run it from a timer every few minutes; "
        "each notice is sent once."
    )

    def handle(self, *args, **options):
        with audit_context(actor_name="system:service_clock"):
            sent = services.clock_run()
        sent["open311_registered"] = services.open311_submissions_register()
        self.stdout.write(json.dumps(sent))
