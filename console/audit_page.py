"""GET /console/audit: the audit log, newest first, filtered by actor, action, entity and day, for admins
and supervisors. It answers "who opened which conversation, when" (action conversation_opened).

Pages go by entry id (before / after an id) rather than by offset: the log only grows, and a page
stays the same while new entries arrive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from api.deps import get_session
from console.auth import require_user
from console.metrics import Period, PeriodError, parse_day
from console.templating import render
from console.web import console_router
from debt.models import AuditEntry, ConsoleRole, ConsoleUser

router = console_router()
PATH = "/console/audit"
PER_PAGE = 50
MAX_FILTER = 100  # characters of a typed filter
# Pages an entry's entity opens, for the entities that have one.
ENTITY_PAGES = {"conversation": "/console/conversations/{}", "campaign": "/console/campaigns/{}"}
# The action console/conversations.py records when someone opens a conversation.
CONVERSATION_OPENED = "conversation_opened"


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    entity: str = ""
    entity_id: str = ""
    first: str = ""  # YYYY-MM-DD, UTC
    last: str = ""

    def query(self, **page: int) -> str:
        """The query string of these filters and a page position."""
        fields = {
            "actor": self.actor,
            "action": self.action,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "from": self.first,
            "to": self.last,
            **{k: str(v) for k, v in page.items()},
        }
        return urlencode({k: v for k, v in fields.items() if v})


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    details: list[tuple[str, str]]
    link: str | None  # the page of the entity, when it has one


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _row(entry: AuditEntry) -> AuditRow:
    pattern = ENTITY_PAGES.get(entry.entity)
    link = pattern.format(entry.entity_id) if pattern and entry.entity_id else None
    details = [(key, _shown(value)) for key, value in sorted((entry.details or {}).items())]
    return AuditRow(entry, details, link)


def _conditions(wanted: AuditFilter) -> list[Any]:
    conditions: list[Any] = []
    if wanted.actor:
        conditions.append(AuditEntry.actor == wanted.actor)
    if wanted.action:
        conditions.append(AuditEntry.action == wanted.action)
    if wanted.entity:
        conditions.append(AuditEntry.entity == wanted.entity)
    if wanted.entity_id:
        conditions.append(AuditEntry.entity_id == wanted.entity_id)
    first = parse_day(wanted.first, "from") if wanted.first else None
    last = parse_day(wanted.last, "to") if wanted.last else None
    if first and last and first > last:
        raise PeriodError("the first day comes after the last")
    if first:
        conditions.append(AuditEntry.at >= Period(first, first).start)
    if last:
        conditions.append(AuditEntry.at < Period(last, last).end)
    return conditions


def entries(
    db: Session, conditions: list[Any], *, before: int | None, after: int | None
) -> tuple[list[AuditEntry], bool, bool]:
    """A page of entries, newest first, and whether newer and older ones exist beyond it."""
    query = select(AuditEntry).where(*conditions)
    if after is not None:
        # Going back towards the newest: read upwards, then show newest first.
        found = db.exec(
            query.where(col(AuditEntry.id) > after).order_by(col(AuditEntry.id)).limit(PER_PAGE + 1)
        ).all()
        page = list(reversed(found[:PER_PAGE]))
        return page, len(found) > PER_PAGE, True
    if before is not None:
        query = query.where(col(AuditEntry.id) < before)
    found = db.exec(query.order_by(col(AuditEntry.id).desc()).limit(PER_PAGE + 1)).all()
    return list(found[:PER_PAGE]), before is not None, len(found) > PER_PAGE


@router.get(PATH)
def show_audit(
    request: Request,
    actor: str = Query("", max_length=MAX_FILTER),
    action: str = Query("", max_length=MAX_FILTER),
    entity: str = Query("", max_length=MAX_FILTER),
    entity_id: str = Query("", max_length=MAX_FILTER),
    first: str = Query("", alias="from", max_length=10),
    last: str = Query("", alias="to", max_length=10),
    before: int | None = Query(None, ge=1),
    after: int | None = Query(None, ge=0),
    user: ConsoleUser = Depends(require_user(ConsoleRole.ADMIN, ConsoleRole.SUPERVISOR)),
    db: Session = Depends(get_session),
) -> HTMLResponse:
    wanted = AuditFilter(actor.strip(), action.strip(), entity.strip(), entity_id.strip(), first, last)
    actions = db.exec(select(AuditEntry.action).distinct().order_by(col(AuditEntry.action))).all()
    context: dict[str, Any] = {
        "wanted": wanted,
        # The action asked for stays selected even before any entry has it.
        "actions": sorted({*actions, wanted.action} - {""}),
        "opened_href": f"{PATH}?{AuditFilter(action=CONVERSATION_OPENED).query()}",
        "rows": [],
        "newer": None,
        "older": None,
        "first_page": None,
        "error": None,
    }
    try:
        conditions = _conditions(wanted)
    except PeriodError as exc:
        context["error"] = f"Not filtered: {exc}."
        return render(request, "audit.html", context, status_code=400)
    found, has_newer, has_older = entries(db, conditions, before=before, after=after)
    context["rows"] = [_row(entry) for entry in found]
    if found and has_newer:
        context["newer"] = f"{PATH}?{wanted.query(after=found[0].id)}"  # type: ignore[arg-type]
    if found and has_older:
        context["older"] = f"{PATH}?{wanted.query(before=found[-1].id)}"  # type: ignore[arg-type]
    context["first_page"] = f"{PATH}?{wanted.query()}" if before or after else None
    return render(request, "audit.html", context)
