"""Liveness and readiness probes (no token: load balancers and compose call them)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status
from sqlalchemy import Engine

from api.deps import get_app_settings, get_engine
from core.settings import Settings
from integrations.health import readiness

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(
    response: Response,
    settings: Settings = Depends(get_app_settings),
    engine: Engine = Depends(get_engine),
) -> dict[str, object]:
    """Every component this gateway needs answers; 503 names the failing ones."""
    checks = await readiness(settings, engine)
    failing = [c.component for c in checks if not c.ok]
    if failing:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return {
        "status": "ready" if not failing else "not ready",
        "failing": failing,
        "components": {c.component: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
