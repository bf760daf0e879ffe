"""Portfolio import over the REST API: the same import as `collect import`, from an uploaded file."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import JSONResponse
from sqlmodel import Session

from api.deps import get_session, require_api_token
from integrations.portfolio_csv import import_csv

router = APIRouter(prefix="/api/portfolio", tags=["portfolio"])


@router.post(
    "/import",
    responses={
        200: {"description": "Imported; the report counts what was created and updated."},
        422: {"description": "Nothing imported; the report lists the file error or every bad line."},
    },
)
def import_portfolio(
    file: UploadFile = File(..., description="Portfolio CSV, UTF-8, comma or semicolon separated"),
    skip_invalid: bool = Query(False, description="Import the valid lines even when some are bad"),
    caller: str = Depends(require_api_token),
    session: Session = Depends(get_session),
) -> JSONResponse:
    """Import a portfolio file; all lines or none unless `skip_invalid`. Runs in a worker thread."""
    file.file.seek(0)
    report = import_csv(
        file.file,
        session,
        source=file.filename or "upload.csv",
        actor=caller,
        skip_invalid=skip_invalid,
    )
    return JSONResponse(report.to_dict(), status_code=200 if report.imported else 422)
