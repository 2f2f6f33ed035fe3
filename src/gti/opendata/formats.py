"""The list of operations written in open formats: CSV, JSON, XLSX and GeoJSON. Each writer
takes the rows of `operations.published` and a binary file; the values are the rows' own text
(money and rates as decimal text, dates ISO), the same in every format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from typing import IO

from openpyxl import Workbook

from gti.opendata.operations import COLUMNS, Operation, credit
from gti.spreadsheets import cell

FORMATS = ("csv", "json", "xlsx", "geojson")
EVERY = 200  # rows between two progress updates


def write(fmt: str, operations: Iterable[Operation], out: IO[bytes], progress: Callable) -> int:
    """Write `operations` to `out` in `fmt`; tell `progress(done)` as rows go; return the count."""
    counted = _counting(operations, progress)
    {"csv": _csv, "json": _json, "xlsx": _xlsx, "geojson": _geojson}[fmt](counted, out)
    return counted.done


class _counting:
    def __init__(self, operations, progress):
        self.operations, self.progress, self.done = operations, progress, 0

    def __iter__(self):
        for operation in self.operations:
            yield operation
            self.done += 1
            if self.done % EVERY == 0:
                self.progress(self.done)
        self.progress(self.done)


def _csv(operations, out):
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    for operation in operations:
        writer.writerow(operation.row().values())
    text.detach()


def _stream_list(items, out, before=b"[", after=b"]"):
    """A JSON list written item by item, so a long list never sits in memory whole."""
    out.write(before)
    for i, item in enumerate(items):
        out.write((b",\n" if i else b"\n") + json.dumps(item, ensure_ascii=False).encode())
    out.write(b"\n" + after + b"\n")


def _json(operations, out):
    _stream_list((o.row() for o in operations), out)


def _geojson(operations, out):
    features = (
        {"type": "Feature", "geometry": o.geometry, "properties": o.row()} for o in operations
    )
    # The boundaries' credit travels with them (a foreign member, RFC 7946 section 6.1).
    head = json.dumps({"type": "FeatureCollection", "attribution": credit()}, ensure_ascii=False)
    _stream_list(features, out, head[:-1].encode() + b', "features": [', b"]}")


def _xlsx(operations, out):
    book = Workbook(write_only=True)
    sheet = book.create_sheet("operations")
    sheet.append(list(COLUMNS))
    for operation in operations:
        sheet.append([cell(sheet, v) for v in operation.row().values()])
    book.save(out)
