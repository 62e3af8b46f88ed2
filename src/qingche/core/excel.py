"""Excel in and out (openpyxl). Imports are checked whole before anything is saved."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from qingche.core.rules import format_size

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 100_000


@dataclass
class RowError:
    row: int  # the row number as Excel shows it
    column: str
    message: str


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def add_error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, str(message)))


def write_xlsx(headers: list[str], rows, sheet_title: str = "Sheet1") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append([str(header) for header in headers])
    for row in rows:
        sheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] and value[:1] in "=+-@":
        return "'" + value  # never let a cell become a formula (CSV/Excel injection)
    return value if isinstance(value, int | float) or hasattr(value, "isoformat") else str(value)


def xlsx_response(filename: str, headers: list[str], rows, sheet_title: str = "Sheet1") -> HttpResponse:
    response = HttpResponse(write_xlsx(headers, rows, sheet_title), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(filename: str) -> str:
    from urllib.parse import quote

    return quote(filename)


def read_xlsx(upload, columns: list[tuple[str, str]], *, optional: tuple[str, ...] = ()) -> list[tuple[int, dict]]:
    """Rows of the first sheet as (excel row number, {key: value}). `columns` are (key, header) in
    template order; the header row must hold exactly these headers (in any order), except that the
    columns whose keys are `optional` may be left out (a file made before they were added).

    Raises ValidationError with a message in the user's language for a file that is too big, is
    not an xlsx workbook, or has the wrong columns."""
    size = getattr(upload, "size", None)
    if size is not None and size > settings.QINGCHE_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is too large (at most %(size)s).") % {"size": format_size(settings.QINGCHE_MAX_UPLOAD_BYTES)}
        )
    data = upload.read()
    if not data.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValidationError(_("The file is not an Excel workbook (.xlsx)."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ValidationError(_("The file is not an Excel workbook (.xlsx).")) from error
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
    while header and not header[-1]:
        header.pop()
    expected = {title: key for key, title in columns}
    missing = [title for title, key in expected.items() if title not in header and key not in optional]
    unknown = [title for title in header if title and title not in expected]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing columns: %(cols)s") % {"cols": "、".join(missing)})
        if unknown:
            parts.append(_("unknown columns: %(cols)s") % {"cols": "、".join(unknown)})
        raise ValidationError(
            _("The columns do not match the template (%(detail)s). Download the template and fill it in.")
            % {"detail": "; ".join(parts)}
        )
    keys = [expected.get(title) for title in header]
    result = []
    for number, values in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            raise ValidationError(_("Too many rows (at most %(max)d).") % {"max": MAX_ROWS})
        if values is None or all(value is None or str(value).strip() == "" for value in values):
            continue
        record = {}
        for key, value in zip(keys, values, strict=False):
            if key:
                record[key] = "" if value is None else (value.strip() if isinstance(value, str) else value)
        result.append((number, record))
    workbook.close()
    return result
