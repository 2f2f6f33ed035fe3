from gti.notifications.models import Notification


def inbox(kind=None) -> dict[str, Notification]:
    """username -> the newest message (of `kind`)."""
    rows = Notification.objects.select_related("user").order_by("id")
    if kind:
        rows = rows.filter(kind=kind)
    return {n.user.username: n for n in rows}


def set_language(name: str, language: str) -> None:
    from gti.notifications.services import profile
    from tests.factories import person

    mine = profile(person(name))
    mine.language = language
    mine.save()
