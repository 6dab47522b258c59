"""The report as CSV or XLSX: exactly the figures the page shows, withheld ones withheld.

The same filters over the same stored figures give the same bytes, so the SHA-256 shown
before the download is the digest of the file that arrives: the workbook's own dates and
its archive's timestamps are those of the figures' refresh, not of the moment of export.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from lantern.reports.tables import Table

COLUMNS = ("table", "scope", "month", "category", "count", "withheld")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Export:
    data: bytes
    format: str
    rows: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def filename(self) -> str:
        return f"program-report.{self.format}"


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def rows(tables: Sequence[Table], scope: str) -> Iterator[tuple[str, str, str, str, int | None]]:
    for table in tables:
        for month, column, figure in table.flat():
            yield _text(table.title), _text(scope), month, _text(column), figure


def to_csv(tables: Sequence[Table], scope: str) -> Export:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for title, where, month, column, figure in rows(tables, scope):
        writer.writerow(
            [
                title,
                where,
                month,
                column,
                "" if figure is None else figure,
                "yes" if figure is None else "",
            ]
        )
        count += 1
    return Export(buffer.getvalue().encode("utf-8"), "csv", count)


def to_xlsx(tables: Sequence[Table], scope: str, as_of: datetime.datetime) -> Export:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Program report"
    sheet.append(COLUMNS)
    count = 0
    for title, where, month, column, figure in rows(tables, scope):
        sheet.append([title, where, month, column, figure, "yes" if figure is None else ""])
        count += 1
    moment = as_of.astimezone(datetime.UTC).replace(tzinfo=None, microsecond=0)
    workbook.properties.created = workbook.properties.modified = moment
    workbook.properties.creator = "Lantern"
    buffer = io.BytesIO()
    # ``Workbook.save`` would stamp the time of saving into the file: write it directly.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return Export(_steady_archive(buffer.getvalue(), moment), "xlsx", count)


def _steady_archive(data: bytes, moment: datetime.datetime) -> bytes:
    """The same archive with every member dated ``moment`` (zip keeps the time of writing)."""
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, 0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(member.filename))
    return out.getvalue()
