"""The console at /console, as one router for server.py, and its static files.

A new section is a module with a `router` made by `console_router()` (console/web.py), listed in
SECTIONS, and a row in console/nav.py's NAV.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from console import (
    audit_page,
    campaigns_page,
    conversations,
    dashboard,
    home,
    inbox,
    login,
    recordings,
    reviews,
    users,
)
from console.templating import STATIC_PATH
from console.web import static_files

SECTIONS = (
    login,
    home,
    users,
    dashboard,
    campaigns_page,
    audit_page,
    inbox,
    conversations,
    reviews,
    recordings,
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    # The sign-in throttle is made on first use (console/throttle.py); a Redis one holds connections.
    throttle = getattr(app.state, "console_throttle", None)
    if throttle is not None:
        await throttle.aclose()


router = APIRouter(lifespan=lifespan)
for section in SECTIONS:
    router.include_router(section.router)

__all__ = ["SECTIONS", "STATIC_PATH", "router", "static_files"]
