"""How a resident is known without an account, in a consultation and in a participatory budget:
by a one-time code printed on a letter or by an e-mail address, of which only a keyed hash is
kept (HMAC-SHA256 with the site's secret: without the key nobody can test a guess against it)."""

from __future__ import annotations

import secrets

from django.utils.crypto import salted_hmac

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a printed letter
LENGTH = 12  # 60 bits: not guessed within the rate limits


def new_codes(count: int) -> list[str]:
    """`count` one-time codes, printed in groups of four (ABCD-EFGH-JKLM)."""
    return [
        "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(LENGTH // 4))
        for _ in range(count)
    ]


def normalise(code: str) -> str:
    """A code as typed (lower case, spaces, dashes) as it was made."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def keyed(purpose: str, value: str) -> str:
    """The keyed hash of `value` for one purpose: the same value gives the same hash."""
    return salted_hmac(f"gti.residents.{purpose}", value, algorithm="sha256").hexdigest()
