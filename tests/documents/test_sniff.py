"""The content type is read from the content: what the name says must be what the file is."""

import io

import pytest

from gti.documents.sniff import NotAccepted, sniff
from tests.documents.files import DOCX, JPEG, ODS, ODT, PDF, PNG, XLSX


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("brief.pdf", PDF, "application/pdf"),
        ("foto.PNG", PNG, "image/png"),
        ("foto.jpg", JPEG, "image/jpeg"),
        ("foto.jpeg", JPEG, "image/jpeg"),
        ("offerte.docx", DOCX, "application/vnd.openxmlformats-officedocument."
                               "wordprocessingml.document"),
        ("begroting.xlsx", XLSX, "application/vnd.openxmlformats-officedocument."
                                 "spreadsheetml.sheet"),
        ("plan.odt", ODT, "application/vnd.oasis.opendocument.text"),
        ("cijfers.ods", ODS, "application/vnd.oasis.opendocument.spreadsheet"),
        ("lijst.csv", "naam;bedrag\nGroenplein;1 000,00 €\n".encode(), "text/csv"),
        ("nota.txt", "\ufeffÉén regel".encode(), "text/plain"),
    ],
)  # fmt: skip
def test_accepted_types_by_their_content(name, content, content_type):
    file = io.BytesIO(content)
    assert sniff(name, file) == content_type
    assert file.tell() == 0  # rewound for storing


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("brief.pdf", PNG),  # an image named as a PDF
        ("foto.png", PDF),
        ("setup.pdf", b"MZ\x90\x00 a Windows program"),
        ("offerte.docx", XLSX),  # a workbook named as a Word document
        ("offerte.docx", b"PK\x03\x04 not a zip at all"),
        ("plan.odt", ODS),
        ("begroting.xlsx", ODS),
        ("lijst.csv", "naam;bedrag\n".encode("utf-16")),  # not UTF-8
        ("nota.txt", b"tekst\x00met NUL"),
    ],
)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused(name, content):
    with pytest.raises(NotAccepted, match="the content is not a"):
        sniff(name, io.BytesIO(content))


@pytest.mark.parametrize("name", ["setup.exe", "script.js", "zonder-extensie", "archief.zip"])
def test_other_types_are_refused(name):
    with pytest.raises(NotAccepted, match="not accepted"):
        sniff(name, io.BytesIO(PDF))
