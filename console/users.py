"""GET and POST /console/users: the console's users, and a new one (admins only)."""

from __future__ import annotations

from datetime import datetime

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from api.deps import get_session
from console.audit import record
from console.auth import console_now, require_user
from console.passwords import MIN_LENGTH
from console.templating import render
from console.user_store import UserError, create_user, find_user, list_users
from console.web import console_router
from debt.models import ConsoleRole, ConsoleUser

router = console_router()
PATH = "/console/users"
admin_only = require_user(ConsoleRole.ADMIN)


def users_page(
    request: Request,
    db: Session,
    now: datetime,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "users": list_users(db),
        "roles": list(ConsoleRole),
        "form": form or {"login": "", "display_name": "", "role": ConsoleRole.ADVISOR.value},
        "error": error,
        "notice": notice,
        "min_length": MIN_LENGTH,
        "now": now,
    }
    return render(request, "users.html", context, status_code=status_code)


@router.get(PATH)
def show_users(
    request: Request,
    created: str | None = None,
    admin: ConsoleUser = Depends(admin_only),
    db: Session = Depends(get_session),
    now: datetime = Depends(console_now),
) -> HTMLResponse:
    # Only a login that exists is named: the query string cannot make the page say anything else.
    new = find_user(db, created) if created else None
    notice = f"{new.display_name} ({new.login}) can now sign in as {new.role}." if new else None
    return users_page(request, db, now, notice=notice)


@router.post(PATH)
def add_user(
    request: Request,
    login: str = Form(""),
    display_name: str = Form(""),
    role: str = Form(""),
    password: str = Form(""),
    password_again: str = Form(""),
    admin: ConsoleUser = Depends(admin_only),
    db: Session = Depends(get_session),
    now: datetime = Depends(console_now),
) -> Response:
    form = {"login": login, "display_name": display_name, "role": role}
    try:
        if password != password_again:
            raise UserError("the two passwords differ")
        user = create_user(db, login, password, role, display_name)
    except UserError as exc:
        db.rollback()
        return users_page(request, db, now, form=form, error=f"Not created: {exc}.", status_code=400)
    record(db, admin, "console_user_created", "console_user", user.id, login=user.login, role=user.role.value)
    db.commit()
    # Post/redirect/get: a reload does not send the form again.
    return RedirectResponse(f"{PATH}?created={user.login}", status_code=303)
