"""Writing messages, sending their e-mail, and what a person changes about their messages.

A message is written in the recipient's language when the event happens, inside the event's
transaction. Its e-mail goes out after the commit (`transaction.on_commit` enqueues the sending
task), so a failing mail server never blocks or rolls back the action: the message waits with
its attempts counter and next try time, and the task (or `gti notifications send`) tries again.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gti.accounts import audit, permissions
from gti.errors import Invalid
from gti.notifications.models import (
    REQUIRED,
    Delivery,
    Kind,
    Mail,
    Notification,
    Preference,
    Profile,
    new_token,
)

try:
    from django.tasks import task
except ImportError:  # Django 5.2: the backport of the same API
    from django_tasks import task

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # then the message stays on the site only, marked "not sent"


def profile(user) -> Profile:
    found = getattr(user, "_gti_notification_profile", None)
    if found is None:
        found, _created = Profile.objects.get_or_create(user=user)
        user._gti_notification_profile = found
    return found


def delivery(user, kind: str) -> str:
    """How `user` receives `kind`: the kinds the rules require always go out at once."""
    if kind in REQUIRED:
        return Delivery.IMMEDIATE
    chosen = Preference.objects.filter(user=user, kind=kind).values_list("delivery", flat=True)
    return next(iter(chosen), Delivery.IMMEDIATE)


def absolute(path: str) -> str:
    return settings.GTI_SITE_URL.rstrip("/") + path


def notify(
    user, kind, subject, body, facts: dict, *, link=None, event=None, reminder=""
) -> Notification:
    """Write one message to `user` in their language; its e-mail is sent after the commit."""
    language = profile(user).language
    with translation.override(language):
        rendered = {k: str(v) for k, v in facts.items()}
        url = ""
        if link:
            name, kwargs = link
            url = absolute(reverse(name, kwargs=kwargs))
        subject_text = str(subject) % rendered
        body_text = str(body) % rendered
    how = delivery(user, kind)
    mail = {Delivery.IMMEDIATE: Mail.PENDING, Delivery.DIGEST: Mail.DIGEST}.get(how, Mail.NONE)
    if not user.email:
        mail = Mail.NONE
    notification = Notification.objects.create(
        user=user, kind=kind, subject=subject_text[:300], body=body_text, link=url, event=event,
        reminder=reminder, mail=mail,
    )  # fmt: skip
    if mail == Mail.PENDING:
        transaction.on_commit(lambda: enqueue([notification.pk]))
    return notification


# --- sending -----------------------------------------------------------------------------------


def enqueue(ids: list[int], run_after: datetime.datetime | None = None) -> None:
    """Hand the sending to the task worker; when even that fails the periodic sender
    (`gti notifications send`) finds the messages still waiting."""
    try:
        runner = send_task
        if run_after:
            if not send_task.get_backend().supports_defer:
                return  # the periodic sender retries it
            runner = send_task.using(run_after=run_after)
        runner.enqueue(ids)
    except Exception:  # noqa: BLE001 - never let the queue break the action that succeeded
        logger.exception("could not queue the e-mail of notifications %s", ids)


@task()
def send_task(ids: list[int]) -> int:
    return send(Notification.objects.filter(pk__in=ids))[0]


def _due(now) -> Q:
    return Q(next_try_at=None) | Q(next_try_at__lte=now)


def send(queryset=None, progress=None) -> tuple[int, int]:
    """Send the e-mail of every message waiting (of `queryset`); (sent, failed) this run."""
    now = timezone.now()
    waiting = list((queryset if queryset is not None else Notification.objects).filter(
        mail=Mail.PENDING).filter(_due(now)).select_related("user"))  # fmt: skip
    sent = failed = 0
    for n, notification in enumerate(waiting, start=1):
        if _send_one(notification, now):
            sent += 1
        else:
            failed += 1
        if progress:
            progress(n, len(waiting))
    return sent, failed


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=5 * 2 ** (attempts - 1))  # 5, 10, 20, 40 … minutes


def _send_one(notification: Notification, now) -> bool:
    # Claim the try: two senders at once send a message once.
    claimed = Notification.objects.filter(
        pk=notification.pk, mail=Mail.PENDING, attempts=notification.attempts
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        return False
    attempts = notification.attempts + 1
    try:
        EmailMessage(
            notification.subject,
            mail_body(notification),
            settings.DEFAULT_FROM_EMAIL,
            [notification.user.email],
        ).send()
    except Exception as exc:  # noqa: BLE001 - any failure of the mail server is retried
        gave_up = attempts >= MAX_ATTEMPTS
        next_try = None if gave_up else now + _backoff(attempts)
        Notification.objects.filter(pk=notification.pk).update(
            mail=Mail.FAILED if gave_up else Mail.PENDING,
            next_try_at=next_try,
            last_error=f"{type(exc).__name__}: {exc}"[:1000],
        )
        logger.warning("e-mail of notification %s failed (attempt %s): %s",
                       notification.pk, attempts, exc)  # fmt: skip
        if next_try:
            enqueue([notification.pk], run_after=next_try)
        return False
    Notification.objects.filter(pk=notification.pk).update(
        mail=Mail.SENT, sent_at=timezone.now(), next_try_at=None, last_error=""
    )
    return True


def mail_body(notification: Notification) -> str:
    return (
        f"{notification.body}\n\n{notification.link}\n" if notification.link else notification.body
    )


def send_digests(progress=None) -> tuple[int, int]:
    """One e-mail per person with every message waiting for the daily digest: (sent, failed)."""
    from django.contrib.auth import get_user_model

    people = get_user_model().objects.filter(notifications__mail=Mail.DIGEST).distinct()
    sent = failed = 0
    people = list(people)
    for n, user in enumerate(people, start=1):
        messages = list(user.notifications.filter(mail=Mail.DIGEST).order_by("created_at", "id"))
        with translation.override(profile(user).language):
            subject = _("GTI Platform: %(count)s messages of the day") % {"count": len(messages)}
        body = "\n\n".join(
            f"{m.created_at:%Y-%m-%d %H:%M} {m.subject}\n{m.body}\n{m.link}" for m in messages
        )
        try:
            EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
        except Exception as exc:  # noqa: BLE001 - the digest waits for the next run
            logger.warning("digest for %s failed: %s", user, exc)
            failed += 1
        else:
            Notification.objects.filter(pk__in=[m.pk for m in messages]).update(
                mail=Mail.SENT, sent_at=timezone.now()
            )
            sent += 1
        if progress:
            progress(n, len(people))
    return sent, failed


# --- what a person changes ---------------------------------------------------------------------


def visible_to(user):
    """A person's own messages; nobody reads another's."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def mark_read(user, *, ids: list[int] | None = None) -> int:
    """Mark the person's messages read (`ids`, or all unread); how many changed."""
    permissions.require(user, "notifications.read")
    with transaction.atomic():
        unread = visible_to(user).filter(read_at=None)
        if ids is not None:
            unread = unread.filter(pk__in=ids)
        marked = list(unread.values_list("pk", flat=True))
        if not marked:
            return 0
        Notification.objects.filter(pk__in=marked).update(read_at=timezone.now())
        audit.record("notifications.read", user, by=user, after={"notifications": marked})
    return len(marked)


def save_preferences(user, *, language: str, choices: dict[str, str]) -> None:
    """The language of messages and, per kind, how they arrive (required kinds stay at once)."""
    permissions.require(user, "notifications.preferences")
    if language not in dict(settings.LANGUAGES):
        raise Invalid.one("language", _("choose one of the site's languages"))
    errors = {}
    for kind, how in choices.items():
        if kind not in Kind.values:
            errors[kind] = [_("no such kind of message")]
        elif how not in Delivery.values:
            errors[kind] = [_("choose at once, daily digest or on the site only")]
        elif kind in REQUIRED and how != Delivery.IMMEDIATE:
            errors[kind] = [_("this message is always e-mailed at once")]
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        mine = profile(user)
        before = {"language": mine.language, **dict(
            Preference.objects.filter(user=user).values_list("kind", "delivery"))}  # fmt: skip
        mine.language = language
        mine.save(update_fields=["language"])
        for kind, how in choices.items():
            if kind in REQUIRED:
                continue
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": how})
        after = {"language": language, **{k: v for k, v in choices.items() if k not in REQUIRED}}
        audit.record("notifications.preferences.saved", user, by=user, before=before, after=after)


def renew_calendar_token(user) -> str:
    """A new secret address for the person's calendar feed; the old one stops working."""
    permissions.require(user, "deadlines.view")
    with transaction.atomic():
        mine = profile(user)
        mine.calendar_token = new_token()
        mine.save(update_fields=["calendar_token"])
        audit.record("notifications.calendar_token.renewed", user, by=user)
    return mine.calendar_token
