"""`gti pb` as a management command, for `gti help` and `call_command`: gti/__main__.py runs
`gti pb` itself through gti.participation.cli without loading the site; both are that module."""

from django.core.management.base import BaseCommand, CommandError

from gti.participation import cli


class Command(BaseCommand):
    help = cli.HELP

    def add_arguments(self, parser):
        cli.add_arguments(parser)

    def handle(self, *args, **options):
        try:
            text = cli.run(**options)
        except cli.Refused as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(text, ending="")
