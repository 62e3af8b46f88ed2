"""Evidence files: the type is sniffed from the first bytes of the content, never taken from the name, and
the name's extension must agree with it. Pure apart from reading the upload."""

from __future__ import annotations

import io
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from qingche.core.rules import format_size

# sniffed type -> (content type, stored extension)
TYPES = {
    "jpeg": ("image/jpeg", "jpg"),
    "png": ("image/png", "png"),
    "gif": ("image/gif", "gif"),
    "webp": ("image/webp", "webp"),
    "pdf": ("application/pdf", "pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "mp4": ("video/mp4", "mp4"),
}
EXTENSIONS = {
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "png": "png",
    "gif": "gif",
    "webp": "webp",
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "mp4": "mp4",
}


def sniff(data: bytes) -> str | None:
    """The file's real type from its content, or None if it is none of the accepted types."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data[4:8] == b"ftyp":
        return "mp4"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" in names:
            if any(name.startswith("word/") for name in names):
                return "docx"
            if any(name.startswith("xl/") for name in names):
                return "xlsx"
    return None


def check_upload(upload, max_bytes: int) -> tuple[str, str, bytes]:
    """(content type, extension to store, bytes) of an accepted upload; ValidationError naming `files` otherwise."""
    name = getattr(upload, "name", "") or ""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            {"files": _("%(name)s is too large (at most %(size)s).") % {"name": name, "size": format_size(max_bytes)}}
        )
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            {"files": _("%(name)s is too large (at most %(size)s).") % {"name": name, "size": format_size(max_bytes)}}
        )
    if not data:
        raise ValidationError({"files": _("%(name)s is empty.") % {"name": name}})
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    claimed = EXTENSIONS.get(extension)
    if claimed is None:
        raise ValidationError(
            {
                "files": _(
                    "%(name)s: only photos (JPEG, PNG, GIF, WebP), PDF, Word (.docx), Excel "
                    "(.xlsx) and MP4 video are accepted."
                )
                % {"name": name}
            }
        )
    real = sniff(data)
    if real != claimed:
        raise ValidationError(
            {
                "files": _("%(name)s is not what its extension says: the content is not a %(ext)s file.")
                % {"name": name, "ext": extension.upper()}
            }
        )
    content_type, stored_extension = TYPES[real]
    return content_type, stored_extension, data
