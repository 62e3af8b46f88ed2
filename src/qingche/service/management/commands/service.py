"""`qingche service <subcommand>`: the request classifier from the command line (docs/classify.md)."""

import json
import statistics

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from qingche.core.audit import audit_context
from qingche.service import rules

# The classifier (numpy, scikit-learn) and openpyxl are imported in the subcommands that use them, so the
# others and `qingche help` start fast.


class Command(BaseCommand):
    help = "Citizen-request tools: classify messages, build, list and restore classifier versions, reply report."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        classify = sub.add_parser("classify", help="Suggest categories for the `text` column of a UTF-8 CSV.")
        classify.add_argument("--input", required=True)
        classify.add_argument("--output", required=True)
        build = sub.add_parser(
            "classifier-build", help="Train a new classifier version and store it with its evaluation."
        )
        build.add_argument("--with-requests", action="store_true", help="also learn from the county's closed requests")
        build.add_argument(
            "--self-training",
            type=float,
            metavar="MARGIN",
            help="also self-train on the unlabelled shared messages the model is sure about "
            "(decision margin above MARGIN; off by default, see docs/classify.md)",
        )
        build.add_argument(
            "--replace-county",
            action="store_true",
            help="make the new version current even if the current one learned from the county",
        )
        sub.add_parser("classifier-versions", help="List the stored versions and their figures.")
        sub.add_parser(
            "reply-report",
            help="Score the real replies of the shared data (附件4) with the reply-quality check: distribution, "
            "share of each part said, and the best and worst (docs/reply-quality.md).",
        )
        restore = sub.add_parser(
            "classifier-restore", help="Make a stored version current again (default: the one before the current)."
        )
        restore.add_argument("version", nargs="?")

    def handle(self, *args, subcommand, **options):
        try:
            getattr(self, "do_" + subcommand.replace("-", "_"))(**options)
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None

    def do_reply_report(self, **_):
        from qingche.service.classify.data import taidi_dir

        path = taidi_dir() / "附件4.xlsx"
        if not path.exists():
            raise CommandError(f"{path} is missing: the report reads the shared data's replies.")
        self.stdout.write(json.dumps(_reply_report(path), ensure_ascii=False, indent=1))

    def do_classify(self, *, input, output, **_):
        from qingche.service.classify import NoModel, csvio, suggest_many

        header, rows = csvio.read_messages(input)
        try:
            count = csvio.write_predictions(output, header, rows, suggest_many)
        except NoModel:
            raise CommandError(_no_model()) from None
        except OSError as error:
            raise CommandError(f"{output}: {error.strerror}") from None
        self.stderr.write(f"{count} messages classified into {output}")

    def do_classifier_build(self, *, with_requests, self_training, replace_county, **_):
        from qingche.service.classify import services
        from qingche.service.classify.model import Params

        with audit_context(actor_name="system:service classifier-build"):
            result = services.classifier_build(
                None,
                with_requests=with_requests,
                params=Params(self_training_margin=self_training),
                replace_county=replace_county or with_requests,
            )
        held = result["held_out"]
        self.stdout.write(
            f"version {result['version']}{' (current)' if result['current'] else ''}: "
            f"held-out macro-F1 {held.get('macro_f1')} on {held.get('messages')} messages, "
            f"{result['training_seconds']} s"
        )

    def do_classifier_versions(self, **_):
        from qingche.service.classify import store

        for version in store.versions():
            evaluation = version.evaluation
            self.stdout.write(
                f"{'*' if version.current else ' '} {version.name}  {evaluation.get('source', '?'):14} "
                f"macro-F1 {evaluation.get('held_out', {}).get('macro_f1')}"
            )

    def do_classifier_restore(self, *, version, **_):
        from qingche.service.classify import services

        with audit_context(actor_name="system:service classifier-restore"):
            name = services.classifier_restore(None, version)
        self.stdout.write(f"current version: {name}")


def _reply_report(path) -> dict:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    checked = []
    for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True):
        subject, text, reply = (str(value or "") for value in (row[2], row[4], row[5]))
        checked.append((rules.reply_quality(subject + text, reply), subject.strip(), " ".join(reply.split())))
    workbook.close()
    scores = sorted(check.score for check, _subject, _reply in checked)
    checked.sort(key=lambda entry: entry[0].score)
    example = lambda entry: {"score": entry[0].score, "subject": entry[1][:40], "reply": entry[2][:160]}  # noqa: E731
    return {
        "replies": len(scores),
        "mean": round(statistics.mean(scores), 1),
        "deciles": [round(value, 1) for value in statistics.quantiles(scores, n=10)],
        "bands": {f"{low}-{low + 19}": sum(1 for s in scores if low <= s < low + 20) for low in range(0, 100, 20)},
        "parts_said": {
            name: round(sum(check.parts[name] for check, *_ in checked) / len(checked), 3) for name in rules.REPLY_PARTS
        },
        "worst": [example(entry) for entry in checked[:3]],
        "best": [example(entry) for entry in checked[-3:]],
    }


def _no_model() -> str:
    return _("No classifier has been built yet: run `make model` (or `qingche service classifier-build`).")
