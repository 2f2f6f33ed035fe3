"""A person's deadlines as an iCalendar feed (RFC 5545), written by hand: all-day events,
escaped text (section 3.3.11), CRLF line ends and lines folded at 75 octets (section 3.1)."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from gti.notifications.deadlines import Deadline
from gti.notifications.services import absolute


def escape(text: str) -> str:
    return (
        str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n")
    )  # fmt: skip


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, never inside a character."""
    out, piece, size = [], "", 0
    limit = 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(piece)
            piece, size, limit = "", 0, 74  # continuation lines begin with one space
        piece += char
        size += width
    out.append(piece)
    return "\r\n ".join(out)


def feed(deadlines: list[Deadline], *, name: str) -> str:
    host = urlsplit(settings.GTI_SITE_URL).hostname or "gti"
    stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//GTI Platform//Deadlines//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for d in deadlines:
        url = absolute(d.path)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{d.key}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{d.day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{d.day + datetime.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape(f'{d.what}: {d.title}')}",
            f"DESCRIPTION:{escape(url)}",
            f"URL:{url}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
