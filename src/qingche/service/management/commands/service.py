"""`qingche service <subcommand>`: the request classifier from the command line (docs/classify.md)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from qingche.core.audit import audit_context


class Command(BaseCommand):
    help = "Citizen-request tools: classify messages, build, list and restore classifier versions."

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
        restore = sub.add_parser(
            "classifier-restore", help="Make a stored version current again (default: the one before the current)."
        )
        restore.add_argument("version", nargs="?")

    def handle(self, *args, subcommand, **options):
        try:
            getattr(self, "do_" + subcommand.replace("-", "_"))(**options)
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None

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


def _no_model() -> str:
    from django.utils.translation import gettext as _

    return _("No classifier has been built yet: run `make model` (or `qingche service classifier-build`).")
