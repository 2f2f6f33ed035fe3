"""Proposals in Excel, as the teams work today: a template with drop-down lists, and an import
that takes a filled file whole or not at all, naming sheet, row and column of every problem.

The proposals are in `Voorstellen` (one row each, numbered in column A); `Partners`, `Kosten`,
`Indicatoren` and `Principes` hold rows that point at a proposal by its number. The cost columns of
`Voorstellen` are eligible real-cost lines; a line with another cost option (flat rate, unit cost,
lump sum) or an ineligible one goes in `Kosten`. `Lijsten` holds the values of the drop-down lists.

An uploaded file is checked before it is opened (size, and the uncompressed size of the xlsx's
zip members, against zip bombs), read streaming (`read_only`), and each sheet has a row limit.
"""

from __future__ import annotations

import datetime
import os
import zipfile
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

PROPOSALS, PARTNERS, COSTS = "Voorstellen", "Partners", "Kosten"
INDICATORS, PRINCIPLES, LISTS = "Indicatoren", "Principes", "Lijsten"

# Limits on an uploaded workbook: a worker must never read an unbounded file.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1000  # per sheet, header included; the template's drop-down lists reach row 1000

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
    ("urban_angle", "Stedelijke invalshoek"),
    ("additionality", "Additionaliteit"),
    ("theme", "Thema"),
    ("specific_objective", "Specifieke doelstelling"),
    ("areas", "Gebieden (komma's)"),
    ("whole_city", "Hele stad (ja/nee)"),
    ("start_date", "Start (JJJJ-MM-DD)"),
    ("end_date", "Einde (JJJJ-MM-DD)"),
    *[(f"cost_{c}", f"Kost {label}") for c, label in BudgetLine.Category.choices],
    ("erdf_rate", "EFRO-percentage (%)"),
    ("erdf_requested", "Gevraagde EFRO-steun"),
    *[(f"co_{s}", f"Cofinanciering {label}") for s, label in CoFinancing.Source.choices],
    ("research_infrastructure", "Louter onderzoeksinfrastructuur (ja/nee)"),
    ("state_aid", "Staatssteun (ja/nee)"),
    ("policy_references", "Beleidsverwijzingen (komma's)"),
]
PARTNER_COLUMNS = [("nr", "Voorstel nr"), ("name", "Naam"), ("legal_form", "Rechtsvorm"),
                   ("country", "Land (2 letters)"), ("enterprise_number", "Ondernemingsnummer"),
                   ("legal_personality", "Rechtspersoonlijkheid (ja/nee)"),
                   ("share", "Aandeel in de begroting (%)")]  # fmt: skip
COST_COLUMNS = [("nr", "Voorstel nr"), ("category", "Kostencategorie"),
                ("description", "Omschrijving"), ("cost_option", "Kostenoptie"),
                ("eligible", "Subsidiabel (ja/nee)"), ("units", "Aantal eenheden"),
                ("unit_rate", "Prijs per eenheid"), ("flat_rate", "Forfait (%)"),
                ("flat_rate_base", "Forfait van"), ("amount", "Bedrag")]  # fmt: skip
INDICATOR_COLUMNS = [("nr", "Voorstel nr"), ("indicator", "Indicator"),
                     ("baseline", "Referentiewaarde"), ("target", "Streefwaarde")]  # fmt: skip
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
        PARTNERS: (wb.create_sheet(PARTNERS), PARTNER_COLUMNS),
        COSTS: (wb.create_sheet(COSTS), COST_COLUMNS),
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
        "Kostenoptie": list(BudgetLine.CostOption.values),
        "Forfait van": list(BudgetLine.FlatRateBase.values),
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
    dropdown(proposals, COLUMNS, "state_aid", "Ja/nee")
    dropdown(proposals, COLUMNS, "whole_city", "Ja/nee")
    dropdown(sheets[PARTNERS][0], PARTNER_COLUMNS, "legal_personality", "Ja/nee")
    costs = sheets[COSTS][0]
    dropdown(costs, COST_COLUMNS, "category", "Kostencategorie")
    dropdown(costs, COST_COLUMNS, "cost_option", "Kostenoptie")
    dropdown(costs, COST_COLUMNS, "eligible", "Ja/nee")
    dropdown(costs, COST_COLUMNS, "flat_rate_base", "Forfait van")
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
    """(row number, {key: text}) for each row that has anything in it; at most MAX_ROWS rows."""
    declared = ws.max_row if isinstance(ws.max_row, int) else 0
    if declared > MAX_ROWS:
        raise ImportRefused([_too_many_rows(ws.title, declared)])
    first = next(ws.iter_rows(min_row=1, max_row=1, max_col=len(columns), values_only=True), ())
    headers = [_text(v) for v in first][: len(columns)]
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
        if n > MAX_ROWS:  # the sheet did not declare its size, or declared it wrongly
            raise ImportRefused([_too_many_rows(ws.title, n)])
        values = {key: _text(v) for (key, _h), v in zip(columns, row, strict=False)}
        if any(values.values()):
            yield n, values


def _too_many_rows(sheet: str, rows: int) -> Problem:
    return Problem(
        sheet,
        0,
        "-",
        _("the sheet has %(rows)s rows; at most %(max)s are read")
        % {"rows": rows, "max": MAX_ROWS},
    )


def _size(source) -> int:
    if isinstance(source, str | os.PathLike):
        return os.path.getsize(source)
    if getattr(source, "size", None) is not None:  # an uploaded file
        return source.size
    position = source.tell()
    end = source.seek(0, os.SEEK_END)
    source.seek(position)
    return end


def _too_big(source) -> str | None:
    """Why the file must not be opened, or None: checked on the zip directory, unpacking nothing."""
    size = _size(source)
    if size > MAX_FILE_BYTES:
        return _("the file is %(size)s MB; at most %(max)s MB is accepted") % {
            "size": round(size / 1024 / 1024, 1),
            "max": MAX_FILE_BYTES // 1024 // 1024,
        }
    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        return _("not an Excel workbook: %(e)s") % {"e": exc}
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        return _("the workbook unpacks to %(size)s MB; at most %(max)s MB is accepted") % {
            "size": round(unpacked / 1024 / 1024, 1),
            "max": MAX_UNCOMPRESSED_BYTES // 1024 // 1024,
        }
    return None


def _yes(text: str) -> bool:
    return text.strip().lower() in {"ja", "yes", "1", "true"}


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
    refused = _too_big(path)
    if refused:
        return [], [Problem("-", 0, "-", refused)]
    try:
        wb = load_workbook(path, data_only=True, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        return [], [Problem("-", 0, "-", _("not an Excel workbook: %(e)s") % {"e": exc})]
    try:
        return _read(wb)
    finally:
        wb.close()


def _read(wb) -> tuple[list[tuple[int, dict, dict]], list[Problem]]:
    problems: list[Problem] = []
    for name in (PROPOSALS, PARTNERS, COSTS, INDICATORS, PRINCIPLES):
        if name not in wb.sheetnames:
            problems.append(Problem(name, 0, "-", _("sheet missing")))
    if problems:
        return [], problems
    try:
        proposal_rows = list(_rows(wb[PROPOSALS], COLUMNS))
        partner_rows = list(_rows(wb[PARTNERS], PARTNER_COLUMNS))
        cost_rows = list(_rows(wb[COSTS], COST_COLUMNS))
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
                "urban_angle",
                "additionality",
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
        for key in ("research_infrastructure", "state_aid", "whole_city"):
            data[key] = _yes(v[key])
        rate = _amount(v["erdf_rate"], (PROPOSALS, row, col("erdf_rate")), problems)
        data["erdf_rate"] = str(rate / 100) if rate is not None else "0"
        erdf = _amount(v["erdf_requested"], (PROPOSALS, row, col("erdf_requested")), problems)
        data["erdf_requested"] = str(erdf or 0)
        data["budget_lines"], data["co_financing"], data["partners"] = [], [], []
        where["lines"], where["co"], where["partners"] = [], [], []
        for category in BudgetLine.Category.values:
            amount = _amount(
                v[f"cost_{category}"], (PROPOSALS, row, col(f"cost_{category}")), problems
            )
            if amount is not None:
                data["budget_lines"].append({"category": category, "amount": str(amount)})
                where["lines"].append((PROPOSALS, row, col(f"cost_{category}"), None))
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

    def owner(sheet, row, v):
        if v["nr"] not in by_nr:
            problems.append(Problem(sheet, row, "A", _("no proposal with this number")))
            return None, None
        return by_nr[v["nr"]]

    for row, v in partner_rows:
        data, where = owner(PARTNERS, row, v)
        if data is None:
            continue
        share = _amount(v["share"], (PARTNERS, row, _column(PARTNER_COLUMNS, "share")), problems)
        data["partners"].append(
            {
                "name": v["name"],
                "legal_form": v["legal_form"],
                "country": v["country"] or "BE",
                "enterprise_number": v["enterprise_number"],
                "legal_personality": _yes(v["legal_personality"] or "ja"),
                "share": str((share or 0) / 100),
            }
        )
        where["partners"].append(row)
    for row, v in cost_rows:
        data, where = owner(COSTS, row, v)
        if data is None:
            continue
        number = {
            key: _amount(v[key], (COSTS, row, _column(COST_COLUMNS, key)), problems)
            for key in ("units", "unit_rate", "flat_rate", "amount")
        }
        flat = number["flat_rate"]
        data["budget_lines"].append(
            {
                "category": v["category"],
                "description": v["description"],
                "cost_option": v["cost_option"] or "real",
                "eligible": _yes(v["eligible"] or "ja"),
                "units": None if number["units"] is None else str(number["units"]),
                "unit_rate": None if number["unit_rate"] is None else str(number["unit_rate"]),
                "flat_rate": None if flat is None else str(flat / 100),
                "flat_rate_base": v["flat_rate_base"] or None,
                "amount": None if number["amount"] is None else str(number["amount"]),
            }
        )
        where["lines"].append((COSTS, row, None, COST_COLUMNS))
    for row, v in indicator_rows:
        data, where = owner(INDICATORS, row, v)
        if data is None:
            continue
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
        data, where = owner(PRINCIPLES, row, v)
        if data is None:
            continue
        data["justifications"][v["principle"]] = v["text"]
        where["principles"][v["principle"]] = row
    return parsed, problems


def _place(field: str, row: int, where: dict) -> tuple[str, int, str]:
    """Sheet, row and column of a service error path for one proposal."""
    index = int(field.split("[")[1].split("]")[0]) if "[" in field else None
    sub = field.split(".", 1)[1] if "]." in field else None
    if field.startswith("budget_lines[") and index is not None:
        sheet, line_row, column, columns = where["lines"][index]
        if columns is not None:  # a row of the Kosten sheet
            keys = [k for k, _h in columns]
            column = _column(columns, sub if sub in keys else "amount")
        return sheet, line_row, column
    if field.startswith("partners[") and index is not None and index < len(where["partners"]):
        keys = [k for k, _h in PARTNER_COLUMNS]
        column = _column(PARTNER_COLUMNS, sub if sub in keys else "name")
        return PARTNERS, where["partners"][index], column
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
           "indicator_targets": "nr", "partners": "nr"}.get(key, key)  # fmt: skip
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
