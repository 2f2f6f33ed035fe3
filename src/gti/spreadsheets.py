"""Cells of the workbooks the platform writes (the published list, the Excel export): text is
written as text, never as a formula, and without the control characters a workbook cannot hold,
whatever a person typed into a title or a summary."""

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def cell(sheet, value) -> WriteOnlyCell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    made = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        made.data_type = "s"  # "=…" stays text: a published file carries no formula
    return made
