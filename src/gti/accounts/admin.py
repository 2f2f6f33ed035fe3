"""The admin site changes little (the strategy is read-only there), but what it does change —
people, authenticators, lock-outs — goes on the audit trail: each admin log entry becomes an
audit event in the same transaction."""

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from gti.accounts import audit

ACTIONS = {ADDITION: "admin.added", CHANGE: "admin.changed", DELETION: "admin.deleted"}


class AdminObject:
    """The object an admin entry is about (it may be deleted already)."""

    def __init__(self, entry: LogEntry):
        self.pk = entry.object_id
        self.label = entry.object_repr
        self.type = entry.content_type.model_class()._meta.label_lower if entry.content_type else ""

    def __str__(self):
        return self.label


@receiver(post_save, sender=LogEntry)
def _admin_edit(sender, instance: LogEntry, created, **kwargs):
    if not created:
        return
    obj = AdminObject(instance)
    with transaction.atomic():
        audit.record(
            ACTIONS.get(instance.action_flag, "admin.changed"),
            obj,
            by=instance.user,
            after={"model": obj.type, "change": instance.get_change_message()},
        )
