"""The dashboard: each figure's definition on a small month built by hand (SQLite and PostgreSQL), the
charts' SVG, and the page: supervisors only, the period form, escaping, nothing inline."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import ModuleType

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col

from console import audit_page, campaigns_page, charts, dashboard
from console.metrics import Amounts, Period, PeriodError, Ratio, percentile, seconds_between
from console.metrics import dashboard as figures_of
from debt.conversations import open_conversation, set_flag
from debt.db import engine_for, session_scope
from debt.models import (
    Account,
    Arrangement,
    ArrangementStatus,
    Channel,
    ContactAttempt,
    ConversationFlag,
    ConversationStatus,
    Dispute,
    DisputeStatus,
    Handoff,
    HandoffStatus,
    HardshipCase,
    Payment,
    PromiseStatus,
    PromiseToPay,
)
from tests.console.helpers import signed_in_client
from tests.factories import make_account

SECTIONS: tuple[ModuleType, ...] = (dashboard, campaigns_page, audit_page)
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
F = ConversationFlag


def include_sections(app: FastAPI) -> FastAPI:
    """Add these sections' routes to the test app until console/routes.py lists them."""
    known = {getattr(route, "path", None) for route in app.routes}
    for section in SECTIONS:
        if not {getattr(route, "path", None) for route in section.router.routes} <= known:
            app.include_router(section.router)
    return app


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    return include_sections(app)


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


# ---- a month built by hand -----------------------------------------------------------------------------


def talk(
    db: Session,
    n: int,
    started: datetime,
    account: Account | None,
    flags: tuple[ConversationFlag, ...] = (),
    *,
    closed: bool = True,
) -> int:
    conversation = open_conversation(
        db, channel=Channel.SMS, party=f"+3361234{n:04d}", account_id=account.id if account else None
    )
    conversation.started_at = started
    if closed:
        conversation.status, conversation.closed_at = (
            ConversationStatus.CLOSED,
            started + timedelta(minutes=9),
        )
    db.add(conversation)
    db.flush()
    for flag in flags:
        set_flag(db, conversation.id, flag)  # type: ignore[arg-type]
    return conversation.id  # type: ignore[return-value]


def handoff(
    db: Session, conversation_id: int, requested: datetime, waited: int | None, status: HandoffStatus
) -> None:
    accepted = requested + timedelta(seconds=waited) if waited is not None else None
    db.add(
        Handoff(
            conversation_id=conversation_id,
            reason="asked",
            summary="s",
            status=status,
            requested_at=requested,
            accepted_at=accepted,
        )
    )


def attempt(
    db: Session, account: Account, channel: Channel, status: str, when: datetime, *, allowed: bool = True
) -> None:
    db.add(
        ContactAttempt(
            account_id=account.id,  # type: ignore[arg-type]
            debtor_id=account.debtor_id,
            channel=channel,
            to="+33639980012",
            allowed=allowed,
            decision_reason="allowed: ok" if allowed else "refused: quiet hours",
            idempotency_key=f"k-{channel}-{status}-{when.isoformat()}-{allowed}",
            status=status,
            scheduled_at=when,
            attempted_at=when if allowed and status != "planned" else None,
        )
    )


def seed_month(db: Session) -> None:
    """November 2026, with a few rows just outside it that must not count."""
    a1, a2, a3 = (make_account(db) for _ in range(3))
    talk(db, 1, at(2), a1, (F.IDENTITY_VERIFIED, F.PROMISE_TO_PAY))
    c2 = talk(db, 2, at(2, 15), a2, (F.IDENTITY_VERIFIED, F.HANDOFF))
    talk(db, 3, at(3), a3, (F.WRONG_PARTY,))
    c4 = talk(db, 4, at(5), None, (F.IDENTITY_FAILED, F.HANDOFF))
    talk(db, 5, at(5, 16), a1, (F.IDENTITY_VERIFIED, F.DISPUTE, F.COMPLAINT, F.OPT_OUT), closed=False)
    talk(db, 6, at(6), None)
    c8 = talk(db, 8, at(7), a3, (F.IDENTITY_VERIFIED, F.HARDSHIP, F.VULNERABILITY, F.ARRANGEMENT))
    c9 = talk(db, 9, at(10), a1, (F.IDENTITY_VERIFIED, F.PROMISE_TO_PAY, F.HANDOFF), closed=False)
    c10 = talk(db, 10, at(10, 18), None, (F.HANDOFF,))
    talk(db, 11, datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC), None, closed=False)
    c7 = talk(db, 7, at(15, month=10), a2, (F.IDENTITY_VERIFIED, F.HANDOFF))  # October
    talk(db, 12, datetime(2026, 12, 1, 0, 0, tzinfo=UTC), a2, (F.IDENTITY_VERIFIED,))  # December

    handoff(db, c2, at(2, 15), 60, HandoffStatus.RETURNED)
    handoff(db, c4, at(5), 180, HandoffStatus.RETURNED)
    handoff(db, c8, at(7), 600, HandoffStatus.ACTIVE)  # a handoff row without the flag counts too
    handoff(db, c9, at(10), None, HandoffStatus.WAITING)
    handoff(db, c10, at(10, 18), None, HandoffStatus.ABANDONED)
    handoff(db, c7, at(15, month=10), 5, HandoffStatus.RETURNED)

    for account, amount, status, created in (
        (a1, "50.00", PromiseStatus.KEPT, at(2)),
        (a1, "20.00", PromiseStatus.BROKEN, at(3)),
        (a2, "30.00", PromiseStatus.PENDING, at(20)),
        (a3, "10.00", PromiseStatus.KEPT, at(4)),
        (a3, "99.00", PromiseStatus.KEPT, at(30, month=10)),
    ):
        db.add(
            PromiseToPay(
                account_id=account.id,  # type: ignore[arg-type]
                amount=Decimal(amount),
                promised_date=created.date() + timedelta(days=7),
                status=status,
                created_at=created,
            )
        )
    for account, amount, status, created in (
        (a3, "120.00", ArrangementStatus.ACTIVE, at(7)),
        (a2, "60.50", ArrangementStatus.COMPLETED, at(8)),
        (a1, "300.00", ArrangementStatus.ACTIVE, at(1, month=10)),
    ):
        db.add(
            Arrangement(
                account_id=account.id,  # type: ignore[arg-type]
                total=Decimal(amount),
                instalment_count=3,
                first_due=created.date(),
                status=status,
                created_at=created,
            )
        )
    for amount, currency, paid_on, confirmed in (
        ("25.00", "EUR", date(2026, 11, 3), True),
        ("12.34", "GBP", date(2026, 11, 30), True),
        ("10.00", "EUR", date(2026, 11, 4), False),
        ("5.00", "EUR", date(2026, 10, 31), True),
    ):
        db.add(
            Payment(
                account_id=a1.id,  # type: ignore[arg-type]
                amount=Decimal(amount),
                currency=currency,
                paid_on=paid_on,
                method="transfer",
                confirmed=confirmed,
            )
        )
    for status, opened in (
        (DisputeStatus.OPEN, at(5)),
        (DisputeStatus.REJECTED, at(6)),
        (DisputeStatus.OPEN, at(9, month=10)),
    ):
        db.add(Dispute(account_id=a1.id, reason="already_paid", status=status, opened_at=opened))  # type: ignore[arg-type]
    db.add(HardshipCase(account_id=a3.id, vulnerability=True, created_at=at(7)))  # type: ignore[arg-type]
    db.add(HardshipCase(account_id=a3.id, vulnerability=False, created_at=at(8)))  # type: ignore[arg-type]

    attempt(db, a1, Channel.SMS, "delivered", at(3))
    attempt(db, a2, Channel.SMS, "undelivered", at(3, 11))
    attempt(db, a3, Channel.SMS, "read", at(4))
    attempt(db, a1, Channel.VOICE, "human", at(4, 11))
    attempt(db, a2, Channel.VOICE, "machine_start", at(4, 12))
    attempt(db, a3, Channel.VOICE, "no-answer", at(4, 13))
    attempt(db, a1, Channel.SMS, "refused", at(4, 22), allowed=False)
    attempt(db, a2, Channel.VOICE, "refused", at(5, 22), allowed=False)
    attempt(db, a3, Channel.SMS, "delivered", at(31, month=10))
    attempt(db, a1, Channel.SMS, "planned", at(6))  # allowed, not made yet


def check_november(db: Session) -> None:
    figures = figures_of(db, NOVEMBER)
    talks = figures.conversations
    assert (talks.conversations, talks.with_account, talks.right_party) == (10, 6, 5)
    assert talks.right_party_rate == Ratio(5, 6)
    assert talks.verification_success == Ratio(5, 6) and talks.identity_failed == 1
    assert (talks.closed, talks.handed_off, talks.contained) == (7, 5, 3)
    assert talks.containment == Ratio(3, 7)
    assert talks.promise_rate == Ratio(2, 5)
    assert talks.flags == {
        F.IDENTITY_VERIFIED: 5,
        F.IDENTITY_FAILED: 1,
        F.WRONG_PARTY: 1,
        F.DISPUTE: 1,
        F.HARDSHIP: 1,
        F.VULNERABILITY: 1,
        F.COMPLAINT: 1,
        F.HANDOFF: 4,
        F.OPT_OUT: 1,
        F.PROMISE_TO_PAY: 2,
        F.ARRANGEMENT: 1,
        F.PAID: 0,
    }

    daily = figures.daily
    assert len(daily.days) == 30 and daily.days[0] == date(2026, 11, 1)
    per_day = {
        d.day: (c, h)
        for d, c, h in zip(daily.days, daily.conversations, daily.handoffs, strict=True)
        if c or h
    }
    assert per_day == {2: (2, 1), 3: (1, 0), 5: (2, 1), 6: (1, 0), 7: (1, 1), 10: (2, 2), 30: (1, 0)}

    h = figures.handoffs
    assert (h.requested, h.taken_over, h.abandoned, h.waiting) == (5, 3, 1, 1)
    # Waits of 60, 180 and 600 s: the median is the middle one; p90 sits 80% of the way from 180 to 600.
    assert h.wait_median == pytest.approx(180, abs=0.01)
    assert h.wait_p90 == pytest.approx(516, abs=0.01)

    promises = figures.promises
    assert promises.made == Amounts(4, {"EUR": Decimal("110.00")})
    assert promises.of(PromiseStatus.KEPT) == Amounts(2, {"EUR": Decimal("60.00")})
    assert promises.of(PromiseStatus.CANCELLED) == Amounts()
    assert promises.kept_rate == Ratio(2, 3)
    assert figures.arrangements == {
        "active": Amounts(1, {"EUR": Decimal("120.00")}),
        "completed": Amounts(1, {"EUR": Decimal("60.50")}),
    }
    assert figures.collected == Amounts(2, {"EUR": Decimal("25.00"), "GBP": Decimal("12.34")})
    assert figures.cases.disputes == {"open": 1, "rejected": 1}
    assert (figures.cases.hardship, figures.cases.hardship_vulnerable) == (2, 1)

    outbound = figures.outbound
    assert {k: (v.made, v.reached, v.refused) for k, v in outbound.by_channel.items()} == {
        "sms": (3, 2, 1),
        "voice": (3, 1, 1),
    }
    assert outbound.total.reached_rate == Ratio(3, 6)


def test_the_figures_of_a_month_built_by_hand(sqlite_url: str) -> None:
    engine = engine_for(sqlite_url)
    with session_scope(engine) as db:
        seed_month(db)
    with Session(engine) as db:
        check_november(db)


@pytest.mark.postgres
def test_the_same_figures_on_postgres(pg_url: str) -> None:
    engine = engine_for(pg_url)
    with session_scope(engine) as db:
        seed_month(db)
    with Session(engine) as db:
        check_november(db)


def test_an_empty_period_divides_by_nothing(sqlite_url: str) -> None:
    with Session(engine_for(sqlite_url)) as db:
        figures = figures_of(db, NOVEMBER)
    assert figures.conversations.right_party_rate.percent() == "—"
    assert figures.handoffs.wait_median is None and figures.promises.kept_rate.share is None
    assert sum(figures.daily.conversations) == 0 and figures.outbound.by_channel == {}


def test_percentile_interpolates_like_percentile_cont(sqlite_url: str) -> None:
    engine = engine_for(sqlite_url)
    with session_scope(engine) as db:
        c = talk(db, 1, at(2), None)
        for waited in (10, 20, 30, 40):
            handoff(db, c, at(2), waited, HandoffStatus.RETURNED)
    wait = seconds_between(Handoff.requested_at, Handoff.accepted_at)
    taken = col(Handoff.accepted_at).is_not(None)
    with Session(engine) as db:
        assert percentile(db, wait, taken, 4, 0.5) == pytest.approx(25)
        assert percentile(db, wait, taken, 4, 0.9) == pytest.approx(37)
        assert percentile(db, wait, taken, 4, 0.0) == pytest.approx(10)
        assert percentile(db, wait, taken, 0, 0.5) is None


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (None, None, Period(date(2026, 10, 25), date(2026, 11, 23))),
        ("2026-11-01", "2026-11-30", NOVEMBER),
        ("2026-11-20", None, Period(date(2026, 11, 20), date(2026, 11, 23))),
        (None, "2026-11-10", Period(date(2026, 10, 12), date(2026, 11, 10))),
        ("2026-11-05", "2026-11-05", Period(date(2026, 11, 5), date(2026, 11, 5))),
    ],
)
def test_a_period_from_the_form(first: str | None, last: str | None, expected: Period) -> None:
    assert Period.parse(first, last, date(2026, 11, 23)) == expected


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-11-30", "2026-11-01", "the first day comes after the last"),
        ("2025-01-01", "2026-11-30", "at most 366 days"),
        ("30/11/2026", None, "from: a date as YYYY-MM-DD"),
        (None, "tomorrow", "to: a date as YYYY-MM-DD"),
    ],
)
def test_a_period_the_form_cannot_give(first: str | None, last: str | None, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        Period.parse(first, last, date(2026, 11, 23))


def test_a_period_counts_whole_utc_days() -> None:
    assert NOVEMBER.start == datetime(2026, 11, 1, tzinfo=UTC)
    assert NOVEMBER.end == datetime(2026, 12, 1, tzinfo=UTC)


# ---- charts ------------------------------------------------------------------------------------------


SVG = "{http://www.w3.org/2000/svg}"


def parse_svg(markup: str) -> ET.Element:
    namespaced = str(markup).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return ET.fromstring(namespaced)  # noqa: S314 (markup the code under test made, not a stranger's)


def test_a_bar_chart_is_well_formed_labelled_and_escaped() -> None:
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(3)]
    svg = charts.day_bars(
        "c1",
        'Per day <script>alert("x")</script>',
        "Two series & three days",
        days,
        [
            charts.Series("conversations", [4, 0, 7], "primary"),
            charts.Series("handoffs", [1, 0, 2], "secondary"),
        ],
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg and " style=" not in svg
    root = parse_svg(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == 'Per day <script>alert("x")</script>'  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Two series & three days"  # type: ignore[union-attr]
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [b.find(f"{SVG}title").text for b in bars][:2] == [  # type: ignore[union-attr]
        "2026-11-01: 4 conversations",
        "2026-11-01: 1 handoffs",
    ]
    heights = {b.find(f"{SVG}title").text: float(b.get("height", 0)) for b in bars}  # type: ignore[union-attr]
    # The axis goes to 8 (steps of 2): 7 fills 7/8 of the plot's 178 units.
    assert heights["2026-11-03: 7 conversations"] == pytest.approx(178 * 7 / 8, abs=0.1)
    assert heights["2026-11-02: 0 conversations"] == 0


def test_a_chart_of_nothing_still_draws_its_axis() -> None:
    svg = charts.day_bars("c2", "t", "d", [date(2026, 11, 1)], [charts.Series("x", [0], "primary")])
    assert [t.text for t in parse_svg(svg).iter(f"{SVG}text") if t.get("text-anchor") == "end"] == ["0", "1"]


@pytest.mark.parametrize(
    ("most", "step"), [(0, 1), (3, 1), (7, 2), (8, 2), (9, 5), (40, 10), (41, 20), (1234, 500)]
)
def test_axis_steps_are_round(most: int, step: int) -> None:
    assert charts.nice_step(most) == step


def test_a_meter_says_its_number() -> None:
    root = parse_svg(charts.meter(1, 3, "Containment <b>"))
    assert root.get("aria-label") == "Containment <b>: 33.3% (1 of 3)"
    assert [r.get("width") for r in root.iter(f"{SVG}rect")] == ["100", "33.3"]
    assert parse_svg(charts.meter(0, 0, "Empty")).get("aria-label") == "Empty: no data"


# ---- the page ----------------------------------------------------------------------------------------


@pytest.fixture
def seeded(engine: Engine) -> None:
    with session_scope(engine) as db:
        seed_month(db)


def test_a_supervisor_sees_the_figures_of_november(
    web: TestClient, staff: dict[str, str], seeded: None
) -> None:
    signed_in_client(web, "sam")
    page = web.get("/console/dashboard", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert page.status_code == 200, page.text
    text = page.text
    assert "Figures for <strong>1 Nov 2026 – 30 Nov 2026</strong>" in text
    for rate, count in (
        ("83.3%", "5 of 6"),
        ("42.9%", "3 of 7"),
        ("40.0%", "2 of 5"),
        ("66.7%", "2 of 3"),
        ("50.0%", "3 of 6"),
    ):
        assert f'<p class="rate__value">{rate}</p>' in text and f'<p class="rate__count">{count}</p>' in text
    assert "Conversations where the debtor&#39;s identity was verified" in text  # the definition is shown
    assert '<svg class="chart" id="activity"' in text and "<title>2026-11-10: 2 handoffs</title>" in text
    assert '<tr><th scope="row">2026-11-02</th><td>2</td><td>1</td></tr>' in text
    assert '<dt>Wait, median</dt><dd class="nowrap">3 min 00 s</dd>' in text
    assert '<dt>Wait, 90th percentile</dt><dd class="nowrap">8 min 36 s</dd>' in text
    assert "<td>4</td><td>€110.00</td>" in text  # promises made
    assert "€25.00, £12.34" in text  # collected, per currency
    assert 'value="2026-11-01"' in text and 'value="2026-11-30"' in text
    assert "<script" not in text and " style=" not in text and not re.search(r"\son[a-z]+=", text)
    assert 'href="/console/static/dashboard.css"' in text


def test_the_default_period_is_the_last_30_days(web: TestClient, staff: dict[str, str]) -> None:
    signed_in_client(web, "sam")
    page = web.get("/console/dashboard")
    assert page.status_code == 200
    assert "25 Oct 2026 – 23 Nov 2026" in page.text  # the test clock says 23 November
    assert 'href="/console/dashboard?from=2026-11-17&amp;to=2026-11-23">Last 7 days' in page.text
    assert "No outbound contact in the period." in page.text


def test_a_wrong_period_says_why_and_comes_back_escaped(web: TestClient, staff: dict[str, str]) -> None:
    signed_in_client(web, "sam")
    page = web.get("/console/dashboard", params={"from": '"><script>alert(1)</script>', "to": "2026-11-30"})
    assert page.status_code == 400
    assert "Not shown: from: a date as YYYY-MM-DD." in page.text
    assert (
        "<script>alert(1)" not in page.text and "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    )
    backwards = web.get("/console/dashboard", params={"from": "2026-11-30", "to": "2026-11-01"})
    assert backwards.status_code == 400 and "the first day comes after the last" in backwards.text


@pytest.mark.parametrize("role", ["admin", "advisor"])
def test_only_a_supervisor_opens_the_dashboard(web: TestClient, staff: dict[str, str], role: str) -> None:
    signed_in_client(web, staff[role])
    page = web.get("/console/dashboard")
    assert page.status_code == 403 and "Your role does not give access to this page." in page.text


def test_without_a_session_the_dashboard_sends_to_sign_in(web: TestClient) -> None:
    answer = web.get("/console/dashboard?from=2026-11-01")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?next=%2Fconsole%2Fdashboard%3Ffrom%3D2026-11-01"
    assert answer.headers["x-frame-options"] == "DENY"


def test_duration_and_money_as_people_read_them() -> None:
    assert [dashboard.duration(s) for s in (None, 38.4, 245, 7800)] == [
        "—",
        "38 s",
        "4 min 05 s",
        "2 h 10 min",
    ]
    assert dashboard.money(Amounts()) == "—"
    assert dashboard.money(Amounts(2, {"GBP": Decimal("1234.5"), "EUR": Decimal("3")})) == "€3.00, £1,234.50"
