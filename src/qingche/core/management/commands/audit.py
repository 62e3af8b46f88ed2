import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError

from qingche.core.audit import verify_chain
from qingche.core.models import AuditChainHead

ANCHOR_RE = re.compile(r"^([0-9]+):([0-9a-f]{64})$")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--since: {value!r} is not a date (YYYY-MM-DD)") from error


def _anchor(value: str) -> tuple[int, str]:
    match = ANCHOR_RE.match(value.strip().lower())
    if match is None:
        raise CommandError(f"--anchor: {value!r} is not LINK:HASH (the hash as 64 hex digits)")
    return int(match[1]), match[2]


class Command(BaseCommand):
    help = "The audit trail's hash chain: `audit verify` walks it, `audit anchor` prints its end."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        verify = commands.add_parser("verify", help="walk the chain; exit 1 naming every broken link")
        verify.add_argument("--since", type=_date, help="start at the first event of this day (YYYY-MM-DD)")
        verify.add_argument(
            "--anchor", type=_anchor, action="append", default=[], help="LINK:HASH noted earlier; must be in the chain"
        )
        commands.add_parser("anchor", help="print the end of the chain (link and hash) to note outside the system")

    def handle(self, *args, subcommand, **options):
        if subcommand == "anchor":
            head = AuditChainHead.objects.filter(pk=1).first()
            self.stdout.write(f"{head.seq}:{head.hash}" if head else "0:" + "0" * 64)
            return
        problems = verify_chain(since=options["since"], anchors=tuple(options["anchor"]))
        if problems:
            raise CommandError("the audit chain is broken:\n" + "\n".join(problems))
        self.stdout.write("The audit chain holds.")
