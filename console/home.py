"""GET /console: who is signed in, with which role, and the sections that role opens."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from console.auth import current_session, require_user
from console.nav import HOME
from console.sessions import IDLE_TIMEOUT
from console.templating import render
from console.web import console_router
from debt.models import ConsoleRole, ConsoleUser

router = console_router()

ROLE_DESCRIPTIONS = {
    ConsoleRole.ADVISOR: "You answer the conversations the assistant hands over to a person.",
    ConsoleRole.SUPERVISOR: "You review conversations and follow campaigns and results.",
    ConsoleRole.ADMIN: "You manage who may use the console.",
}


@router.get(HOME)
def home(request: Request, user: ConsoleUser = Depends(require_user())) -> HTMLResponse:
    session = current_session(request)
    context = {
        "role_description": ROLE_DESCRIPTIONS[user.role],
        "idle_minutes": int(IDLE_TIMEOUT.total_seconds() // 60),
        "session_ends": session.expires_at,
    }
    return render(request, "home.html", context)
