"""What every console route shares: security headers, HTML error pages, the redirect to sign in.

Sections build their router with `console_router()` and their routes get all of it:

    router = console_router()

    @router.get("/console/inbox")
    def inbox(request: Request, user: ConsoleUser = Depends(require_user("advisor"))) -> HTMLResponse:
        return render(request, "inbox.html", {...})
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from console.auth import LoginRequired, login_url
from console.templating import render

STATIC_DIR = Path(__file__).resolve().parent / "static"

# No inline script or style anywhere: a script that slipped into a page would not run.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}
ERROR_TITLES = {
    400: "The form could not be read",
    401: "Please sign in again",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    429: "Too many attempts",
}


def with_security_headers(response: Response, *, page: bool = True) -> Response:
    response.headers.update(SECURITY_HEADERS)
    if page:
        # Pages hold personal data: not kept by the browser or any cache in between.
        response.headers["Cache-Control"] = "no-store"
    return response


def error_page(
    request: Request, status_code: int, message: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    context = {
        "status_code": status_code,
        "title": ERROR_TITLES.get(status_code, "Something went wrong"),
        "message": message,
        # After signing in, back to the page asked for; a form's target is no page to land on.
        "login_url": login_url(request.url.path if request.method == "GET" else None),
    }
    return render(request, "error.html", context, status_code=status_code, headers=headers)


class ConsoleRoute(APIRoute):
    """A console route: its answers carry the security headers, errors are pages, and a visitor who is
    not signed in is sent to the sign-in page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except LoginRequired as exc:
                response = RedirectResponse(login_url(exc.next_path), status_code=303)
            except HTTPException as exc:
                response = error_page(request, exc.status_code, str(exc.detail), exc.headers)
            except RequestValidationError:
                response = error_page(request, 400, "Some fields of the form are missing or malformed.")
            return with_security_headers(response)

        return console_handler


def console_router(**options: Any) -> APIRouter:
    """An APIRouter whose routes are ConsoleRoutes, answer HTML and stay out of the OpenAPI schema."""
    options.setdefault("include_in_schema", False)
    options.setdefault("default_response_class", HTMLResponse)
    return APIRouter(route_class=ConsoleRoute, **options)


class ConsoleStaticFiles(StaticFiles):
    """The console's CSS and scripts, with the same headers as its pages (they may be cached)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        return with_security_headers(super().file_response(*args, **kwargs), page=False)


def static_files() -> StaticFiles:
    """Mounted at /console/static by server.py: with the sign-in page, the only console path open to all."""
    return ConsoleStaticFiles(directory=STATIC_DIR)
