from django.core.management.base import BaseCommand, CommandError

from qingche.core import otp
from qingche.core.models import User


class Command(BaseCommand):
    help = (
        "Remove an account's second factor (authenticator and recovery codes) when both are lost; the "
        "account enrols again at its next log-in. Recorded in the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account named {username!r}")
        otp.reset(user)
        self.stdout.write(f"The second factor of {username} is removed; it enrols again at its next log-in.")
