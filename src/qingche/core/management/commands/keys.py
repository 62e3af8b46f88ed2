import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from qingche.core.keys import KEYS, new_key

NAMES = {key.filename: key for key in KEYS}


class Command(BaseCommand):
    help = (
        "Make a key on purpose: `qingche keys new field_key` writes a new key into var/ (mode 0600). "
        "Only for a key that is in neither the environment nor var/: a new key cannot read what the old one made."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        new = commands.add_parser("new", help="write a new key file")
        new.add_argument("name", choices=sorted(NAMES))

    def handle(self, *args, subcommand, name, **options):
        key = NAMES[name]
        path = Path(settings.VAR_DIR) / key.filename
        if os.environ.get(key.variable):
            raise CommandError(f"{key.variable} is set in the environment: that key is used, not a file.")
        if path.exists():
            raise CommandError(f"{path} already holds a key; move it away first if you really mean to replace it.")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key(key.kind))
        self.stdout.write(f"Wrote a new {key.setting} to {path}. Data made with an earlier key stays unreadable.")
