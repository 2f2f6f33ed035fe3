"""Writing and checking the audit trail. Services call `record()` inside their transaction."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gti.accounts.models import AuditEvent, AuditHead

# One id per request (set by the middleware) groups the events of one action.
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("gti_request_id", default="")


def plain(value):
    """JSON-safe copy (Decimals, dates, sets as text): the same hash on every database."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def record(
    action: str,
    obj,
    *,
    by,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    city: str = "",
) -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() belongs inside the service's transaction")
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    user = by if getattr(by, "is_authenticated", False) else None
    event = AuditEvent(
        created_at=timezone.now(),
        actor=user,
        actor_name=user.get_username() if user else "system",
        action=action,
        object_type=obj._meta.label_lower if hasattr(obj, "_meta") else str(type(obj).__name__),
        object_id=str(getattr(obj, "pk", "") or ""),
        object_label=str(obj)[:300],
        city=city,
        before=plain(before or {}),
        after=plain(after or {}),
        reason=reason,
        request_id=request_id.get() or uuid.uuid4().hex,
        previous_hash=head.last_hash,
    )
    event.hash = event.compute_hash()
    event.save()
    head.last_hash = event.hash
    head.save(update_fields=["last_hash"])
    # The messages of the event, in the same transaction (their e-mail goes after the commit).
    from gti.notifications.events import from_event

    from_event(event, obj)
    return event


@dataclass
class Break:
    event_id: int
    problem: str

    def __str__(self):
        return f"audit event #{self.event_id}: {self.problem}"


def verify(progress=None) -> Break | None:
    """Walk the chain from the first event; return the first break, or None when whole."""
    previous = "0" * 64
    last_id = None
    for n, event in enumerate(_events()):
        if event.previous_hash != previous:
            return Break(event.pk, "does not follow the event before it (removed or reordered)")
        if event.compute_hash() != event.hash:
            return Break(event.pk, "content changed after it was written")
        previous, last_id = event.hash, event.pk
        if progress and n % 1000 == 999:
            progress(n + 1)
    head = AuditHead.objects.filter(pk=1).first()
    if head and head.last_hash != previous:
        return Break(last_id or 0, "the newest events are missing")
    return None


def _events() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("id").iterator(chunk_size=2000)


# Anchors: the head of the chain written outside the database, now and then (`gti audit anchor`).
# Whoever can rewrite the database can also rewrite the head; they cannot reach the anchors file
# (or the printout filed elsewhere), so removing the newest events shows up against it.


def default_anchors() -> Path:
    return settings.DATA_DIR / "audit-anchors.log"


def anchor_line() -> str | None:
    """`<ISO time> <event id> <head hash>` for the newest event; None while the trail is empty."""
    newest = AuditEvent.objects.order_by("-id").first()
    if newest is None:
        return None
    return f"{timezone.now().isoformat(timespec='seconds')} {newest.pk} {newest.hash}"


def anchor(path: Path | None = None) -> str | None:
    """Append the anchor line to the append-only file and return it."""
    line = anchor_line()
    if line is None:
        return None
    path = path or default_anchors()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(line + "\n")
    return line


def verify_anchors(path: Path) -> Break | None:
    """Every anchored (id, hash) must still be in the chain, unchanged."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            when, event_id, event_hash = line.split()
            event_id = int(event_id)
        except ValueError:
            return Break(0, f"{path} line {number} is not '<time> <event id> <hash>'")
        event = AuditEvent.objects.filter(pk=event_id).first()
        if event is None:
            return Break(event_id, f"anchored at {when} but no longer in the trail (removed)")
        if event.hash != event_hash:
            return Break(event_id, f"differs from the hash anchored at {when} (rewritten)")
    return None


def verify_all(anchors: Path | None = None, progress=None) -> Break | None:
    """The chain, then the anchors (the given file, or the default one when it exists)."""
    broken = verify(progress=progress)
    if broken:
        return broken
    anchors = anchors or default_anchors()
    return verify_anchors(anchors) if anchors.exists() else None
