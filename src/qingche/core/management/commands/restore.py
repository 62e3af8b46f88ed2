from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qingche.core.audit import verify_chain
from qingche.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup of `qingche backup` into an empty database (and empty media directory), then check "
        "every table's count and checksum against its manifest and verify the audit chain."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, type=Path, help="the backup's directory")

    def handle(self, *args, input, **options):  # noqa: A002 - the option's name
        try:
            manifest, problems = restore(input)
        except BackupError as error:
            raise CommandError(str(error)) from error
        problems += verify_chain()
        if problems:
            raise CommandError("The restored data differs from the backup:\n" + "\n".join(problems))
        rows = sum(table["count"] for table in manifest["tables"].values())
        self.stdout.write(
            f"Restored {len(manifest['tables'])} tables ({rows} rows) and {manifest['media_files']} uploaded files "
            f"of {manifest['created_at']}: every count and checksum matches, and the audit chain holds."
        )
