"""Accounts and conversations over the REST API (bearer token)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlmodel import Session

from api.deps import get_app_settings, get_session, require_api_token
from core.settings import Settings
from debt.accounts import AccountNotFound, account_view
from debt.conversations import ConversationNotFound, conversation_detail, list_conversations
from debt.models import Channel, ConversationFlag
from debt.phones import PhoneError, normalise_phone

router = APIRouter(prefix="/api", tags=["accounts"], dependencies=[Depends(require_api_token)])


@router.get("/accounts/{account_ref}")
def get_account(account_ref: str, session: Session = Depends(get_session)) -> dict[str, Any]:
    try:
        return account_view(session, account_ref)
    except AccountNotFound:
        raise HTTPException(404, f"no account {account_ref!r}") from None


@router.get("/conversations")
def get_conversations(
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_app_settings),
    account_ref: str | None = None,
    phone: str | None = Query(None, description="E.164, or a national number of the default jurisdiction"),
    channel: Channel | None = None,
    flag: ConversationFlag | None = None,
    since: datetime | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    if phone:
        try:
            phone = normalise_phone(phone, settings.default_jurisdiction)
        except PhoneError as exc:
            raise HTTPException(422, f"phone: {exc}") from None
    items = list_conversations(
        session,
        account_ref=account_ref,
        phone=phone,
        channel=channel,
        flag=flag,
        since=since,
        limit=limit,
        offset=offset,
    )
    return {"items": items, "limit": limit, "offset": offset}


@router.get("/conversations/{conversation_id}")
def get_conversation(conversation_id: int, session: Session = Depends(get_session)) -> dict[str, Any]:
    try:
        return conversation_detail(session, conversation_id)
    except ConversationNotFound:
        raise HTTPException(404, f"no conversation {conversation_id}") from None
