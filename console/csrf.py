"""Cross-site request forgery: every POST must come from our own pages.

Two checks, as OWASP's CSRF cheat sheet recommends together: the Origin (or, without it, the Referer)
names our own origin, and the form carries the session's token (hidden field `csrf`, or the
`X-CSRF-Token` header for a script's fetch). The sign-in form has no session yet: its token is
a double-submit cookie scoped to /console/login.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response, status

from console.sessions import cookie_secure
from core.settings import Settings

FIELD = "csrf"
HEADER = "X-CSRF-Token"
LOGIN_COOKIE = "collect_console_login"
LOGIN_PATH = "/console/login"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(HTTPException):
    def __init__(self, why: str) -> None:
        super().__init__(status.HTTP_403_FORBIDDEN, f"This form could not be accepted: {why}.")


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origins(request: Request, settings: Settings) -> set[str]:
    """PUBLIC_BASE_URL's origin, and the origin the request itself was made to (the same one, unless
    a proxy in front terminates TLS or the host is reached by another name)."""
    origins = {_origin_of(settings.public_base_url)}
    host = request.headers.get("host")
    if host:
        origins.add(f"{request.url.scheme}://{host}".lower())
    return {origin for origin in origins if origin}


def check_same_origin(request: Request, settings: Settings) -> None:
    """403 unless the browser says the POST comes from one of our pages. Browsers send Origin with every
    POST; a request with neither Origin nor Referer is not from a page of ours, and is refused."""
    origin = request.headers.get("origin")
    referer = request.headers.get("referer")
    claimed = _origin_of(origin) if origin else (_origin_of(referer) if referer else None)
    if claimed is None or claimed not in allowed_origins(request, settings):
        raise CsrfRefused("it was sent from another site")


async def submitted_token(request: Request) -> str:
    header = request.headers.get(HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def check_csrf(request: Request, settings: Settings, expected: str) -> None:
    """403 unless the POST comes from our origin and carries `expected` (the session's token)."""
    check_same_origin(request, settings)
    token = await submitted_token(request)
    if not token or not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise CsrfRefused("it is missing its security token or the token is out of date; reload the page")


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def set_login_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        path=LOGIN_PATH,
        secure=cookie_secure(settings),
        httponly=True,
        samesite="strict",
    )


def clear_login_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        LOGIN_COOKIE, path=LOGIN_PATH, secure=cookie_secure(settings), httponly=True, samesite="strict"
    )


def check_login_csrf(request: Request, settings: Settings, submitted: str) -> None:
    """The sign-in form: our origin, and its hidden field equal to the cookie set with the form."""
    check_same_origin(request, settings)
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not submitted or not hmac.compare_digest(cookie.encode(), submitted.encode()):
        raise CsrfRefused("the sign-in form is out of date; reload the page")
