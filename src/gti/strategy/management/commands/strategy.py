import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from gti.strategy import schema, services


class Command(BaseCommand):
    help = (
        "The programme and the cities' GTI strategies as data: validate the YAML files, load them "
        "into the database, show what is loaded."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        validate = sub.add_parser(
            "validate",
            help="Check strategy files; print FILE:PATH: problem for each problem; exit 1 if any.",
        )
        validate.add_argument("files", nargs="*", type=Path, help="default: the shipped files")
        load = sub.add_parser(
            "load",
            help="Load programme and strategies; unchanged files change nothing, a changed "
            "strategy becomes a new version awaiting its steering committee's approval (the "
            "version in force stays until then).",
        )
        load.add_argument("files", nargs="*", type=Path, help="default: the shipped files")
        show = sub.add_parser("show", help="Print the loaded programme and strategies.")
        show.add_argument("--city", help="only this city (code, e.g. antwerpen or gent)")
        show.add_argument("--format", choices=["text", "json"], default="text")
        show.add_argument("--language", choices=["nl", "en"], default="nl", help="for text")

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_validate(self, files, **options):
        paths = files or schema.default_files()
        _, problems = schema.validate_files(paths)
        for problem in problems:
            self.stdout.write(str(problem))
        if problems:
            sys.exit(1)
        self.stderr.write(f"{len(paths)} file(s) valid")

    def handle_load(self, files, **options):
        def progress(step):
            self.stderr.write(f"loaded {step}")

        try:
            results = services.load_files(files or None, progress=progress)
        except services.StrategyFileError as exc:
            for problem in exc.problems:
                self.stdout.write(str(problem))
            sys.exit(1)
        for r in results:
            state = "new version" if r.created else "unchanged"
            if r.awaiting:
                state += ", awaiting the steering committee's approval"
            self.stdout.write(f"{r.kind} {r.code}: version {r.version} ({state})")

    def handle_show(self, city, format, language, **options):
        if city and not services.current_strategies(city).exists():
            raise CommandError(f"--city: no loaded strategy for {city!r}")
        data = services.show(city)
        if data["programme"] is None:
            raise CommandError("nothing loaded yet: run `gti strategy load` first")
        if format == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        with translation.override(language):
            self.stdout.write(_as_text(data, language))


def _as_text(data: dict, lang: str) -> str:
    programme = data["programme"]
    lines = [f"{programme['name'][lang]} (v{programme['version']})"]
    for p in programme["priorities"]:
        lines.append(
            f"  {p['code']} ({p['reference']}, {float(p['share']):.0%}) {p['title'][lang]}"
        )
        for so in p["specific_objectives"]:
            lines.append(f"    {so['code']} {so['title'][lang]}")
            lines.extend(
                f"      {i['code']} [{i['kind']}, {i['unit'][lang]}] {i['name'][lang]}"
                for i in so["indicators"]
            )
    for s in data["strategies"]:
        lines += ["", f"{s['title'][lang]} (v{s['version']})"]
        for p in s["principles"]:
            flag = "" if p["mandatory"] else " (bij voorkeur)"
            lines.append(f"  {p['code']}{flag} {p['text'][lang]}")
        for t in s["themes"]:
            goals = "".join(f", SDG {g['number']}" for g in t["sdgs"])
            lines.append(f"  {t['name'][lang]}: {', '.join(t['specific_objectives'])}{goals}")
            lines.extend(f"    - {a[lang]}" for a in t["example_actions"])
        lines.append("  " + ", ".join(a["name"] for a in s["areas"]))
        lines.extend(f"  {a['name']}: {a['decision'][lang]}" for a in s["areas_not_admitted"])
    return "\n".join(lines)
