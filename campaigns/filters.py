"""Which accounts a campaign reaches: the filter (kept as JSON in Campaign.filter), its one-line form for
the command line, and the query of the matching accounts (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import ColumnElement, exists, func, not_
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from debt.models import Account, AccountStatus, ContactAttempt, Creditor, Debtor, Language

CENT = Decimal("0.01")


class AccountFilter(BaseModel):
    """Every field narrows the selection; an empty filter selects every account. Bounds are inclusive."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    statuses: tuple[AccountStatus, ...] = ()
    min_balance: Decimal | None = None
    max_balance: Decimal | None = None
    # Whole days from Account.due_date to the planning date (negative: not due yet).
    min_days_past_due: int | None = None
    max_days_past_due: int | None = None
    languages: tuple[Language, ...] = ()  # the debtor's
    countries: tuple[str, ...] = ()  # Account.jurisdiction
    creditors: tuple[str, ...] = ()  # Creditor.name, exactly
    # "Last contact": no allowed contact attempt on the account for at least this many days...
    no_contact_for_days: int | None = Field(default=None, ge=1)
    # ... or, the other way round, one less than this many days ago.
    contacted_within_days: int | None = Field(default=None, ge=1)

    @field_validator("min_balance", "max_balance")
    @classmethod
    def _in_cents(cls, amount: Decimal | None) -> Decimal | None:
        if amount is not None and amount != amount.quantize(CENT):
            raise ValueError(f"{amount} has more than two decimals")
        return amount

    @field_validator("countries")
    @classmethod
    def _country_codes(cls, countries: tuple[str, ...]) -> tuple[str, ...]:
        for country in countries:
            if not re.fullmatch(r"[A-Za-z]{2}", country):
                raise ValueError(f"{country!r} is not a two-letter country code")
        return tuple(country.upper() for country in countries)

    @model_validator(mode="after")
    def _bounds_in_order(self) -> Self:
        for low, high in (("min_balance", "max_balance"), ("min_days_past_due", "max_days_past_due")):
            least, most = getattr(self, low), getattr(self, high)
            if least is not None and most is not None and least > most:
                raise ValueError(f"{low} {least} is above {high} {most}")
        return self


class FilterError(ValueError):
    """A clause of a command-line filter that cannot be read; the message names it."""


# field=value or field>=number; the longest operators first so ">=" is not read as ">".
_CLAUSE = re.compile(r"\s*([A-Za-z_]+)\s*(>=|<=|!=|==|=>|=<|=|>|<)\s*(.*?)\s*", re.DOTALL)
_BOUND_OPERATORS = (">=", ">", "<=", "<", "=")


def _number(text: str, kind: type[int] | type[Decimal]) -> Any:
    noun = "a whole number" if kind is int else "a number"
    try:
        number = kind(text.replace(",", ".") if kind is Decimal else text)
    except (ValueError, InvalidOperation):
        raise FilterError(f"{text!r} is not {noun}") from None
    if isinstance(number, Decimal) and not number.is_finite():
        raise FilterError(f"{text!r} is not {noun}")
    return number


def _bounds(operator: str, value: int | Decimal, step: int | Decimal) -> dict[str, Any]:
    """An inclusive (low, high) from one comparison; a strict one moves by the smallest step."""
    return {
        ">=": {"low": value},
        ">": {"low": value + step},
        "<=": {"high": value},
        "<": {"high": value - step},
        "=": {"low": value, "high": value},
    }[operator]


def _listed(values: str, parse: Callable[[str], Any]) -> tuple[Any, ...]:
    items = tuple(parse(item.strip()) for item in values.split(",") if item.strip())
    if not items:
        raise FilterError("no value given")
    return items


def _status(text: str) -> AccountStatus:
    try:
        return AccountStatus(text.lower())
    except ValueError:
        known = ", ".join(status.value for status in AccountStatus)
        raise FilterError(f"unknown status {text!r}: one of {known}") from None


def _language(text: str) -> Language:
    try:
        return Language(text.lower())
    except ValueError:
        known = ", ".join(language.value for language in Language)
        raise FilterError(f"unknown language {text!r}: one of {known}") from None


def _country(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2}", text):
        raise FilterError(f"{text!r} is not a two-letter country code")
    return text.upper()


# Command-line name -> (filter field, value reader); the list fields take "=" and commas.
_LISTS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "status": ("statuses", _status),
    "language": ("languages", _language),
    "country": ("countries", _country),
    "creditor": ("creditors", str),
}
# Command-line name -> (lower bound field, upper bound field, number type, smallest step).
_RANGES: dict[str, tuple[str, str, type[int] | type[Decimal], int | Decimal]] = {
    "balance": ("min_balance", "max_balance", Decimal, CENT),
    "days_past_due": ("min_days_past_due", "max_days_past_due", int, 1),
    # Days since the last contact d: d >= N is "no contact for N days", d < N "contacted within N days".
    "last_contact_days": ("no_contact_for_days", "contacted_within_days", int, 1),
}
FIELDS = (*_LISTS, *_RANGES)


def _read_list(name: str, operator: str, values: str, fields: dict[str, Any]) -> tuple[str, ...]:
    field, parse = _LISTS[name]
    if operator != "=":
        raise FilterError(f"{name} takes '=' and a comma-separated list, not {operator!r}")
    if field in fields:
        raise FilterError(f"{name} is given twice: list every value in one clause")
    fields[field] = _listed(values, parse)
    return (field,)


def _read_range(name: str, operator: str, text: str, fields: dict[str, Any]) -> tuple[str, ...]:
    low_field, high_field, kind, step = _RANGES[name]
    if operator not in _BOUND_OPERATORS:
        raise FilterError(f"{name} takes one of {' '.join(_BOUND_OPERATORS)}, not {operator!r}")
    bounds = _bounds(operator, _number(text, kind), step)
    if name == "last_contact_days" and "high" in bounds:
        bounds["high"] += 1  # d <= N is d < N + 1: "contacted within N + 1 days"
    # Clauses add up: of two lower bounds the higher holds, of two upper bounds the lower.
    if "low" in bounds:
        fields[low_field] = max(fields.get(low_field, bounds["low"]), bounds["low"])
    if "high" in bounds:
        fields[high_field] = min(fields.get(high_field, bounds["high"]), bounds["high"])
    return tuple(field for key, field in (("low", low_field), ("high", high_field)) if key in bounds)


def _read_clause(clause: str, fields: dict[str, Any]) -> tuple[str, ...]:
    """Add the clause to `fields`; returns the fields it set."""
    match = _CLAUSE.fullmatch(clause)
    if match is None:
        raise FilterError("expected field=value or field>=number")
    name, operator, value = match.group(1).lower(), match.group(2), match.group(3)
    if name not in FIELDS:
        raise FilterError(f"unknown field {name!r}: one of {', '.join(FIELDS)}")
    if not value:
        raise FilterError("no value given")
    if name in _LISTS:
        return _read_list(name, operator, value, fields)
    return _read_range(name, operator, value, fields)


def parse_filter(text: str) -> AccountFilter:
    """`"status=open,promise_to_pay; balance>=20; balance<500; days_past_due>=30; language=fr;
    country=FR; creditor=Hébergeur Exemple SAS; last_contact_days>=7"` as an AccountFilter.

    Clauses are separated by ";" and all hold at once; a list takes commas (so a creditor whose name
    holds a comma or a semicolon is for the JSON form only). FilterError names the clause it cannot read.
    """
    fields: dict[str, Any] = {}
    set_by: dict[str, str] = {}  # filter field -> the clause that last set it
    for clause in (c.strip() for c in text.split(";")):
        if not clause:
            continue
        try:
            set_by |= dict.fromkeys(_read_clause(clause, fields), clause)
        except FilterError as exc:
            raise FilterError(f"clause {clause!r}: {exc}") from None
    try:
        return AccountFilter(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        field = str(first["loc"][0]) if first["loc"] else None
        if field in set_by:
            raise FilterError(f"clause {set_by[field]!r}: {message}") from None
        raise FilterError(f"filter {text.strip()!r}: {message}") from None


def _midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def _contacted_since(moment: datetime) -> ColumnElement[bool]:
    """An allowed contact we started (a reply is not one) on the account, made or planned since `moment`."""
    contacted_at = func.coalesce(ContactAttempt.attempted_at, ContactAttempt.scheduled_at)
    return exists().where(
        ContactAttempt.account_id == Account.id,
        col(ContactAttempt.allowed).is_(True),
        ContactAttempt.purpose != "reply",
        contacted_at >= moment,
    )


def _last_contact_conditions(account_filter: AccountFilter, on: date) -> list[ColumnElement[bool]]:
    # Days since the last contact count calendar days (UTC): d < N when it was on or after on - N + 1.
    conditions: list[ColumnElement[bool]] = []
    if account_filter.no_contact_for_days is not None:
        since = _midnight_utc(on - timedelta(days=account_filter.no_contact_for_days - 1))
        conditions.append(not_(_contacted_since(since)))
    if account_filter.contacted_within_days is not None:
        since = _midnight_utc(on - timedelta(days=account_filter.contacted_within_days - 1))
        conditions.append(_contacted_since(since))
    return conditions


def _conditions(account_filter: AccountFilter, on: date) -> list[ColumnElement[bool]]:
    f = account_filter
    conditions: list[ColumnElement[bool]] = []
    if f.statuses:
        conditions.append(col(Account.status).in_([status.value for status in f.statuses]))
    if f.min_balance is not None:
        conditions.append(col(Account.balance) >= f.min_balance)
    if f.max_balance is not None:
        conditions.append(col(Account.balance) <= f.max_balance)
    # Past due by at least N days: due on or before on - N.
    if f.min_days_past_due is not None:
        conditions.append(col(Account.due_date) <= on - timedelta(days=f.min_days_past_due))
    if f.max_days_past_due is not None:
        conditions.append(col(Account.due_date) >= on - timedelta(days=f.max_days_past_due))
    if f.languages:
        speakers = select(Debtor.id).where(col(Debtor.language).in_([lang.value for lang in f.languages]))
        conditions.append(col(Account.debtor_id).in_(speakers))
    if f.countries:
        conditions.append(col(Account.jurisdiction).in_(f.countries))
    if f.creditors:
        named = select(Creditor.id).where(col(Creditor.name).in_(f.creditors))
        conditions.append(col(Account.creditor_id).in_(named))
    return conditions + _last_contact_conditions(f, on)


def account_query(account_filter: AccountFilter, on: date) -> SelectOfScalar[Account]:
    """The accounts the filter selects on the date `on`, in id order."""
    return select(Account).where(*_conditions(account_filter, on)).order_by(col(Account.id))
