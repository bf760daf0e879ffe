"""The tables of the domain. Import from here: `from debt.models import Account`."""

from debt.models.accounts import (
    Account,
    Arrangement,
    Creditor,
    Dispute,
    HardshipCase,
    Instalment,
    Payment,
    PromiseToPay,
)
from debt.models.audit import AuditEntry
from debt.models.calls import Call, CallRecording
from debt.models.campaigns import Campaign, CampaignTarget, DoNotContact
from debt.models.console import ConsoleRole, ConsoleSession, ConsoleUser
from debt.models.contact import ContactAttempt
from debt.models.conversations import Conversation, ConversationFlagRow, Handoff, Turn
from debt.models.enums import (
    AccountStatus,
    ArrangementStatus,
    CampaignStatus,
    Channel,
    ConsentStatus,
    ContactKind,
    ConversationFlag,
    ConversationStatus,
    DisputeStatus,
    HandoffStatus,
    HardshipStatus,
    InstalmentStatus,
    Language,
    PromiseStatus,
    TargetState,
    TurnRole,
    TurnState,
)
from debt.models.people import Consent, ContactPoint, Debtor

__all__ = [
    "Account",
    "AccountStatus",
    "Arrangement",
    "ArrangementStatus",
    "AuditEntry",
    "Call",
    "CallRecording",
    "Campaign",
    "CampaignStatus",
    "CampaignTarget",
    "Channel",
    "Consent",
    "ConsentStatus",
    "ConsoleRole",
    "ConsoleSession",
    "ConsoleUser",
    "ContactAttempt",
    "ContactKind",
    "ContactPoint",
    "Conversation",
    "ConversationFlag",
    "ConversationFlagRow",
    "ConversationStatus",
    "Creditor",
    "Debtor",
    "Dispute",
    "DisputeStatus",
    "DoNotContact",
    "Handoff",
    "HandoffStatus",
    "HardshipCase",
    "HardshipStatus",
    "Instalment",
    "InstalmentStatus",
    "Language",
    "Payment",
    "PromiseStatus",
    "PromiseToPay",
    "TargetState",
    "Turn",
    "TurnRole",
    "TurnState",
]
