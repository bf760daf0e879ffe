"""Console pages from Jinja2 templates, escaped everywhere: what a debtor typed is shown as text, never run.

`render(request, "page.html", {...})` gives every template the signed-in `user`, the `nav` of their
role, the session's `csrf_token` and `csrf_field()`, `static(path)`, `company_name` and `notice`
(a one-line confirmation), plus the filters `when`, `mask_phone`, `mask_email` and `mask_address`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import Markup, escape

from console.csrf import FIELD
from console.nav import nav_for
from debt.masking import mask_address, mask_email, mask_phone

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_PATH = "/console/static"


def when(moment: datetime | None, empty: str = "—") -> str:
    """A stored moment as people read it, in UTC and saying so."""
    if moment is None:
        return empty
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@pass_context
def csrf_field(context: Mapping[str, Any]) -> Markup:
    """The hidden field every console form carries (console/csrf.py checks it)."""
    token = context.get("csrf_token") or ""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(token)}">')  # noqa: S704 (escaped)


def static(path: str) -> str:
    # Relative to the host: behind a TLS proxy an absolute http:// URL would be blocked as mixed content.
    return f"{STATIC_PATH}/{path.lstrip('/')}"


def _environment() -> Environment:
    # autoescape=True for every template whatever its name; StrictUndefined: a misspelt variable is
    # an error in the tests, not an empty spot on a page.
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(csrf_field=csrf_field, static=static)
    env.filters.update(when=when, mask_phone=mask_phone, mask_email=mask_email, mask_address=mask_address)
    return env


templates = Jinja2Templates(env=_environment())


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    user = getattr(request.state, "console_user", None)
    base = {
        "user": user,
        "nav": nav_for(user, request.url.path),
        "csrf_token": getattr(request.state, "console_csrf", ""),
        "company_name": request.app.state.settings.company_name,
        "notice": None,
    }
    return templates.TemplateResponse(
        request, template, {**base, **(context or {})}, status_code=status_code, headers=headers
    )
