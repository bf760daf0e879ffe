"""Keypad entries in a call, turned into what the dialogue understands.

A caller may type instead of speaking: 1 for yes and 2 for no when the bot asked a yes/no
question, a birth date as DDMMYYYY when it asked for a proof of identity; any other digits
go to the bot as they are (a postcode, a day of the month, an option number).
"""

from __future__ import annotations

from datetime import date

YES_NO = "yes_no"
IDENTITY_SECRET = "identity_secret"  # noqa: S105 (a slot name, not a secret)
_YES_NO = {"1": "/affirm", "2": "/deny"}


def keypad_text(digits: str, expecting: str | None) -> str:
    """What the bot is sent for `digits` typed while it waits for `expecting`."""
    digits = "".join(c for c in digits if c.isdigit())
    if expecting == YES_NO and digits in _YES_NO:
        return _YES_NO[digits]
    if expecting == IDENTITY_SECRET and len(digits) == 8:
        try:
            born = date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
        except ValueError:
            return digits
        return f"{born.day:02d}/{born.month:02d}/{born.year}"
    return digits
