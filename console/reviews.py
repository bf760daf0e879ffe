"""Quality review from the conversation page (supervisors; the page draws the forms):

    POST /console/conversations/{id}/marks                      a mark on the conversation or a turn
    POST /console/conversations/{id}/marks/{mark_id}/withdraw   its author takes a mark back
    POST /console/conversations/{id}/review                     the review status

Each answers with a redirect back to the page, at the mark's turn or at the review panel.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Depends, Form, HTTPException, status
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from api.deps import get_session
from console.auth import console_now, require_user
from console.review_marks import ReviewRefused, add_mark, set_status, withdraw_mark
from console.web import console_router
from debt.models import ConsoleRole, ConsoleUser, Turn

router = console_router()
PATH = "/console/conversations/{conversation_id}"
reviewers = require_user(ConsoleRole.SUPERVISOR)


def _back(conversation_id: int, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/console/conversations/{conversation_id}#{anchor}", status_code=303)


def _refused(exc: Exception) -> HTTPException:
    if isinstance(exc, LookupError):
        return HTTPException(status.HTTP_404_NOT_FOUND, "There is no such conversation or mark.")
    return HTTPException(status.HTTP_400_BAD_REQUEST, f"Not saved: {exc}.")


@router.post(PATH + "/marks")
def mark(
    conversation_id: int,
    verdict: str = Form(""),
    category: str = Form(""),
    comment: str = Form(""),
    turn_id: str = Form(""),
    user: ConsoleUser = Depends(reviewers),
    db: Session = Depends(get_session),
    now: datetime = Depends(console_now),
) -> RedirectResponse:
    if turn_id and not turn_id.isdigit():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Not saved: the turn is a turn's number.")
    turn = int(turn_id) if turn_id else None
    try:
        add_mark(
            db,
            conversation_id,
            user,
            verdict=verdict,
            category=category,
            comment=comment,
            turn_id=turn,
            now=now,
        )
    except (LookupError, ReviewRefused) as exc:
        db.rollback()
        raise _refused(exc) from None
    seq = db.get(Turn, turn).seq if turn is not None else None  # type: ignore[union-attr]
    db.commit()
    return _back(conversation_id, f"turn-{seq}" if seq is not None else "review")


@router.post(PATH + "/marks/{mark_id}/withdraw")
def withdraw(
    conversation_id: int,
    mark_id: int,
    user: ConsoleUser = Depends(reviewers),
    db: Session = Depends(get_session),
    now: datetime = Depends(console_now),
) -> RedirectResponse:
    try:
        withdrawn = withdraw_mark(db, conversation_id, mark_id, user, now=now)
    except (LookupError, ReviewRefused) as exc:
        db.rollback()
        raise _refused(exc) from None
    seq = db.get(Turn, withdrawn.turn_id).seq if withdrawn.turn_id is not None else None  # type: ignore[union-attr]
    db.commit()
    return _back(conversation_id, f"turn-{seq}" if seq is not None else "review")


@router.post(PATH + "/review")
def review_status(
    conversation_id: int,
    review: str = Form(""),
    user: ConsoleUser = Depends(reviewers),
    db: Session = Depends(get_session),
    now: datetime = Depends(console_now),
) -> RedirectResponse:
    try:
        set_status(db, conversation_id, user, review, now=now)
    except (LookupError, ReviewRefused) as exc:
        db.rollback()
        raise _refused(exc) from None
    db.commit()
    return _back(conversation_id, "review")
