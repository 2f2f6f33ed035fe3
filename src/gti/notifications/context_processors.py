def unread(request):
    """The number of unread messages in the header: one query, for people signed in only."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    from gti.notifications.models import Notification

    return {"unread_notifications": Notification.objects.filter(user=user, read_at=None).count()}
