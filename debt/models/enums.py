"""Closed vocabularies of the domain, stored as plain strings."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    FR = "fr"
    DE = "de"
    EN = "en"


class AccountStatus(StrEnum):
    OPEN = "open"
    PROMISE_TO_PAY = "promise_to_pay"
    ARRANGEMENT = "arrangement"
    DISPUTED = "disputed"
    HARDSHIP_HOLD = "hardship_hold"
    PAID = "paid"
    CLOSED = "closed"


class ConversationFlag(StrEnum):
    IDENTITY_VERIFIED = "identity_verified"
    IDENTITY_FAILED = "identity_failed"
    WRONG_PARTY = "wrong_party"
    DISPUTE = "dispute"
    HARDSHIP = "hardship"
    VULNERABILITY = "vulnerability"
    COMPLAINT = "complaint"
    HANDOFF = "handoff"
    OPT_OUT = "opt_out"
    PROMISE_TO_PAY = "promise_to_pay"
    ARRANGEMENT = "arrangement"
    PAID = "paid"


class Channel(StrEnum):
    SMS = "sms"
    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"
    LETTER = "letter"


class ContactKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"


class TurnRole(StrEnum):
    DEBTOR = "debtor"
    BOT = "bot"
    ADVISOR = "advisor"
    SYSTEM = "system"


class TurnState(StrEnum):
    # A debtor turn: received, then answered, or queued for a retry when the bot could not answer in time.
    RECEIVED = "received"
    ANSWERED = "answered"
    QUEUED = "queued"
    # A bot reply given after the holding reply: sent by whoever produced it, or waiting to be.
    TO_SEND = "to_send"
    SENT = "sent"


class ConsentStatus(StrEnum):
    GRANTED = "granted"
    OPTED_OUT = "opted_out"


class ArrangementStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class InstalmentStatus(StrEnum):
    DUE = "due"
    PAID = "paid"
    MISSED = "missed"


class PromiseStatus(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class DisputeStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class HardshipStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class HandoffStatus(StrEnum):
    WAITING = "waiting"
    ACTIVE = "active"
    RETURNED = "returned"
    ABANDONED = "abandoned"


class ConversationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CampaignStatus(StrEnum):
    DRAFT = "draft"  # created, being planned
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class TargetState(StrEnum):
    PLANNED = "planned"  # waits for due_at
    QUEUED = "queued"  # handed to the job queue
    SENDING = "sending"  # the attempt is recorded; the provider is being asked
    SENT = "sent"  # the provider has it (SID kept); waiting for what became of it
    DONE = "done"  # reached (SMS delivered, call answered by a person)
    REFUSED = "refused"  # the policy refuses for good (opt-out, dispute, ...)
    ESCALATED = "escalated"  # max attempts without success: a person decides (letter, formal notice)
    CANCELLED = "cancelled"  # the campaign was cancelled before it was contacted
