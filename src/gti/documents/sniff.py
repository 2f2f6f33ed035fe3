"""What an uploaded file is, read from its content, never from its name alone.

Pure: `sniff(name, file)` reads the file's first bytes (and, for the zip-based office formats,
its table of contents) and answers the content type, or raises `NotAccepted` with the reason.
The extension says what the file claims to be; the content must agree, so a program renamed
`offer.pdf` is refused. No libmagic: the few accepted types are known by their first bytes.
"""

from __future__ import annotations

import zipfile

from django.utils.translation import gettext as _


class NotAccepted(ValueError):
    """The file is not one of the accepted types, or its content is not what its name says."""


# extension -> (content type, a name people know)
TYPES = {
    "pdf": ("application/pdf", "PDF"),
    "png": ("image/png", "PNG"),
    "jpg": ("image/jpeg", "JPEG"),
    "jpeg": ("image/jpeg", "JPEG"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word (DOCX)",
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (XLSX)"),
    "odt": ("application/vnd.oasis.opendocument.text", "OpenDocument text (ODT)"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "OpenDocument spreadsheet (ODS)"),
    "csv": ("text/csv", "CSV"),
    "txt": ("text/plain", "text"),
}
ACCEPTED = ", ".join(sorted({label for _type, label in TYPES.values()}))

SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}
# The part every OOXML package of that kind holds.
OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def sniff(name: str, file) -> str:
    """The content type of `file` (a binary file object, read from its start and rewound) whose
    person's name is `name`; `NotAccepted` when the type is not accepted or the content is
    not what the name says."""
    ext = extension(name)
    if ext not in TYPES:
        raise NotAccepted(_("files of this type are not accepted (accepted: %(types)s)")
                          % {"types": ACCEPTED})  # fmt: skip
    content_type, label = TYPES[ext]
    file.seek(0)
    try:
        if not _matches(ext, file):
            raise NotAccepted(
                _("the content is not a %(type)s file, as its name says") % {"type": label}
            )
    finally:
        file.seek(0)
    return content_type


def _matches(ext: str, file) -> bool:
    if ext in SIGNATURES:
        head = file.read(16)
        return any(head.startswith(s) for s in SIGNATURES[ext])
    if ext in OOXML_PART or ext in ("odt", "ods"):
        if file.read(4) != b"PK\x03\x04":
            return False
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as package:
                names = set(package.namelist())
                if ext in OOXML_PART:
                    return "[Content_Types].xml" in names and OOXML_PART[ext] in names
                # ODF: the first member `mimetype` holds the type, stored uncompressed.
                return (
                    "mimetype" in names
                    and package.read("mimetype").decode("ascii", "replace").strip() == TYPES[ext][0]
                )
        except (zipfile.BadZipFile, OSError, KeyError):
            return False
    # CSV and plain text: UTF-8 (a byte-order mark allowed), no NUL bytes.
    data = file.read()
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
