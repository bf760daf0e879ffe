"""POST /api/portfolio/import: bearer token, multipart `file`, 200 with the report or 422 with the bad lines.

What happens to bad input: the answer is 422 with the report (file error or every bad line) and the
database is left as it was.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api import portfolio
from debt.models import Account, AuditEntry
from tests.portfolio_files import DE_LINE, FR_LINE, GB_LINE, line, portfolio_csv

URL = "/api/portfolio/import"


@pytest.fixture
def api(client: TestClient) -> TestClient:
    app = client.app
    if not any(getattr(r, "path", None) == URL for r in app.routes):  # type: ignore[attr-defined]
        app.include_router(portfolio.router)  # type: ignore[attr-defined]
    return client


def upload(api: TestClient, data: bytes, **params: str) -> tuple[int, dict]:
    response = api.post(URL, files={"file": ("portfolio.csv", data, "text/csv")}, params=params)
    return response.status_code, response.json()


def accounts(api: TestClient) -> list[str]:
    with Session(api.app.state.engine) as session:  # type: ignore[attr-defined]
        return list(session.exec(select(Account.account_ref).order_by(Account.account_ref)))


def test_the_import_needs_the_bearer_token(api: TestClient) -> None:
    response = api.post(
        URL, files={"file": ("p.csv", portfolio_csv(FR_LINE), "text/csv")}, headers={"Authorization": ""}
    )
    assert response.status_code == 401
    assert accounts(api) == []


def test_a_good_file_is_imported_and_audited_as_the_api_caller(api: TestClient) -> None:
    status, report = upload(api, portfolio_csv(FR_LINE, DE_LINE, GB_LINE))
    assert status == 200
    assert (report["imported"], report["rows"], report["accounts_created"]) == (True, 3, 3)
    assert report["source"] == "portfolio.csv" and report["errors"] == []
    assert accounts(api) == ["KML-300512", "NEB-104233", "WWH-200417"]
    with Session(api.app.state.engine) as session:  # type: ignore[attr-defined]
        [entry] = session.exec(select(AuditEntry)).all()
    assert (entry.actor, entry.action) == ("api", "portfolio.import")

    status, report = upload(api, portfolio_csv(FR_LINE, DE_LINE, GB_LINE))
    assert (status, report["accounts_unchanged"]) == (200, 3)


def test_bad_lines_answer_422_with_each_error_and_write_nothing(api: TestClient) -> None:
    status, report = upload(
        api, portfolio_csv(FR_LINE, line(GB_LINE, email="amelia@"), line(account_ref="NEB-2", principal="-1"))
    )
    assert status == 422
    assert report["imported"] is False and report["bad_rows"] == 2
    assert [(e["line"], e["column"]) for e in report["errors"]] == [(3, "email"), (4, "principal")]
    assert accounts(api) == []


def test_skip_invalid_is_a_query_parameter(api: TestClient) -> None:
    status, report = upload(api, portfolio_csv(FR_LINE, line(GB_LINE, email="amelia@")), skip_invalid="true")
    assert (status, report["accounts_created"], report["bad_rows"]) == (200, 1, 1)
    assert accounts(api) == ["NEB-104233"]


def test_a_file_error_answers_422(api: TestClient) -> None:
    status, report = upload(api, portfolio_csv(FR_LINE, encoding="latin-1"), skip_invalid="true")
    assert status == 422
    assert report["file_error"].startswith("the file is not UTF-8: byte 0xE9 at offset")
    assert accounts(api) == []
