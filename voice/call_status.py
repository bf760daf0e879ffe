"""Twilio's call statuses in the order a call lives them: a late or repeated callback never moves a call back.

https://www.twilio.com/docs/voice/api/call-resource#call-status-values
"""

from __future__ import annotations

FINAL = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
_RANK = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3, "answered": 3}
ANSWERED_BY_MACHINE = frozenset(
    {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other"}
)


def is_final(status: str | None) -> bool:
    return status in FINAL


def advance(current: str | None, new: str) -> str:
    """The status a call has after `new` is reported: later ones win, a final one stays."""
    new = new.strip().lower()
    if new not in _RANK and new not in FINAL:
        return current or new
    if current is None or (current not in _RANK and current not in FINAL):
        return new
    if is_final(current):
        return current
    if is_final(new):
        return new
    return new if _RANK[new] > _RANK[current] else current
