"""What console users did, in the audit log (debt/models/audit.py): `record(db, user, "opened", ...)`.

The actor of a signed-in person is "user:<login>"; the caller commits with its own work, so the
entry exists exactly when what it describes happened.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from debt.models import AuditEntry, ConsoleUser


def actor(user: ConsoleUser) -> str:
    return f"user:{user.login}"


def record(
    db: Session,
    who: ConsoleUser | str,
    action: str,
    entity: str,
    entity_id: str | int | None = None,
    **details: Any,
) -> AuditEntry:
    """Add one entry (not committed). `who` is a user, or an actor such as "cli" or "system"."""
    entry = AuditEntry(
        actor=actor(who) if isinstance(who, ConsoleUser) else who,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        details=details,
    )
    db.add(entry)
    return entry
