"""The evaluation contract's files: a UTF-8 CSV with a `text` column in, the same rows with `category`,
`confidence` and `category_path` out (docs/classify.md)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

OUTPUT_COLUMNS = ("category", "confidence", "category_path")
CHUNK = 1000


def read_messages(path: Path) -> tuple[list[str], list[dict]]:
    """(header, rows) of the input file; ValidationError when it is unreadable, not UTF-8, empty or has
    no `text` column."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise ValidationError(
            _("Cannot read the file %(path)s: %(error)s") % {"path": path, "error": error.strerror}
        ) from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not UTF-8 text: save it as CSV (UTF-8).")) from None
    if not content.strip():
        raise ValidationError(_("The file is empty."))
    reader = csv.DictReader(io.StringIO(content, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if "text" not in header:
        raise ValidationError(_("The file has no column named “text” in its first line."))
    reader.fieldnames = header
    rows = list(reader)
    if not rows:
        raise ValidationError(_("The file has a header but no messages."))
    return header, rows


def write_predictions(path: Path, header: list[str], rows: list[dict], suggest_many) -> int:
    """Write the rows with the three output columns (replacing any of the same name), all or nothing."""
    columns = [name for name in header if name not in OUTPUT_COLUMNS] + list(OUTPUT_COLUMNS)
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=".classify-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                for row, suggestion in zip(chunk, suggest_many([row.get("text") or "" for row in chunk]), strict=True):
                    row.update(
                        category=suggestion.category,
                        confidence=f"{suggestion.confidence:.4f}",
                        category_path=suggestion.path_text,
                    )
                    writer.writerow(row)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return len(rows)
