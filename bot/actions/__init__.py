"""rasa-sdk actions (served by `python -m rasa_sdk --actions bot.actions`).

Each action is thin: slots in, a function of `debt/`, events and a response out. Every text comes
from the catalogue (debt/messages) in the conversation's language; every text with a debt detail
from verified facts (debt/disclosure), read from the database by `support.verified`.
"""

from bot.actions import commitments, contact, handoff, holds, identity, opening, session, support
from core.heap import freeze_startup_heap

# The action server imports this package once, before it serves: everything loaded so far lives
# as long as the process, and full garbage collections need not walk it again (core/heap.py).
freeze_startup_heap()

__all__ = ["commitments", "contact", "handoff", "holds", "identity", "opening", "session", "support"]
