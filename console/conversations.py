"""GET /console/conversations (the list), its CSV, and GET /console/conversations/{id} (one transcript).

Supervisors see every conversation and export the list. Advisors see the conversations handed over to
a person (those with a handoff), which is the work they take over, and export nothing. Admins manage
users and read no transcript. Every opening of a transcript and every export is in the audit log.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from api.deps import get_session
from console.audit import record
from console.auth import console_now, require_user
from console.conversation_csv import conversations_csv
from console.conversation_detail import OPENED, load_conversation
from console.conversation_filters import ConversationFilter, conversation_filter
from console.conversation_list import (
    COUNT_CAP,
    PAGE_SIZE,
    SEARCH_WINDOW,
    count_conversations,
    export_conversations,
    find_conversations,
)
from console.review_marks import CATEGORY_LABELS, MAX_COMMENT, STATUS_LABELS, VERDICT_LABELS, load_review
from console.templating import render
from console.web import console_router
from debt.models import (
    AccountStatus,
    Campaign,
    Channel,
    ConsoleRole,
    ConsoleUser,
    ConversationFlag,
    Language,
    TurnRole,
)

router = console_router()
PATH = "/console/conversations"
EXPORT_LIMIT = 10_000  # rows in one CSV at most; the audit entry says when the filter matched more
readers = require_user(ConsoleRole.SUPERVISOR, ConsoleRole.ADVISOR)
supervisors = require_user(ConsoleRole.SUPERVISOR)
ROLE_LABELS = {
    TurnRole.DEBTOR: "Debtor",
    TurnRole.BOT: "Assistant",
    TurnRole.ADVISOR: "Advisor",
    TurnRole.SYSTEM: "System",
}
# Conversation.channel holds these; the letter and e-mail channels write no conversation yet.
LISTED_CHANNELS = (Channel.SMS, Channel.VOICE, Channel.CHAT)


def handed_off_only(user: ConsoleUser) -> bool:
    return user.role == ConsoleRole.ADVISOR


@router.get(PATH)
def list_conversations(
    request: Request,
    user: ConsoleUser = Depends(readers),
    filters: ConversationFilter = Depends(conversation_filter),
    before: int | None = Query(None, ge=1),
    after: int | None = Query(None, ge=1),
    db: Session = Depends(get_session),
) -> HTMLResponse:
    scope = handed_off_only(user)
    if scope and filters.about_review:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The review filters are for supervisors.")
    page = find_conversations(db, filters, handed_off_only=scope, before=before, after=after)
    # A search is not counted: counting the conversations of a common word reads most of the turns.
    total = None if filters.words else count_conversations(db, filters, handed_off_only=scope, cap=COUNT_CAP)
    campaigns = db.exec(select(Campaign.id, Campaign.name).order_by(col(Campaign.created_at).desc())).all()
    context = {
        "filters": filters,
        "page": page,
        "total": total,
        "count_cap": COUNT_CAP,
        "paged": before is not None or after is not None,
        "newer_url": filters.url(PATH, after=page.newer) if page.newer else None,
        "older_url": filters.url(PATH, before=page.older) if page.older else None,
        "first_url": filters.url(PATH),
        "export_url": filters.url(f"{PATH}.csv") if user.role == ConsoleRole.SUPERVISOR else None,
        "export_limit": EXPORT_LIMIT,
        "page_size": PAGE_SIZE,
        "search_window": SEARCH_WINDOW,
        "handed_off_only": scope,
        "channels": LISTED_CHANNELS,
        "flags": list(ConversationFlag),
        "account_statuses": list(AccountStatus),
        "languages": list(Language),
        "campaigns": campaigns,
        "review_labels": STATUS_LABELS if user.role == ConsoleRole.SUPERVISOR else None,
        "issue_labels": CATEGORY_LABELS,
    }
    return render(request, "conversations.html", context)


@router.get(f"{PATH}.csv")
def export_list(
    user: ConsoleUser = Depends(supervisors),
    filters: ConversationFilter = Depends(conversation_filter),
    db: Session = Depends(get_session),
    now: datetime = Depends(console_now),
) -> Response:
    rows = export_conversations(db, filters, EXPORT_LIMIT + 1)
    truncated = len(rows) > EXPORT_LIMIT
    rows = rows[:EXPORT_LIMIT]
    details = {"filter": filters.as_params(), "rows": len(rows), "truncated": truncated}
    record(db, user, "conversations_exported", "conversation", **details)
    db.commit()
    filename = f"conversations-{now:%Y%m%d-%H%M}.csv"
    return Response(
        conversations_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(f"{PATH}/{{conversation_id}}")
def show_conversation(
    request: Request,
    conversation_id: int,
    user: ConsoleUser = Depends(readers),
    db: Session = Depends(get_session),
) -> HTMLResponse:
    view = load_conversation(db, conversation_id)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No conversation has this number.")
    if handed_off_only(user) and not view.handoffs:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Advisors open the conversations that were handed over to a person."
        )
    record(db, user, OPENED, "conversation", conversation_id)
    db.commit()
    context = {
        "view": view,
        "role_labels": ROLE_LABELS,
        "list_url": PATH,
        # Quality review is the supervisors' work; advisors read the transcript without it.
        "review": load_review(db, conversation_id, user) if user.role == ConsoleRole.SUPERVISOR else None,
        "verdict_labels": VERDICT_LABELS,
        "category_labels": CATEGORY_LABELS,
        "status_labels": STATUS_LABELS,
        "max_comment": MAX_COMMENT,
    }
    return render(request, "conversation.html", context)
