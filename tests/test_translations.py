"""Dutch is the default: every message has a Dutch text, and the compiled file is current."""

from pathlib import Path

import polib

import gti

PO = Path(gti.__file__).parent / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated_to_dutch():
    po = polib.pofile(str(PO))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert len(po.translated_entries()) > 100


def test_compiled_messages_match_the_po_file():
    po = {(e.msgid, e.msgstr) for e in polib.pofile(str(PO)) if not e.msgid_plural}
    mo = {
        (e.msgid, e.msgstr) for e in polib.mofile(str(PO.with_suffix(".mo"))) if not e.msgid_plural
    }
    assert po == mo, "run `gti compilemessages` in src/gti"
