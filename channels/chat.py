"""Web chat: the page at /chat and its API, the same turns, identity flow and transcripts as SMS.

The page keeps a random session token; the token is the conversation's party, so
whoever holds it (only that browser tab) reads that conversation and no other.
"""

from __future__ import annotations

import json
import secrets
from html import escape
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlmodel import Session, col, select

from channels.sms import get_turns
from channels.turn_store import Inbound, answers_to
from channels.turns import TurnProcessor
from debt.models import Channel, Conversation, Turn, TurnRole

router = APIRouter(tags=["chat"])

WEB_DIR = Path(__file__).resolve().parent.parent / "api" / "web"
MAX_BODY_BYTES = 64 * 1024
MAX_TEXT = 2000
SESSION_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"


class ChatMessageIn(BaseModel):
    session: str | None = Field(default=None, pattern=SESSION_PATTERN)
    text: str = Field(max_length=MAX_TEXT)
    language: Literal["fr", "de", "en"] | None = None

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("the message is empty")
        return value


@router.get("/chat", response_class=HTMLResponse, include_in_schema=False)
async def chat_page(request: Request) -> HTMLResponse:
    page = (WEB_DIR / "chat.html").read_text(encoding="utf-8")
    company = escape(request.app.state.settings.company_name, quote=True)
    page = page.replace(
        '<meta name="company" content="Amicable Recouvrement">', f'<meta name="company" content="{company}">'
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


async def _message_in(request: Request) -> ChatMessageIn:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"body over {MAX_BODY_BYTES} bytes")
    if not body:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, 'empty body: send JSON {"text": ...}')
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"body is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"body is not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "body must be a JSON object")
    try:
        return ChatMessageIn.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problems) from None


def _turn_json(turn: Turn) -> dict[str, Any]:
    return {"seq": turn.seq, "role": turn.role, "text": turn.text, "at": turn.at.isoformat()}


def _replies(session: Session, conversation_id: int, seq: int) -> list[dict[str, Any]]:
    return [_turn_json(t) for t in answers_to(session, conversation_id, seq)]


@router.post("/api/chat/messages")
async def post_message(request: Request, turns: TurnProcessor = Depends(get_turns)) -> dict[str, Any]:
    """A message from the chat page; the bot's replies to it (a holding reply when `pending`)."""
    message = await _message_in(request)
    session_token = message.session or secrets.token_urlsafe(24)
    result = await turns.handle(
        Inbound(channel=Channel.CHAT, party=session_token, text=message.text, language=message.language)
    )
    replies = await turns.db(_replies, result.conversation_id, result.seq)
    return {"session": session_token, "replies": replies, "pending": result.pending}


def _transcript(session: Session, party: str, after: int) -> list[dict[str, Any]] | None:
    conversation = session.exec(
        select(Conversation)
        .where(Conversation.channel == Channel.CHAT, Conversation.party == party)
        .order_by(col(Conversation.id).desc())
    ).first()
    if conversation is None:
        return None
    rows = session.exec(
        select(Turn)
        .where(
            Turn.conversation_id == conversation.id,
            Turn.seq > after,
            col(Turn.role).in_([TurnRole.DEBTOR, TurnRole.BOT, TurnRole.ADVISOR, TurnRole.SYSTEM]),
        )
        .order_by(col(Turn.seq))
    ).all()
    return [_turn_json(t) for t in rows]


@router.get("/api/chat/messages")
async def get_messages(
    session: str = Query(pattern=SESSION_PATTERN),
    after: int = Query(default=0, ge=0),
    turns: TurnProcessor = Depends(get_turns),
) -> dict[str, Any]:
    """The conversation's turns after `after`: replies that came later (a retry, an advisor)."""
    found = await turns.db(_transcript, session, after)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no conversation for this session")
    return {"session": session, "turns": found}
