"""Small files of each accepted type, made here (no fixtures on disk)."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20


def ooxml(main: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(main, "<document/>")
    return out.getvalue()


def odf(mimetype: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        package.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


DOCX = ooxml("word/document.xml")
XLSX = ooxml("xl/workbook.xml")
ODT = odf("application/vnd.oasis.opendocument.text")
ODS = odf("application/vnd.oasis.opendocument.spreadsheet")


def upload(name="brief.pdf", content=PDF):
    return SimpleUploadedFile(name, content)
