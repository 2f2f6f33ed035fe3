"""The `gti` command: the project's manage.py, every management command is a subcommand."""

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["pb"]:
        # A pure computation that researchers run on many files needs no site: without Django's
        # start-up and system checks it starts in a tenth of a second instead of seconds.
        from gti.participation import cli

        sys.exit(cli.main(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gti.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
