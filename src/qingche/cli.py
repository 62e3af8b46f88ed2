"""The `qingche` command: `qingche demo`, `qingche serve`, and every Django management command."""

import os
import sys

from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingche.settings")

    args = list(sys.argv if argv is None else ["qingche", *argv])
    execute_from_command_line(args)


if __name__ == "__main__":  # pragma: no cover
    main()
