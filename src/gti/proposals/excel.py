"""Proposals in Excel, as the teams work today: a template with drop-down lists, and an import
that takes a filled file whole or not at all, naming sheet, row and column of every problem.

Three sheets hold the proposals: `Voorstellen` (one row each, numbered in column A),
`Indicatoren` and `Principes` (rows that point at a proposal by its number). `Lijsten` holds the
values of the drop-down lists.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from gti.accounts import permissions
from gti.errors import Invalid, Refused
from gti.proposals import rules
from gti.proposals.models import BudgetLine, Call, CoFinancing, Proposal
from gti.proposals.services import is_open, save_proposal
from gti.proposals.services.proposals import strategy_in_force, validate
from gti.strategy.models import Indicator, SpecificObjective, Strategy

PROPOSALS, INDICATORS, PRINCIPLES, LISTS = "Voorstellen", "Indicatoren", "Principes", "Lijsten"

# (key, header): the order is the column order of the Voorstellen sheet.
COLUMNS = [
    ("nr", "Nr"),
    ("title", "Titel"),
    ("promoter", "Promotor"),
    ("contact_name", "Contactpersoon"),
    ("contact_email", "E-mail contactpersoon"),
    ("contact_phone", "Telefoon contactpersoon"),
    ("city_role", "Rol van de stad"),
    ("summary", "Samenvatting"),
    ("description", "Beschrijving"),
    ("theme", "Thema"),
    ("specific_objective", "Specifieke doelstelling"),
    ("areas", "Gebieden (komma's)"),
    ("start_date", "Start (JJJJ-MM-DD)"),
    ("end_date", "Einde (JJJJ-MM-DD)"),
    *[(f"cost_{c}", f"Kost {label}") for c, label in BudgetLine.Category.choices],
    ("erdf_rate", "EFRO-percentage (%)"),
    ("erdf_requested", "Gevraagde EFRO-steun"),
    *[(f"co_{s}", f"Cofinanciering {label}") for s, label in CoFinancing.Source.choices],
    ("research_infrastructure", "Louter onderzoeksinfrastructuur (ja/nee)"),
    ("policy_references", "Beleidsverwijzingen (komma's)"),
]
INDICATOR_COLUMNS = [("nr", "Voorstel nr"), ("indicator", "Indicator"), ("baseline", "Beginwaarde"),
                     ("target", "Streefwaarde")]  # fmt: skip
PRINCIPLE_COLUMNS = [("nr", "Voorstel nr"), ("principle", "Principe"), ("text", "Motivering")]
ROLES = [v for v, _label in Proposal.CityRole.choices]
HEADER = Font(bold=True)
FILL = PatternFill("solid", fgColor="DDE7F0")


def _column(columns, key) -> str:
    return get_column_letter([k for k, _h in columns].index(key) + 1)


def write_template(path: Path | IO[bytes], strategies: list[Strategy]) -> None:
    """An empty workbook with headers and drop-down lists from the given strategies."""
    wb = Workbook()
    sheets = {
        PROPOSALS: (wb.active, COLUMNS),
        INDICATORS: (wb.create_sheet(INDICATORS), INDICATOR_COLUMNS),
        PRINCIPLES: (wb.create_sheet(PRINCIPLES), PRINCIPLE_COLUMNS),
    }
    wb.active.title = PROPOSALS
    for ws, columns in sheets.values():
        ws.append([header for _k, header in columns])
        for cell in ws[1]:
            cell.font, cell.fill = HEADER, FILL
        for i in range(1, len(columns) + 1):
            ws.column_dimensions[get_column_letter(i)].width = 22
        ws.freeze_panes = "A2"

    programme = strategies[0].programme
    lists = {
        "Thema": sorted({t.code for s in strategies for t in s.themes.all()}),
        "Specifieke doelstelling": list(
            SpecificObjective.objects.filter(priority__programme=programme).values_list(
                "code", flat=True
            )
        ),
        "Gebied": [a.code for s in strategies for a in s.areas.all()],
        "Indicator": list(
            Indicator.objects.filter(programme=programme).values_list("code", flat=True)
        ),
        "Principe": [p.code for s in strategies for p in s.principles.all()],
        "Rol van de stad": ROLES,
        "Kostencategorie": list(BudgetLine.Category.values),
        "Ja/nee": ["ja", "nee"],
    }
    ws = wb.create_sheet(LISTS)
    ranges = {}
    for col, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(col)
        ws.cell(row=1, column=col, value=name).font = HEADER
        for row, value in enumerate(values, start=2):
            ws.cell(row=row, column=col, value=value)
        ranges[name] = f"{LISTS}!${letter}$2:${letter}${len(values) + 1}"

    def dropdown(sheet, columns, key, list_name):
        letter = _column(columns, key)
        dv = DataValidation(type="list", formula1=ranges[list_name], allow_blank=True)
        dv.error = _("Choose a value from the list.")
        sheet.add_data_validation(dv)
        dv.add(f"{letter}2:{letter}1000")

    proposals = sheets[PROPOSALS][0]
    dropdown(proposals, COLUMNS, "theme", "Thema")
    dropdown(proposals, COLUMNS, "specific_objective", "Specifieke doelstelling")
    dropdown(proposals, COLUMNS, "city_role", "Rol van de stad")
    dropdown(proposals, COLUMNS, "research_infrastructure", "Ja/nee")
    dropdown(sheets[INDICATORS][0], INDICATOR_COLUMNS, "indicator", "Indicator")
    dropdown(sheets[PRINCIPLES][0], PRINCIPLE_COLUMNS, "principle", "Principe")
    wb.save(path)


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self):
        return f"{self.sheet}!{self.column}{self.row}: {self.message}"


class ImportRefused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(ws, columns):
    """(row number, {key: text}) for each row that has anything in it."""
    headers = [_text(c.value) for c in ws[1]][: len(columns)]
    expected = [h for _k, h in columns]
    if headers != expected:
        raise ImportRefused(
            [
                Problem(
                    ws.title,
                    1,
                    "A",
                    _("the header row is not the template's: %(h)s") % {"h": ", ".join(expected)},
                )
            ]  # fmt: skip
        )
    for n, row in enumerate(ws.iter_rows(min_row=2, max_col=len(columns), values_only=True), 2):
        values = {key: _text(v) for (key, _h), v in zip(columns, row, strict=False)}
        if any(values.values()):
            yield n, values


def _amount(text: str, where: tuple, problems: list[Problem]) -> Decimal | None:
    if not text:
        return None
    try:
        return Decimal(text.replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation:
        problems.append(Problem(*where, _("not a number: %(value)s") % {"value": text}))
        return None


def read(path: Path | IO[bytes]) -> tuple[list[tuple[int, dict, dict]], list[Problem]]:
    """Parse the workbook into proposal inputs; every problem is collected, none raised."""
    problems: list[Problem] = []
    try:
        wb = load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        return [], [Problem("-", 0, "-", _("not an Excel workbook: %(e)s") % {"e": exc})]
    for name in (PROPOSALS, INDICATORS, PRINCIPLES):
        if name not in wb.sheetnames:
            problems.append(Problem(name, 0, "-", _("sheet missing")))
    if problems:
        return [], problems
    try:
        proposal_rows = list(_rows(wb[PROPOSALS], COLUMNS))
        indicator_rows = list(_rows(wb[INDICATORS], INDICATOR_COLUMNS))
        principle_rows = list(_rows(wb[PRINCIPLES], PRINCIPLE_COLUMNS))
    except ImportRefused as exc:
        return [], exc.problems

    parsed = []
    by_nr: dict[str, tuple[dict, dict]] = {}
    for row, v in proposal_rows:
        col = lambda key: _column(COLUMNS, key)  # noqa: E731
        where = {"row": row}
        data = {
            k: v[k]
            for k in (
                "title",
                "promoter",
                "contact_name",
                "contact_phone",
                "summary",
                "description",
                "start_date",
                "end_date",
            )  # fmt: skip
        }
        data["contact_email"] = v["contact_email"] or None
        data["city_role"] = v["city_role"] or None
        data["theme"] = v["theme"] or None
        data["specific_objective"] = v["specific_objective"] or None
        data["start_date"] = v["start_date"] or None
        data["end_date"] = v["end_date"] or None
        data["areas"] = [a.strip() for a in v["areas"].split(",") if a.strip()]
        data["policy_references"] = [
            r.strip() for r in v["policy_references"].split(",") if r.strip()
        ]
        data["research_infrastructure"] = v["research_infrastructure"].lower() in {
            "ja",
            "yes",
            "1",
            "true",
        }
        rate = _amount(v["erdf_rate"], (PROPOSALS, row, col("erdf_rate")), problems)
        data["erdf_rate"] = str(rate / 100) if rate is not None else "0"
        erdf = _amount(v["erdf_requested"], (PROPOSALS, row, col("erdf_requested")), problems)
        data["erdf_requested"] = str(erdf or 0)
        data["budget_lines"], data["co_financing"] = [], []
        where["lines"], where["co"] = [], []
        for category in BudgetLine.Category.values:
            amount = _amount(
                v[f"cost_{category}"], (PROPOSALS, row, col(f"cost_{category}")), problems
            )
            if amount is not None:
                data["budget_lines"].append({"category": category, "amount": str(amount)})
                where["lines"].append(col(f"cost_{category}"))
        for source in CoFinancing.Source.values:
            amount = _amount(v[f"co_{source}"], (PROPOSALS, row, col(f"co_{source}")), problems)
            if amount is not None:
                data["co_financing"].append({"source": source, "amount": str(amount)})
                where["co"].append(col(f"co_{source}"))
        data["indicator_targets"], data["justifications"] = [], {}
        where["indicators"], where["principles"] = [], {}
        if not v["nr"]:
            problems.append(Problem(PROPOSALS, row, "A", _("give each proposal a number")))
        elif v["nr"] in by_nr:
            problems.append(Problem(PROPOSALS, row, "A", _("number used twice")))
        by_nr[v["nr"]] = (data, where)
        parsed.append((row, data, where))
    for row, v in indicator_rows:
        if v["nr"] not in by_nr:
            problems.append(Problem(INDICATORS, row, "A", _("no proposal with this number")))
            continue
        data, where = by_nr[v["nr"]]
        target = _amount(v["target"], (INDICATORS, row, "D"), problems)
        baseline = _amount(v["baseline"], (INDICATORS, row, "C"), problems)
        data["indicator_targets"].append(
            {
                "indicator": v["indicator"],
                "baseline": str(baseline or 0),
                "target": str(target or 0),
            }
        )
        where["indicators"].append(row)
    for row, v in principle_rows:
        if v["nr"] not in by_nr:
            problems.append(Problem(PRINCIPLES, row, "A", _("no proposal with this number")))
            continue
        data, where = by_nr[v["nr"]]
        data["justifications"][v["principle"]] = v["text"]
        where["principles"][v["principle"]] = row
    return parsed, problems


def _place(field: str, row: int, where: dict) -> tuple[str, int, str]:
    """Sheet, row and column of a service error path for one proposal."""
    index = int(field.split("[")[1].split("]")[0]) if "[" in field else None
    if field.startswith("budget_lines[") and index is not None:
        return PROPOSALS, row, where["lines"][index]
    if field.startswith("co_financing[") and index is not None:
        return PROPOSALS, row, where["co"][index]
    if field.startswith("indicator_targets[") and index is not None:
        return INDICATORS, where["indicators"][index], "B"
    if field.startswith("justifications."):
        code = field.split(".", 1)[1]
        if code in where["principles"]:
            return PRINCIPLES, where["principles"][code], "B"
        return PRINCIPLES, 0, "C"
    key = field.split("[")[0]
    key = {"co_financing": "co_city", "budget_lines": "cost_staff",
           "indicator_targets": "nr"}.get(key, key)  # fmt: skip
    keys = [k for k, _h in COLUMNS]
    return PROPOSALS, row, _column(COLUMNS, key) if key in keys else "A"


def import_file(path: Path | IO[bytes], call: Call, *, by, progress=None) -> list[Proposal]:
    """Import every proposal of the file as a draft in `call`, or none: ImportRefused lists
    each problem with its sheet, row and column."""
    permissions.require(by, "proposal.create", call)
    if not is_open(call):
        raise Refused(_("The call %(call)s is not open.") % {"call": call})
    if call.rules.pre_registration or call.city_id is None:
        raise Refused(
            _("Proposals of %(call)s are opened one by one from their pre-registrations.")
            % {"call": call}
        )
    strategy = strategy_in_force(call.city, call.programme)
    parsed, problems = read(path)
    for row, data, where in parsed:
        try:
            validate(call, strategy, data, rules.Stage.SAVE)
        except Invalid as exc:
            for field, messages in exc.errors.items():
                for message in messages:
                    problems.append(Problem(*_place(field, row, where), f"{field}: {message}"))
    if problems:
        raise ImportRefused(sorted(problems, key=lambda p: (p.sheet, p.row, p.column)))
    created = []
    with transaction.atomic():
        for n, (_row, data, _where) in enumerate(parsed, 1):
            created.append(save_proposal(call, data, by=by))
            if progress:
                progress(n, len(parsed))
    return created
