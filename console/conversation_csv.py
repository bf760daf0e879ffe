"""The conversation list as CSV, masked as on screen, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from console.conversation_list import ListedConversation

COLUMNS = (
    "conversation",
    "started_at_utc",
    "channel",
    "direction",
    "language",
    "status",
    "party",
    "debtor",
    "account",
    "account_status",
    "flags",
    "turns",
    "review",
)
# A cell starting with one of these is a formula to Excel and LibreOffice (OWASP "CSV injection"):
# a masked phone starts with +, and a name comes from the creditor's file.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def conversations_csv(rows: Iterable[ListedConversation]) -> str:
    """The CSV text, with a byte-order mark so that Excel reads the accents of names as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            _cell(value)
            for value in (
                row.id,
                row.started_at.isoformat(timespec="seconds"),
                row.channel,
                row.direction,
                row.language,
                row.status,
                row.party,
                row.debtor,
                row.account_ref,
                row.account_status,
                " ".join(row.flags),
                row.turns,
                row.review,
            )
        )
    return out.getvalue()
