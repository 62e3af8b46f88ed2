"""`qingche appraisal simulate --input cycle.json [--output result.json]`: the what-if run.

Runs the same scoring engine as a real cycle on a JSON file, so that an organization department
can try a scheme before using it. Bad input exits non-zero with a message naming the problem."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qingche.appraisal.simulate import SimulationInputError, simulate


class Command(BaseCommand):
    help = "Appraisal tools. `simulate`: score a cycle given as a JSON file (what-if)."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="{simulate}")
        run = commands.add_parser(
            "simulate",
            help="score a cycle given as JSON (see docs/appraisal-scoring.md) and write the results as JSON",
        )
        run.add_argument("--input", required=True, help="the cycle as a JSON file ('-' for standard input)")
        run.add_argument("--output", help="where to write the results (default: standard output)")

    def handle(self, *args, **options):
        if options["subcommand"] == "simulate":
            self._simulate(options["input"], options.get("output"))

    def _simulate(self, source: str, target: str | None) -> None:
        data = _load(source)
        try:
            result = simulate(data)
        except SimulationInputError as error:
            raise CommandError(f"{source}: {error.message}") from error
        text = json.dumps(result, ensure_ascii=False, indent=1)
        if target:
            try:
                Path(target).write_text(text + "\n", encoding="utf-8")
            except OSError as error:
                raise CommandError(f"cannot write {target}: {error.strerror}") from error
            summary = {"people": len(result["results"]), "rater_flags": len(result["rater_flags"]), "output": target}
            self.stderr.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(text)


def _load(source: str):
    try:
        raw = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise CommandError(f"input file not found: {source}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read {source}: {error}") from error
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"{source}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error
