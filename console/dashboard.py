"""GET /console/dashboard: the figures of a period (console/metrics.py), with charts, for supervisors.

Supervisors only: they follow the results (docs/console.md). Admins manage who uses the console and,
as there is no hierarchy of roles, see a page only where it says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from api.deps import get_session
from console import charts
from console.auth import console_now, require_user
from console.metrics import Amounts, Dashboard, Period, PeriodError, Ratio, dashboard, total
from console.templating import render
from console.web import console_router
from debt.models import ArrangementStatus, ConsoleRole, ConsoleUser, ConversationFlag, PromiseStatus
from debt.money import format_money

router = console_router()
PATH = "/console/dashboard"
PRESETS = (7, 30, 90)  # days, offered as links


def duration(seconds: float | None) -> str:
    """38 s, 4 min 05 s, 2 h 10 min."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def money(amounts: Amounts) -> str:
    """Each currency's sum, as the console's English reads it; a dash when there is none."""
    if not amounts.by_currency:
        return "—"
    return ", ".join(format_money(Decimal(v), c, "en") for c, v in sorted(amounts.by_currency.items()))


def period_link(period: Period) -> str:
    return f"{PATH}?{urlencode({'from': period.first.isoformat(), 'to': period.last.isoformat()})}"


def long_day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def day_range(period: Period) -> str:
    first, last = period.first, period.last
    return long_day(first) if first == last else f"{long_day(first)} – {long_day(last)}"


@dataclass(frozen=True)
class RateCard:
    label: str
    ratio: Ratio
    definition: str


def rate_cards(figures: Dashboard) -> list[RateCard]:
    """The rates at the top of the page, each with the definition the page shows under it."""
    talks, outbound = figures.conversations, figures.outbound.total
    return [
        RateCard(
            "Right-party contact rate",
            talks.right_party_rate,
            "Conversations where the debtor's identity was verified, out of the conversations linked to "
            "an account (by the contact's reference or by the verification itself).",
        ),
        RateCard(
            "Identity verification success",
            talks.verification_success,
            f"Verified, out of the conversations where identity was checked (verified or failed). "
            f"Failed after every attempt: {talks.identity_failed} ({talks.verification_failure.percent()}).",
        ),
        RateCard(
            "Containment",
            talks.containment,
            "Closed conversations that ended without a handoff to an advisor, out of all closed ones.",
        ),
        RateCard(
            "Promise-to-pay rate",
            talks.promise_rate,
            "Right-party conversations in which the debtor promised to pay, out of all right-party ones.",
        ),
        RateCard(
            "Promises kept",
            figures.promises.kept_rate,
            "Promises made in the period and kept, out of those already judged kept or broken "
            "(two days after the promised date); pending ones are left out.",
        ),
        RateCard(
            "Outbound contacts reached",
            outbound.reached_rate,
            "Contacts made (allowed by the policy, handed to the provider) that reached a person: an SMS "
            "delivered or read, a call answered by a person, not a machine.",
        ),
    ]


# What conversations raised, in the order a supervisor looks for it.
RAISED = (
    ("Disputes", ConversationFlag.DISPUTE),
    ("Hardship", ConversationFlag.HARDSHIP),
    ("Vulnerability", ConversationFlag.VULNERABILITY),
    ("Complaints", ConversationFlag.COMPLAINT),
    ("Opt-outs", ConversationFlag.OPT_OUT),
    ("Wrong party", ConversationFlag.WRONG_PARTY),
)


@dataclass(frozen=True)
class MoneyRow:
    label: str
    amounts: Amounts
    indent: bool = False  # a part of the row above


def money_rows(figures: Dashboard) -> list[MoneyRow]:
    promises, plans = figures.promises, figures.arrangements
    rows = [MoneyRow("Promises to pay made", promises.made)]
    rows += [MoneyRow(s.value.capitalize(), promises.of(s), indent=True) for s in PromiseStatus]
    rows.append(MoneyRow("Instalment plans agreed", total(plans.values())))
    rows += [
        MoneyRow(s.value.capitalize(), plans.get(s.value, Amounts()), indent=True) for s in ArrangementStatus
    ]
    rows.append(MoneyRow("Collected (confirmed payments)", figures.collected))
    return rows


@router.get(PATH)
def show_dashboard(
    request: Request,
    first: str | None = Query(None, alias="from"),
    last: str | None = Query(None, alias="to"),
    user: ConsoleUser = Depends(require_user(ConsoleRole.SUPERVISOR)),
    db: Session = Depends(get_session),
    now: datetime = Depends(console_now),
) -> HTMLResponse:
    today: date = now.date()
    presets = [(f"Last {n} days", period_link(Period.ending(today, n))) for n in PRESETS]
    try:
        period = Period.parse(first, last, today)
    except PeriodError as exc:
        context = {
            "error": f"Not shown: {exc}.",
            "form": {"from": first or "", "to": last or ""},
            "presets": presets,
            "figures": None,
        }
        return render(request, "dashboard.html", context, status_code=400)
    figures = dashboard(db, period)
    daily = figures.daily
    activity = charts.day_bars(
        "activity",
        "Conversations and handoffs per day",
        f"Bars per UTC day from {day_range(period)}: {sum(daily.conversations)} conversations started, "
        f"{sum(daily.handoffs)} handoffs asked for. The table below gives each day's numbers.",
        daily.days,
        [
            charts.Series("conversations", daily.conversations, "primary"),
            charts.Series("handoffs", daily.handoffs, "secondary"),
        ],
    )
    context = {
        "error": None,
        "form": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "presets": presets,
        "figures": figures,
        "period_text": day_range(period),
        "rates": rate_cards(figures),
        "raised": [(label, figures.conversations.flags[flag]) for label, flag in RAISED],
        "money_rows": money_rows(figures),
        "activity": activity,
        "meter": charts.meter,
        "money": money,
        "duration": duration,
    }
    return render(request, "dashboard.html", context)
