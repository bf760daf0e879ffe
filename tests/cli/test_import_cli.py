"""`collect import` and `collect demo` on a new, empty SQLite file (the commands migrate it first).

What happens to bad input: the command prints each bad line (line, column, reason), writes nothing
and exits with status 1; with --skip-invalid it imports the good lines and exits 0.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func
from sqlmodel import Session, select

from cli.main import main
from core.settings import get_settings
from debt.db import engine_for
from debt.models import Account, AuditEntry, ContactPoint, Creditor, Debtor
from tests.portfolio_files import DE_LINE, FR_LINE, GB_LINE, line, portfolio_csv


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database file that does not exist yet."""
    url = f"sqlite:///{tmp_path / 'new' / 'collect.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    return url


def collect(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def count(url: str, table: type) -> int:
    with Session(engine_for(url)) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def write(tmp_path: Path, data: bytes, name: str = "portfolio.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_import_on_a_new_database(database: str, tmp_path: Path) -> None:
    code, output = collect("import", write(tmp_path, portfolio_csv(FR_LINE, DE_LINE, GB_LINE)))
    assert code == 0, output
    assert "portfolio.csv: 3 lines read, 3 valid, 0 bad" in output
    assert "accounts 3 new, 0 updated, 0 unchanged; debtors 3 new, 0 updated" in output
    assert count(database, Account) == 3

    code, output = collect("import", str(tmp_path / "portfolio.csv"))
    assert code == 0
    assert "accounts 0 new, 0 updated, 3 unchanged" in output
    assert count(database, Account) == 3 and count(database, AuditEntry) == 2


def test_a_bad_file_is_refused_line_by_line_and_nothing_is_written(database: str, tmp_path: Path) -> None:
    data = portfolio_csv(
        FR_LINE, line(GB_LINE, phone="12345", principal="-3"), line(account_ref="NEB-104233")
    )
    code, output = collect("import", write(tmp_path, data))
    assert code == 1
    assert "line 3, principal: negative amount: '-3'" in output
    assert "line 3, phone: '12345' is not a valid number in GB" in output
    assert "line 4, account_ref: NEB-104233 is already on line 2" in output
    assert (
        "nothing imported: 2 bad lines; correct them, or pass --skip-invalid to import the 1 valid ones"
        in output
    )
    for table in (Account, Debtor, ContactPoint, Creditor, AuditEntry):
        assert count(database, table) == 0


def test_skip_invalid_imports_the_good_lines(database: str, tmp_path: Path) -> None:
    data = portfolio_csv(FR_LINE, line(GB_LINE, due_date="31/01/2026"))
    report_path = tmp_path / "report.json"
    code, output = collect("import", write(tmp_path, data), "--skip-invalid", "--report", str(report_path))
    assert code == 0
    assert "skipped 1 bad lines" in output
    assert count(database, Account) == 1
    report = json.loads(report_path.read_text())
    assert report["imported"] is True
    assert report["errors"] == [
        {"line": 3, "column": "due_date", "reason": "not a date in the form YYYY-MM-DD: '31/01/2026'"}
    ]


def test_a_latin1_file_is_refused_with_where_it_breaks(database: str, tmp_path: Path) -> None:
    code, output = collect("import", write(tmp_path, portfolio_csv(FR_LINE, encoding="latin-1")))
    assert code == 1
    assert "nothing imported: the file is not UTF-8: byte 0xE9 at offset" in output
    assert count(database, Account) == 0


def test_garbage_is_refused_quickly(database: str, tmp_path: Path) -> None:
    code, output = collect("import", write(tmp_path, os.urandom(10 * 1024 * 1024), "garbage.csv"))
    assert code == 1
    assert "garbage.csv: nothing imported:" in output
    assert count(database, Account) == 0


def test_missing_columns_are_named(database: str, tmp_path: Path) -> None:
    code, output = collect("import", write(tmp_path, b"account_ref;creditor;principal\nX-1;Y;10\n"))
    assert code == 1
    assert "missing required columns: first_name, last_name, country, language, currency, due_date" in output


def test_demo_loads_about_fifty_debtors_and_is_idempotent(database: str) -> None:
    code, output = collect("demo")
    assert code == 0, output
    debtors, accounts = count(database, Debtor), count(database, Account)
    assert 45 <= debtors <= 55 and accounts > debtors  # some debtors owe on several accounts
    code, output = collect("demo")
    assert code == 0
    assert f"accounts 0 new, 0 updated, {accounts} unchanged; debtors 0 new, 0 updated" in output
    assert (count(database, Debtor), count(database, Account)) == (debtors, accounts)

    with Session(engine_for(database)) as session:
        rows = session.exec(select(Account)).all()
        assert {a.jurisdiction for a in rows} == {"FR", "DE", "GB"}
        assert {a.currency for a in rows if a.jurisdiction == "GB"} == {"GBP"}
        fr_with_fees = [a for a in rows if a.jurisdiction == "FR" and a.fees > 0]
        assert fr_with_fees and all(a.fees_charged == 0 for a in fr_with_fees)
        assert any(a.jurisdiction == "DE" and a.fees_charged > 0 for a in rows)
        phones = session.exec(select(ContactPoint.value).where(ContactPoint.kind == "phone")).all()
        # Only numbers reserved for fiction (Ofcom, ARCEP) or the German demo range.
        assert all(p.startswith(("+447700900", "+3363998", "+4915228817")) for p in phones)
        emails = session.exec(select(ContactPoint.value).where(ContactPoint.kind == "email")).all()
        assert all(e.endswith(("@example.com", "@example.org", "@example.net")) for e in emails)


def test_demo_if_empty_leaves_a_database_with_accounts_alone(database: str, tmp_path: Path) -> None:
    code, _ = collect("import", write(tmp_path, portfolio_csv(FR_LINE)))
    assert code == 0
    code, output = collect("demo", "--if-empty")
    assert code == 0
    assert "demo portfolio not loaded: the database already holds accounts (1)" in output
    assert count(database, Account) == 1


def test_demo_if_empty_loads_a_new_database(database: str) -> None:
    code, output = collect("demo", "--if-empty")
    assert code == 0, output
    assert count(database, Debtor) == 50
    with Session(engine_for(database)) as session:
        # The case the README's tour looks up.
        assert session.exec(select(Account).where(Account.account_ref == "NEB-104233")).one()
