"""Text held in both languages: `<name>_nl` and `<name>_en` columns, read in the active language."""

from django.utils.translation import get_language


class Translated:
    """Descriptor: `title = Translated("title")` reads `title_en` in English, else `title_nl`."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        language = (get_language() or "nl")[:2]
        text = getattr(obj, f"{self.name}_{language}", "") if language == "en" else ""
        return text or getattr(obj, f"{self.name}_nl")


def both(obj, name: str) -> dict[str, str]:
    """The {"nl", "en"} pair, as files and the API carry it."""
    return {"nl": getattr(obj, f"{name}_nl"), "en": getattr(obj, f"{name}_en")}
