"""Errors that services raise and every edge (page, API, import, CLI) turns into a message."""

from django.utils.translation import gettext_lazy as _


class Invalid(Exception):
    """Input refused: `errors` maps each field to its messages. Nothing was written."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors

    @classmethod
    def one(cls, field: str, message) -> "Invalid":
        return cls({field: [str(message)]})


class Refused(Exception):
    """A transition that the object's state does not allow. Nothing was written."""

    def __init__(self, message):
        super().__init__(str(message))


def refuse_state(obj, action: str):
    return Refused(
        _("%(action)s is not possible while %(object)s is %(state)s")
        % {"action": action, "object": obj, "state": obj.get_state_display()}
    )
