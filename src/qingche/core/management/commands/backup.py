from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qingche.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (consistent), the uploaded files and a manifest of every table's count and "
        "checksum into a new directory, encrypted with QINGCHE_BACKUP_KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, help="a new or empty directory")

    def handle(self, *args, output, **options):
        try:
            manifest = backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(table["count"] for table in manifest["tables"].values())
        self.stdout.write(
            f"Backed up {len(manifest['tables'])} tables ({rows} rows) and {manifest['media_files']} uploaded files "
            f"into {output}."
        )
