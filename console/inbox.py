"""The advisors' inbox at /console/inbox: handed-off conversations waiting for a person; an advisor takes an
SMS or chat conversation over, answers as a person while the bot is silent, then hands it back.

Routes (advisors and supervisors; see docs/console_inbox.md):
    GET  /console/inbox                      waiting and held conversations, with what the bot knew
    GET  /console/inbox/{id}                 the transcript, the reply form and the hand-back form
    GET  /console/inbox/{id}/turns?after=n   the turns after seq n, as JSON (console/static/inbox.js)
    POST /console/inbox/{id}/take            the advisor holds the conversation: the bot goes silent
    POST /console/inbox/{id}/reply           the advisor's message, delivered on the conversation's channel
    POST /console/inbox/{id}/release         back to the bot, the handoff ended with an outcome
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Depends, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlmodel import Session

from api.deps import get_session
from channels.sms import get_turns
from channels.turns import TurnProcessor
from console.audit import actor, record
from console.auth import console_now, require_user
from console.conversation_detail import OPENED
from console.inbox_conversation import (
    MAX_REPLY,
    NotAllowed,
    NotHeld,
    may_answer,
    store_reply,
    turn_json,
    turns_after,
)
from console.inbox_queue import held, summarise, waited, waiting
from console.templating import render
from console.web import console_router
from debt.models import Channel, ConsoleRole, ConsoleUser, Conversation, Handoff
from debt.outcomes.handoffs import TakeoverRefused, active_handoff, hand_back, take_over, waiting_handoff

router = console_router()
PATH = "/console/inbox"
inbox_staff = require_user(ConsoleRole.ADVISOR, ConsoleRole.SUPERVISOR)

CHANNELS = {Channel.SMS: "SMS", Channel.CHAT: "Web chat", Channel.VOICE: "Call"}
OUTCOMES = {
    "resolved": "Resolved by the advisor",
    "back_to_assistant": "The assistant goes on with the person",
    "no_reply": "No reply from the person",
}
# Confirmations after a redirect, chosen by a word in the query: the query cannot make a page say anything.
NOTICES = {
    "sent": "Your message is on its way.",
    "released": "The conversation is back with the assistant.",
}


def _in_inbox(db: Session, conversation_id: int) -> tuple[Conversation, Handoff]:
    """A conversation with a handoff waiting or under way; any other is not the inbox's to show."""
    conversation = db.get(Conversation, conversation_id)
    if conversation is not None:
        handoff = active_handoff(db, conversation_id) or waiting_handoff(db, conversation_id)
        if handoff is not None:
            return conversation, handoff
    raise HTTPException(status.HTTP_404_NOT_FOUND, "This conversation is not in the inbox.")


@router.get(PATH)
def inbox(
    request: Request,
    done: str | None = None,
    user: ConsoleUser = Depends(inbox_staff),
    db: Session = Depends(get_session),
    now: datetime = Depends(console_now),
) -> HTMLResponse:
    context = {
        "waiting": waiting(db),
        "held": held(db),
        "now": now,
        "waited": waited,
        "channels": CHANNELS,
        "notice": NOTICES.get(done or ""),
    }
    return render(request, "inbox.html", context)


@router.get(PATH + "/{conversation_id}")
def conversation_page(
    request: Request,
    conversation_id: int,
    done: str | None = None,
    user: ConsoleUser = Depends(inbox_staff),
    db: Session = Depends(get_session),
    now: datetime = Depends(console_now),
) -> HTMLResponse:
    conversation, handoff = _in_inbox(db, conversation_id)
    turns = turns_after(db, conversation)
    context = {
        "summary": summarise(db, conversation, handoff),
        "turns": turns,
        "last_seq": turns[-1].seq if turns else 0,
        "can_answer": may_answer(conversation, user),
        "holds_it": conversation.held_by_user_id == user.id,
        "now": now,
        "waited": waited,
        "channels": CHANNELS,
        "outcomes": OUTCOMES,
        "max_reply": MAX_REPLY,
        "notice": NOTICES.get(done or ""),
    }
    record(db, user, OPENED, "conversation", conversation_id, source="inbox")
    db.commit()
    return render(request, "inbox_conversation.html", context)


@router.get(PATH + "/{conversation_id}/turns")
def new_turns(
    conversation_id: int,
    after: int = Query(0, ge=0),
    user: ConsoleUser = Depends(inbox_staff),
    db: Session = Depends(get_session),
) -> JSONResponse:
    """What the page's script polls: the turns after `after`, and who holds the conversation now."""
    conversation, _ = _in_inbox(db, conversation_id)
    holder = db.get(ConsoleUser, conversation.held_by_user_id) if conversation.held_by_user_id else None
    return JSONResponse(
        {
            "turns": [turn_json(turn) for turn in turns_after(db, conversation, after)],
            "held_by": holder.display_name if holder else None,
            "can_answer": may_answer(conversation, user),
        }
    )


@router.post(PATH + "/{conversation_id}/take")
def take(
    conversation_id: int,
    user: ConsoleUser = Depends(inbox_staff),
    db: Session = Depends(get_session),
    now: datetime = Depends(console_now),
) -> Response:
    try:
        take_over(db, conversation_id, user, actor=actor(user), now=now)
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "There is no such conversation.") from None
    except TakeoverRefused as exc:
        db.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, f"Not taken over: {exc}.") from None
    db.commit()
    return RedirectResponse(f"{PATH}/{conversation_id}?done=taken", status_code=303)


@router.post(PATH + "/{conversation_id}/reply")
async def reply(
    conversation_id: int,
    text: str = Form(""),
    user: ConsoleUser = Depends(inbox_staff),
    now: datetime = Depends(console_now),
    turns: TurnProcessor = Depends(get_turns),
) -> Response:
    text = text.strip()
    if not text or len(text) > MAX_REPLY:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"A message has 1 to {MAX_REPLY} characters.")

    def store(session: Session) -> int:
        seq = store_reply(session, conversation_id, user, text, now)
        record(session, user, "advisor_replied", "conversation", conversation_id, seq=seq)
        return seq

    try:
        seq = await turns.db(store)
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "There is no such conversation.") from None
    except NotHeld as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Not sent: {exc}.") from None
    except NotAllowed as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"Not sent: {exc}.") from None
    await turns.deliver_now(conversation_id)
    return RedirectResponse(f"{PATH}/{conversation_id}?done=sent#turn-{seq}", status_code=303)


@router.post(PATH + "/{conversation_id}/release")
def release(
    conversation_id: int,
    outcome: str = Form(""),
    user: ConsoleUser = Depends(inbox_staff),
    db: Session = Depends(get_session),
    now: datetime = Depends(console_now),
) -> Response:
    if outcome not in OUTCOMES:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Choose how the conversation ended.")
    conversation = db.get(Conversation, conversation_id)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "There is no such conversation.")
    if conversation.held_by_user_id is not None and not may_answer(conversation, user):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Another advisor holds this conversation.")
    try:
        hand_back(db, conversation_id, outcome=outcome, actor=actor(user), now=now)
    except TakeoverRefused as exc:
        db.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, f"Not handed back: {exc}.") from None
    db.commit()
    return RedirectResponse(f"{PATH}?done=released", status_code=303)
