"""The campaign planner on a small varied portfolio: what it plans for each kind of account, that each
target is exactly what facts_for + decide say of that account at that instant, chunking, planning
again, the edges of the campaign window, and the same on the real PostgreSQL."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, delete, update
from sqlmodel import Session, select

from campaigns import planner
from campaigns.filters import AccountFilter
from campaigns.planner import (
    AccountRow,
    ChunkFacts,
    PlanningWindow,
    PlanSummary,
    matching_accounts,
    plan_campaign,
)
from core.settings import get_settings
from debt.contact_policy import ContactFacts, Decision, decide, facts_for
from debt.contact_rules import settings_rules
from debt.db import make_engine
from debt.models import (
    Account,
    Campaign,
    CampaignStatus,
    CampaignTarget,
    Channel,
    ContactAttempt,
    ContactKind,
    ContactPoint,
    Conversation,
    Creditor,
    DoNotContact,
    Payment,
    TargetState,
)
from debt.outcomes import record_opt_out
from tests.factories import make_account

PARIS = ZoneInfo("Europe/Paris")
# Wednesday 25 November 2026, 10:00 in Paris: inside the hours in Europe, 04:00 in New York.
AT = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS).astimezone(UTC)
WINDOW_END = AT + timedelta(days=7)
NEW_YORK_MOBILE = "+12124567890"
PARIS_LANDLINE = "+33142685300"
US_TOLL_FREE = "+18005550199"  # no zone of its own: the address gives it

# --- the portfolio ---------------------------------------------------------------------------------


def _phone(n: int) -> str:
    """A number of the fiction range, one per account: a do-not-contact entry hits one account."""
    return f"+336399800{n:02d}"


def _attempts(session: Session, account: Account, channel: str, count: int, hours_ago: float) -> None:
    for n in range(count):
        at = AT - timedelta(hours=hours_ago + n)
        session.add(
            ContactAttempt(
                account_id=account.id,
                debtor_id=account.debtor_id,
                channel=channel,
                to="+33639980000",
                purpose="collection",
                allowed=True,
                decision_reason="allowed: test",
                idempotency_key=f"test:{account.id}:{channel}:{n}",
                status="delivered",
                scheduled_at=at,
                attempted_at=at,
            )
        )


def _set(session: Session, account: Account, **fields: Any) -> Account:
    for name, value in fields.items():
        setattr(account, name, value)
    session.add(account)
    return account


def _phones_of(session: Session, account: Account) -> list[ContactPoint]:
    query = select(ContactPoint).where(
        ContactPoint.debtor_id == account.debtor_id, ContactPoint.kind == ContactKind.PHONE
    )
    return list(session.exec(query))


def _only_wrong_number(session: Session, account: Account) -> None:
    for phone in _phones_of(session, account):
        phone.valid, phone.invalid_reason = False, "wrong number"
        session.add(phone)


def _landline(session: Session, account: Account, *, newer: bool) -> None:
    updated = AT + timedelta(minutes=1) if newer else AT - timedelta(days=300)
    session.add(
        ContactPoint(
            debtor_id=account.debtor_id,
            kind=ContactKind.PHONE,
            value=PARIS_LANDLINE,
            updated_at=updated,
        )
    )


def _address(session: Session, account: Account, *, postcode: str, country: str) -> None:
    query = select(ContactPoint).where(
        ContactPoint.debtor_id == account.debtor_id, ContactPoint.kind == ContactKind.ADDRESS
    )
    address = session.exec(query).one()
    address.postcode, address.country = postcode, country
    session.add(address)


def _conversation(session: Session, account: Account, last_activity: datetime) -> None:
    session.add(
        Conversation(
            channel=Channel.SMS,
            party="+33639980000",
            debtor_id=account.debtor_id,
            account_id=account.id,
            sender_id=f"test-{account.id}",
            status="closed",
            started_at=last_activity - timedelta(minutes=5),
            last_activity_at=last_activity,
        )
    )


def _opt_out(session: Session, account: Account, channel: str) -> None:
    record_opt_out(session, debtor_id=account.debtor_id, channel=channel, wording="STOP")


def _part_payment(session: Session, account: Account, paid_on: date) -> None:
    """A confirmed part payment: it acknowledges the debt (a new limitation period)."""
    session.add(
        Payment(
            account_id=account.id, amount=Decimal("10.00"), paid_on=paid_on, method="transfer", confirmed=True
        )
    )


def _creditor(session: Session, account: Account, name: str) -> None:
    creditor = session.get(Creditor, account.creditor_id)
    assert creditor is not None
    creditor.name = name
    session.add(creditor)


# Each case: how to make the account, and what the plan holds for it: state, channel, the code of the
# reason (None: contacted at once), and whether it waits past the planning instant.
Case = tuple[Callable[[Session, Account], object], TargetState, Channel, str | None, bool]
CASES: dict[str, Case] = {
    "PLAIN": (lambda s, a: None, TargetState.PLANNED, Channel.SMS, None, False),
    "SMS_OPT_OUT": (
        lambda s, a: _opt_out(s, a, "sms"),
        TargetState.PLANNED, Channel.VOICE, None, False,
    ),
    "OPTED_OUT": (
        lambda s, a: [_opt_out(s, a, channel) for channel in ("sms", "voice")],
        TargetState.REFUSED, Channel.SMS, "opted_out", False,
    ),
    "DISPUTED": (
        lambda s, a: _set(s, a, status="disputed"), TargetState.REFUSED, Channel.SMS, "disputed", False,
    ),
    "PAID": (lambda s, a: _set(s, a, status="paid"), TargetState.REFUSED, Channel.SMS, "settled", False),
    "WRONG_NUMBER": (_only_wrong_number, TargetState.REFUSED, Channel.SMS, "no_valid_phone", False),
    "WRONG_NUMBER_AND_LANDLINE": (
        lambda s, a: (_only_wrong_number(s, a), _landline(s, a, newer=False)),
        TargetState.PLANNED, Channel.SMS, None, False,
    ),
    "MOBILE_AND_NEWER_LANDLINE": (
        lambda s, a: _landline(s, a, newer=True), TargetState.PLANNED, Channel.SMS, None, False,
    ),
    "NO_PHONE": (
        lambda s, a: [s.delete(p) for p in _phones_of(s, a)],
        TargetState.REFUSED, Channel.SMS, "no_valid_phone", False,
    ),
    "DNC_NUMBER": (
        lambda s, a: s.add(DoNotContact(value=_phones_of(s, a)[0].value, reason="complaint")),
        TargetState.REFUSED, Channel.SMS, "do_not_contact", False,
    ),
    "DNC_DEBTOR": (
        lambda s, a: s.add(DoNotContact(debtor_id=a.debtor_id, reason="lawyer")),
        TargetState.REFUSED, Channel.SMS, "do_not_contact", False,
    ),
    "SMS_CAP": (lambda s, a: _attempts(s, a, "sms", 3, 24), TargetState.PLANNED, Channel.VOICE, None, False),
    "BOTH_CAPS": (
        lambda s, a: (_attempts(s, a, "sms", 3, 24), _attempts(s, a, "voice", 7, 30)),
        TargetState.PLANNED, Channel.SMS, "cap_reached", True,
    ),
    "OLD_ATTEMPTS": (
        lambda s, a: _attempts(s, a, "sms", 3, 8 * 24), TargetState.PLANNED, Channel.SMS, None, False,
    ),
    "US_NIGHT": (
        lambda s, a: (
            _set(s, a, jurisdiction="US"),
            [_set(s, p, value=NEW_YORK_MOBILE) for p in _phones_of(s, a)],
        ),
        TargetState.PLANNED, Channel.SMS, "outside_hours", True,
    ),
    "US_ZONE_FROM_ADDRESS": (
        lambda s, a: (
            _set(s, a, jurisdiction="US"),
            [_set(s, p, value=US_TOLL_FREE) for p in _phones_of(s, a)],
            _address(s, a, postcode="94105", country="US"),
        ),
        TargetState.PLANNED, Channel.SMS, "outside_hours", True,
    ),
    "TIME_BARRED": (
        lambda s, a: _set(s, a, due_date=date(2023, 1, 15)),
        TargetState.REFUSED, Channel.SMS, "time_barred", False,
    ),
    "PART_PAID_NOT_BARRED": (
        lambda s, a: (
            _set(s, a, due_date=date(2023, 1, 15)),
            _part_payment(s, a, date(2024, 12, 1)),
        ),
        TargetState.PLANNED, Channel.SMS, None, False,
    ),
    "COOL_OFF": (
        lambda s, a: _conversation(s, a, AT - timedelta(days=1)),
        TargetState.PLANNED, Channel.SMS, "cool_off", True,
    ),
    "HARDSHIP_DATED": (
        lambda s, a: _set(s, a, status="hardship_hold", status_until=AT.date() + timedelta(days=3)),
        TargetState.PLANNED, Channel.SMS, "hardship_hold", True,
    ),
    "HARDSHIP_OPEN_ENDED": (
        lambda s, a: _set(s, a, status="hardship_hold"),
        TargetState.REFUSED, Channel.SMS, "hardship_hold", False,
    ),
    "GERMAN": (lambda s, a: None, TargetState.PLANNED, Channel.SMS, None, False),
}  # fmt: skip


def build_portfolio(session: Session) -> dict[str, Account]:
    accounts = {}
    for n, (ref, (make, *_)) in enumerate(CASES.items()):
        country, language = ("DE", "de") if ref == "GERMAN" else ("FR", "fr")
        account = make_account(session, account_ref=ref, phone=_phone(n), country=country, language=language)
        make(session, account)
        session.flush()
        accounts[ref] = account
    session.commit()
    return accounts


_campaign_numbers = count(1)


def _campaign(session: Session, **fields: Any) -> Campaign:
    values: dict[str, Any] = {
        "name": f"campaign {next(_campaign_numbers)}",
        "channels": "sms,voice",
        "window_start": AT - timedelta(hours=1),
        "window_end": WINDOW_END,
    }
    campaign = Campaign(**(values | fields))
    session.add(campaign)
    session.commit()
    return campaign


def _counts(summary: PlanSummary) -> tuple[int, int]:
    return summary.planned, summary.skipped


def _targets(session: Session, campaign_id: int) -> dict[str, CampaignTarget]:
    query = select(Account.account_ref, CampaignTarget).join(Account, Account.id == CampaignTarget.account_id)
    rows = session.exec(query.where(CampaignTarget.campaign_id == campaign_id)).all()
    return dict(rows)


# --- what facts_for and decide say, account by account ------------------------------------------------


def _reason(decision: Decision) -> str:
    return f"{decision.reason}: {decision.detail}"[:200]


def expected_target(
    session: Session, account: Account, to: str, channels: list[Channel], when: datetime, window_end: datetime
) -> tuple[Channel, TargetState, datetime, str | None]:
    """The campaign's rule, on facts_for + decide: the first channel allowed now, else the one that
    opens first inside the window, else refused with the first channel's decision."""
    decisions = [(c, decide(facts_for(session, account, c, to, when), c, when)) for c in channels]
    allowed = [channel for channel, decision in decisions if decision.allowed]
    if allowed:
        return allowed[0], TargetState.PLANNED, when, None
    later = [
        (d.next_allowed_at, n, c, d)
        for n, (c, d) in enumerate(decisions)
        if d.next_allowed_at is not None and d.next_allowed_at < window_end
    ]
    if later:
        opens, _, channel, decision = min(later)
        return channel, TargetState.PLANNED, opens, _reason(decision)
    channel, decision = decisions[0]
    return channel, TargetState.REFUSED, when, _reason(decision)


def assert_targets_are_what_the_policy_says(session: Session, campaign: Campaign, at: datetime) -> None:
    window = PlanningWindow.of(campaign, at)
    targets = _targets(session, window.campaign_id)
    assert targets, "nothing planned"
    for ref, target in targets.items():
        account = session.get(Account, target.account_id)
        assert account is not None
        if target.to == "":
            assert target.state == TargetState.REFUSED and target.last_reason.startswith("no_valid_phone: ")
            continue
        expected = expected_target(
            session, account, target.to, list(window.channels), window.when, window.window_end
        )
        got = (target.channel, target.state, target.due_at, target.last_reason)
        assert got == expected, ref


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def engine(sqlite_url: str) -> Engine:
    return make_engine(sqlite_url)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def portfolio(session: Session) -> dict[str, Account]:
    return build_portfolio(session)


# --- the plan, case by case ------------------------------------------------------------------------


def test_each_kind_of_account_gets_its_target(
    engine: Engine, session: Session, portfolio: dict[str, Account]
) -> None:
    campaign = _campaign(session)
    summary = plan_campaign(engine, campaign.id, AT)  # type: ignore[arg-type]

    targets = _targets(session, campaign.id)  # type: ignore[arg-type]
    assert set(targets) == set(CASES)
    for ref, (_, state, channel, reason, waits) in CASES.items():
        target = targets[ref]
        assert (target.state, target.channel, target.attempts, target.tries) == (state, channel, 0, 0), ref
        assert (target.last_reason or "").split(":")[0] == (reason or ""), ref
        assert (target.due_at > AT) is waits, ref
        assert target.language == ("de" if ref == "GERMAN" else "fr")
    refused = sum(state == TargetState.REFUSED for _, state, *_ in CASES.values())
    assert (summary.planned, summary.skipped) == (len(CASES) - refused, refused)


def test_refusals_keep_the_reason_and_the_detail(
    engine: Engine, session: Session, portfolio: dict[str, Account]
) -> None:
    campaign = _campaign(session)
    plan_campaign(engine, campaign.id, AT)  # type: ignore[arg-type]
    targets = _targets(session, campaign.id)  # type: ignore[arg-type]

    assert targets["NO_PHONE"].last_reason == "no_valid_phone: no phone number on file"
    assert targets["NO_PHONE"].to == ""
    assert targets["WRONG_NUMBER"].last_reason == (
        "no_valid_phone: every phone on file is marked invalid (wrong number or unused)"
    )
    assert targets["OPTED_OUT"].last_reason == "opted_out: the debtor opted out of sms"
    assert targets["BOTH_CAPS"].last_reason == "cap_reached: 3 SMS in the last 7 days, limit 3"
    # 04:00 in New York: the first SMS at 08:00 there.
    assert targets["US_NIGHT"].due_at == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    assert (
        targets["US_NIGHT"].last_reason == "outside_hours: 04:00 in America/New_York is outside 08:00–21:00"
    )
    # A toll-free number tells no zone: the address in San Francisco does.
    assert targets["US_ZONE_FROM_ADDRESS"].due_at == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    # The conversation was a day ago: two days of cool-off on both channels.
    assert targets["COOL_OFF"].due_at == AT + timedelta(days=1)


def test_the_destination_is_a_valid_phone_and_a_mobile_first(
    engine: Engine, session: Session, portfolio: dict[str, Account]
) -> None:
    campaign = _campaign(session)
    plan_campaign(engine, campaign.id, AT)  # type: ignore[arg-type]
    targets = _targets(session, campaign.id)  # type: ignore[arg-type]

    assert targets["WRONG_NUMBER_AND_LANDLINE"].to == PARIS_LANDLINE
    mobile = next(
        p.value
        for p in _phones_of(session, portfolio["MOBILE_AND_NEWER_LANDLINE"])
        if p.value != PARIS_LANDLINE
    )
    assert targets["MOBILE_AND_NEWER_LANDLINE"].to == mobile
    assert targets["PLAIN"].to == _phones_of(session, portfolio["PLAIN"])[0].value


def test_every_target_is_what_facts_for_and_decide_say(
    engine: Engine, session: Session, portfolio: dict[str, Account]
) -> None:
    campaign = _campaign(session)
    plan_campaign(engine, campaign.id, AT, chunk_size=4)  # type: ignore[arg-type]
    assert_targets_are_what_the_policy_says(session, campaign, AT)


def test_the_chunk_facts_are_facts_for(
    engine: Engine, session: Session, portfolio: dict[str, Account]
) -> None:
    campaign = _campaign(session, channels="voice,sms")
    window = PlanningWindow.of(campaign, AT)
    with engine.connect() as conn:
        rows = [AccountRow._make(r) for r in conn.execute(matching_accounts(AccountFilter(), window))]
        chunk = ChunkFacts(conn, rows, window)
    for row in rows:
        to = chunk.destination(row)
        if to is None:
            continue
        account = session.get(Account, row.id)
        assert account is not None
        for channel in window.channels:
            mine = _attempts_in_order(chunk.facts(row, channel, to))
            theirs = _attempts_in_order(facts_for(session, account, channel, to, window.when))
            assert mine == theirs, (row.id, channel)


def _attempts_in_order(facts: ContactFacts) -> ContactFacts:
    """The same facts with the attempts sorted (each query returns them in its own order)."""
    return dataclasses.replace(facts, recent_attempts=tuple(sorted(facts.recent_attempts)))


def test_the_creditors_own_rules_apply(
    engine: Engine,
    session: Session,
    portfolio: dict[str, Account],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text('creditors:\n  "Lente SAS":\n    FR:\n      hours: {start: "11:00", end: "18:00"}\n')
    monkeypatch.setenv("CONTACT_RULES_FILE", str(rules))
    get_settings.cache_clear()
    assert settings_rules()
    _creditor(session, portfolio["PLAIN"], "Lente SAS")
    session.commit()
    campaign = _campaign(session)
    plan_campaign(engine, campaign.id, AT)  # type: ignore[arg-type]

    target = _targets(session, campaign.id)["PLAIN"]  # type: ignore[arg-type]
    assert target.due_at == datetime(2026, 11, 25, 11, 0, tzinfo=PARIS)
    assert target.last_reason == "outside_hours: 10:00 in Europe/Paris is outside 11:00–18:00"
    assert_targets_are_what_the_policy_says(session, campaign, AT)


def test_chunks_do_not_change_the_plan(
    engine: Engine, session: Session, portfolio: dict[str, Account]
) -> None:
    plans = []
    for chunk_size in (1, 3, 5_000):
        campaign = _campaign(session)
        plan_campaign(engine, campaign.id, AT, chunk_size=chunk_size)  # type: ignore[arg-type]
        targets = _targets(session, campaign.id)  # type: ignore[arg-type]
        plans.append({ref: (t.channel, t.to, t.state, t.due_at, t.last_reason) for ref, t in targets.items()})
    assert plans[0] == plans[1] == plans[2]


def test_only_the_accounts_of_the_filter_are_planned(
    engine: Engine, session: Session, portfolio: dict[str, Account]
) -> None:
    selection = AccountFilter(statuses=("disputed", "paid"))  # type: ignore[arg-type]
    campaign = _campaign(session, filter=selection.model_dump_json())
    summary = plan_campaign(engine, campaign.id, AT)  # type: ignore[arg-type]
    assert set(_targets(session, campaign.id)) == {"DISPUTED", "PAID"}  # type: ignore[arg-type]
    assert (summary.planned, summary.skipped) == (0, 2)


# --- planning again, and the campaign -----------------------------------------------------------------


def test_planning_again_adds_only_new_accounts(
    engine: Engine, session: Session, portfolio: dict[str, Account]
) -> None:
    campaign = _campaign(session)
    first = plan_campaign(engine, campaign.id, AT)  # type: ignore[arg-type]
    before = {ref: t.id for ref, t in _targets(session, campaign.id).items()}  # type: ignore[arg-type]

    again = plan_campaign(engine, campaign.id, AT + timedelta(hours=1))  # type: ignore[arg-type]
    assert (again.planned, again.skipped) == (0, 0)
    assert {ref: t.id for ref, t in _targets(session, campaign.id).items()} == before  # type: ignore[arg-type]

    make_account(session, account_ref="LATE", phone=_phone(99))
    session.commit()
    late = plan_campaign(engine, campaign.id, AT + timedelta(hours=1))  # type: ignore[arg-type]
    assert (late.planned, late.skipped) == (1, 0)
    targets = _targets(session, campaign.id)  # type: ignore[arg-type]
    assert set(targets) == set(CASES) | {"LATE"}
    assert targets["LATE"].due_at == AT + timedelta(hours=1)
    session.refresh(campaign)
    assert (campaign.planned, campaign.skipped) == (first.planned + 1, first.skipped)


def test_the_campaign_is_marked_planned_and_keeps_its_status(
    engine: Engine, session: Session, portfolio: dict[str, Account]
) -> None:
    campaign = _campaign(session)
    summary = plan_campaign(engine, campaign.id, AT)  # type: ignore[arg-type]
    session.refresh(campaign)
    assert campaign.status == CampaignStatus.DRAFT
    assert (campaign.planned, campaign.skipped, campaign.planned_at) == (summary.planned, summary.skipped, AT)
    assert summary.seconds > 0


def test_an_empty_selection_is_planned_too(engine: Engine, session: Session) -> None:
    campaign = _campaign(session)
    assert _counts(plan_campaign(engine, campaign.id, AT)) == (0, 0)  # type: ignore[arg-type]
    session.refresh(campaign)
    assert campaign.planned_at == AT  # the dispatcher does not plan it again


def test_a_campaign_that_starts_later_is_decided_at_its_start(
    engine: Engine, session: Session, portfolio: dict[str, Account]
) -> None:
    start = AT + timedelta(days=1)
    campaign = _campaign(session, window_start=start, window_end=start + timedelta(days=7))
    plan_campaign(engine, campaign.id, AT)  # type: ignore[arg-type]
    targets = _targets(session, campaign.id)  # type: ignore[arg-type]
    assert targets["PLAIN"].due_at == start
    # The conversation's cool-off is over by then.
    assert (targets["COOL_OFF"].state, targets["COOL_OFF"].due_at) == (TargetState.PLANNED, start)
    assert_targets_are_what_the_policy_says(session, campaign, AT)


def test_what_cannot_happen_before_the_window_ends_is_refused(
    engine: Engine, session: Session, portfolio: dict[str, Account]
) -> None:
    campaign = _campaign(session, window_end=AT + timedelta(hours=2))
    plan_campaign(engine, campaign.id, AT)  # type: ignore[arg-type]
    targets = _targets(session, campaign.id)  # type: ignore[arg-type]
    for ref in ("US_NIGHT", "COOL_OFF", "BOTH_CAPS", "HARDSHIP_DATED"):
        assert targets[ref].state == TargetState.REFUSED, ref
    assert targets["US_NIGHT"].last_reason.startswith("outside_hours: 04:00 in America/New_York")  # type: ignore[union-attr]
    assert targets["PLAIN"].state == TargetState.PLANNED
    assert_targets_are_what_the_policy_says(session, campaign, AT)


@pytest.mark.parametrize("status", [CampaignStatus.CANCELLED, CampaignStatus.COMPLETED])
def test_a_settled_campaign_is_not_planned(
    engine: Engine, session: Session, portfolio: dict[str, Account], status: CampaignStatus
) -> None:
    campaign = _campaign(session, status=status)
    assert _counts(plan_campaign(engine, campaign.id, AT)) == (0, 0)  # type: ignore[arg-type]
    assert _targets(session, campaign.id) == {}  # type: ignore[arg-type]


def test_bad_calls_are_refused(engine: Engine, session: Session) -> None:
    with pytest.raises(ValueError, match="naive"):
        plan_campaign(engine, _campaign(session).id, datetime(2026, 11, 25, 10, 0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sms and voice only"):
        plan_campaign(engine, _campaign(session, channels="sms,email").id, AT)  # type: ignore[arg-type]
    with pytest.raises(LookupError):
        plan_campaign(engine, 999, AT)


# --- the machinery: facts, zones, reading ahead --------------------------------------


def test_the_planner_knows_every_fact_of_the_policy() -> None:
    # A fact added to ContactFacts (and facts_for) must be loaded by ChunkFacts too.
    assert tuple(f.name for f in dataclasses.fields(ContactFacts)) == planner.FACT_FIELDS


def test_phones_whose_facts_were_never_worked_out_are_planned_the_same(
    engine: Engine, session: Session, portfolio: dict[str, Account]
) -> None:
    stored = _campaign(session)
    plan_campaign(engine, stored.id, AT)  # type: ignore[arg-type]
    # Rows written by another tool (COPY, a restore) carry no zone and no kind: the planner works
    # them out.
    session.execute(update(ContactPoint).values(time_zone=None, mobile=None))
    session.commit()
    worked_out = _campaign(session)
    plan_campaign(engine, worked_out.id, AT, chunk_size=3)  # type: ignore[arg-type]

    def plan(campaign: Campaign) -> dict[str, tuple[Any, ...]]:
        targets = _targets(session, campaign.id)  # type: ignore[arg-type]
        return {ref: (t.channel, t.to, t.state, t.due_at, t.last_reason) for ref, t in targets.items()}

    assert plan(worked_out) == plan(stored)
    assert plan(stored)["US_NIGHT"][3] == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def test_a_failure_while_reading_ahead_reaches_the_planner() -> None:
    def chunks() -> Iterator[int]:
        yield 1
        raise RuntimeError("the database went away")

    read = planner._read_ahead(chunks())
    assert next(read) == 1
    with pytest.raises(RuntimeError, match="went away"):
        next(read)


def test_writing_behind_writes_everything_in_order_before_the_block_ends() -> None:
    written: list[int] = []

    def slow_write(n: int) -> None:
        time.sleep(0.01)
        written.append(n)

    with planner._write_behind(slow_write) as send:
        for n in range(20):
            send(n)
    assert written == list(range(20))


def test_a_failure_while_writing_behind_reaches_the_planner() -> None:
    written: list[int] = []

    def write(n: int) -> None:
        if n == 3:
            raise RuntimeError("COPY refused: foreign key")
        written.append(n)

    with pytest.raises(RuntimeError, match="foreign key"), planner._write_behind(write) as send:
        for n in range(100):
            send(n)
            time.sleep(0.005)
    assert written == [0, 1, 2]  # nothing after the failure
    # A failure of the last item is raised when the block ends.
    with pytest.raises(RuntimeError, match="foreign key"), planner._write_behind(write) as send:
        send(3)


def test_an_error_while_planning_still_ends_the_writer() -> None:
    written: list[int] = []
    with pytest.raises(ValueError, match="planning"), planner._write_behind(written.append) as send:
        send(1)
        raise ValueError("planning failed")
    assert written == [1]
    assert not [t for t in threading.enumerate() if t.name == "plan-write-behind"]


def test_reading_ahead_stops_when_the_planner_stops() -> None:
    produced: list[int] = []

    def chunks() -> Iterator[int]:
        for n in range(1000):
            produced.append(n)
            yield n

    read = planner._read_ahead(chunks())
    assert next(read) == 0
    read.close()
    assert len(produced) < 10


# --- the real PostgreSQL --------------------------------------------------------------------------------


@pytest.mark.postgres
def test_on_postgresql(pg_url: str) -> None:
    engine = make_engine(pg_url)
    with Session(engine, expire_on_commit=False) as session:
        build_portfolio(session)
        campaign = _campaign(session)
        summary = plan_campaign(engine, campaign.id, AT, chunk_size=5)  # type: ignore[arg-type]
        assert summary.planned + summary.skipped == len(CASES)
        assert_targets_are_what_the_policy_says(session, campaign, AT)
        targets = _targets(session, campaign.id)  # type: ignore[arg-type]
        assert targets["US_NIGHT"].due_at == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
        assert targets["NO_PHONE"].to == "" and targets["NO_PHONE"].tries == 0

        assert _counts(plan_campaign(engine, campaign.id, AT)) == (0, 0)  # type: ignore[arg-type]
        session.execute(
            delete(CampaignTarget).where(CampaignTarget.account_id == targets["PLAIN"].account_id)
        )
        session.commit()
        assert _counts(plan_campaign(engine, campaign.id, AT)) == (1, 0)  # type: ignore[arg-type]
    engine.dispose()
