"""The campaign planner: one target per matching account, with the contact policy's decision for it.

Accounts stream in chunks (a server-side cursor on PostgreSQL), so memory stays flat whatever the
portfolio. The facts of a chunk are loaded by a handful of set-based queries, never one per account,
and judged by `decide`, the function every contact goes through: the plan says of each account
exactly what facts_for + decide say at that instant. A target the policy refuses for good, or that
nothing lets through before the campaign ends, is kept as REFUSED with the decision's reason: the
proof of why the account was left out.

The plan is written in the transaction that holds the campaign's row: it lands whole or not at all,
and two planners never plan one campaign at once. Planning a campaign again adds only the matching
accounts it has no target for yet.

On PostgreSQL the work runs side by side: a thread reads the next chunks on a connection of its own
(one snapshot), this thread decides, and another thread sends each chunk's targets in a COPY of its
own while the server files them and checks their foreign keys. What a phone's number tells (its
zone, a mobile or not) is read as stored with it, worked out once when the number was written. On
SQLite one connection reads and inserts, chunk after chunk.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from queue import Full, Queue
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Text, and_, any_, bindparam, cast, exists, func, insert, or_, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from campaigns.filters import AccountFilter, account_query
from debt.clock import utcnow
from debt.contact_policy import RULES, WINDOW, ContactFacts, Decision, decide
from debt.limitation import LIMITATIONS, is_time_barred
from debt.local_zone import zone_from_address
from debt.models import (
    Account,
    AccountStatus,
    Campaign,
    CampaignStatus,
    CampaignTarget,
    Channel,
    Consent,
    ConsentStatus,
    ContactAttempt,
    ContactKind,
    ContactPoint,
    Conversation,
    Creditor,
    Debtor,
    DoNotContact,
    Payment,
    TargetState,
)
from debt.phones import preferred_phone, timezone_of

T = TypeVar("T")
CHUNK_SIZE = 10_000
PHONE_CHANNELS = frozenset({Channel.SMS, Channel.VOICE})
NO_VALID_PHONE = "no_valid_phone"
# ContactFacts' fields, in the order of ChunkFacts.fact_values; a test checks it against the class,
# so a fact added to facts_for cannot be forgotten here.
FACT_FIELDS = (
    "jurisdiction",
    "tz_name",
    "opted_out",
    "invalid_destination",
    "account_status",
    "status_until",
    "recent_attempts",
    "last_conversation_at",
    "do_not_contact",
    "creditor",
    "time_barred",
)
# Decisions are remembered per facts: most accounts share theirs. Bounded, so memory stays flat.
_KNOWN_DECISIONS = 10_000
_ATTEMPTS, _LAST_TALK = FACT_FIELDS.index("recent_attempts"), FACT_FIELDS.index("last_conversation_at")
_SETTLED_CAMPAIGNS = frozenset({CampaignStatus.CANCELLED, CampaignStatus.COMPLETED})


@dataclass(frozen=True, slots=True)
class PlanSummary:
    planned: int  # targets written PLANNED
    skipped: int  # targets written REFUSED: the policy or missing contact data keeps them out
    seconds: float


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return at.astimezone(UTC)


def _channels(names: str) -> tuple[Channel, ...]:
    channels = tuple(Channel(name.strip()) for name in names.split(",") if name.strip())
    if not channels or not set(channels) <= PHONE_CHANNELS:
        raise ValueError(f"campaign channels {names!r}: sms and voice only (a phone is the destination)")
    return channels


@dataclass(frozen=True, slots=True)
class PlanningWindow:
    """What a plan decides with: the campaign's channels in order, and the instant of the decisions."""

    campaign_id: int
    channels: tuple[Channel, ...]
    when: datetime  # max(planning time, window start), UTC
    window_end: datetime

    @classmethod
    def of(cls, campaign: Campaign, at: datetime) -> PlanningWindow:
        assert campaign.id is not None
        return cls(
            campaign_id=campaign.id,
            channels=_channels(campaign.channels),
            when=max(_aware(at), campaign.window_start),
            window_end=campaign.window_end,
        )


def _among(column: Any, values: Iterable[Any], dialect: str) -> ColumnElement[bool]:
    """column IN values. On PostgreSQL `= ANY` of one array written into the query: psycopg would
    adapt a list parameter element by element (seven times slower), and only a constant array is
    hashed when the table is read whole (a small table), not searched from end to end per row."""
    if dialect != "postgresql":
        return col(column).in_(list(values))
    values = list(values)
    items = map(str, values) if values and isinstance(values[0], int) else map(_quoted, values)
    array = bindparam(None, "{" + ",".join(items) + "}", type_=Text, literal_execute=True)
    return col(column) == any_(cast(array, ARRAY(column.type)))


def _quoted(value: Any) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


class AccountRow(NamedTuple):
    """What the planner reads of an account (a plain tuple: a Row's attributes cost twenty times more)."""

    id: int
    debtor_id: int
    jurisdiction: str
    status: str
    status_until: date | None
    due_date: date
    language: str
    creditor: str


def matching_accounts(
    account_filter: AccountFilter, window: PlanningWindow, *, only_new: bool = False
) -> Any:
    """The AccountRow columns of the accounts the filter selects; `only_new`: not targeted yet."""
    query = (
        account_query(account_filter, window.when.date())
        .with_only_columns(
            Account.id,
            Account.debtor_id,
            Account.jurisdiction,
            Account.status,
            Account.status_until,
            Account.due_date,
            Debtor.language,
            Creditor.name.label("creditor"),  # type: ignore[attr-defined]
            maintain_column_froms=False,
        )
        .join_from(Account, Debtor, col(Debtor.id) == Account.debtor_id)
        .join_from(Account, Creditor, col(Creditor.id) == Account.creditor_id)
    )
    if only_new:
        targeted = exists().where(
            CampaignTarget.campaign_id == window.campaign_id, CampaignTarget.account_id == Account.id
        )
        query = query.where(~targeted)
    return query


# --- the destination ------------------------------------------------------------------------------


class Phone(NamedTuple):
    value: str
    valid: bool
    mobile: bool | None  # as stored with the number; None: not worked out when it was written


def choose_phone(phones: Sequence[Phone]) -> str | None:
    """The valid phone to contact, of `phones` oldest first (debt.phones.preferred_phone)."""
    if len(phones) == 1:
        value, valid, _ = phones[0]
        return value if valid else None
    return preferred_phone((phone.value, phone.mobile) for phone in reversed(phones) if phone.valid)


def _all(conn: Connection, query: Any) -> Sequence[Any]:
    # In one fetch: iterating a result fetches row by row, four times slower.
    return conn.execute(query).all()


# --- the facts of a chunk -------------------------------------------------------------------------


class ChunkFacts:
    """What `decide` needs about a chunk of accounts, loaded by a handful of set-based queries: the
    same facts as debt.contact_policy.facts_for, account by account."""

    def __init__(self, conn: Connection, accounts: Sequence[AccountRow], window: PlanningWindow) -> None:
        self.window, self.accounts = window, accounts
        self._dialect = conn.dialect.name
        account_ids = [a.id for a in accounts]
        debtor_ids = {a.debtor_id for a in accounts}
        self.invalid: set[tuple[int, str]] = set()  # (debtor, phone) marked invalid
        self.number_zones: dict[str, str | None] = {}  # as stored with the phones
        self.phones, self.addresses = self._contact_points(conn, debtor_ids)
        self.opted_out = self._opt_outs(conn, debtor_ids)
        self.unwanted_values, self.unwanted_debtors = self._do_not_contact(conn, debtor_ids)
        self.attempts = self._recent_attempts(conn, account_ids)
        self.last_talks = self._last_conversations(conn, account_ids)
        self.paid = self._acknowledgements(conn, account_ids)
        self.destinations = {debtor: choose_phone(phones) for debtor, phones in self.phones.items()}
        self._days: dict[str | None, date] = {}

    def _contact_points(
        self, conn: Connection, debtor_ids: set[int]
    ) -> tuple[dict[int, list[Phone]], dict[int, tuple[str | None, str | None]]]:
        """Phones oldest first; the newest valid address (as facts_for: updated_at, then id)."""
        rows = _all(
            conn,
            select(
                ContactPoint.debtor_id,
                ContactPoint.kind,
                ContactPoint.value,
                ContactPoint.valid,
                ContactPoint.country,
                ContactPoint.postcode,
                ContactPoint.time_zone,
                ContactPoint.mobile,
            )
            .where(
                _among(ContactPoint.debtor_id, debtor_ids, self._dialect),
                col(ContactPoint.kind).in_([ContactKind.PHONE.value, ContactKind.ADDRESS.value]),
            )
            .order_by(col(ContactPoint.debtor_id), col(ContactPoint.updated_at), col(ContactPoint.id)),
        )
        phones: dict[int, list[Phone]] = defaultdict(list)
        addresses: dict[int, tuple[str | None, str | None]] = {}
        phone, zones = ContactKind.PHONE.value, self.number_zones
        for debtor_id, kind, value, valid, country, postcode, zone, mobile in rows:
            if kind == phone:
                phones[debtor_id].append(Phone(value, valid, mobile))
                zones[value] = zone
                if not valid:
                    self.invalid.add((debtor_id, value))
            elif valid:
                addresses[debtor_id] = (country, postcode)
        return phones, addresses

    def _opt_outs(self, conn: Connection, debtor_ids: set[int]) -> set[tuple[int, str]]:
        rows = _all(
            conn,
            select(Consent.debtor_id, Consent.channel).where(
                _among(Consent.debtor_id, debtor_ids, self._dialect),
                Consent.status == ConsentStatus.OPTED_OUT,
            ),
        )
        return {(debtor_id, channel) for debtor_id, channel in rows}

    def _do_not_contact(self, conn: Connection, debtor_ids: set[int]) -> tuple[set[str], set[int]]:
        values = {phone.value for phones in self.phones.values() for phone in phones}
        rows = _all(
            conn,
            select(DoNotContact.value, DoNotContact.debtor_id).where(
                or_(
                    _among(DoNotContact.debtor_id, debtor_ids, self._dialect),
                    _among(DoNotContact.value, values, self._dialect),
                )
            ),
        )
        unwanted_values, unwanted_debtors = set(), set()
        for value, debtor_id in rows:
            if value is not None:
                unwanted_values.add(value)
            if debtor_id is not None:
                unwanted_debtors.add(debtor_id)
        return unwanted_values, unwanted_debtors

    def _recent_attempts(
        self, conn: Connection, account_ids: list[int]
    ) -> dict[tuple[int, str], tuple[datetime, ...]]:
        # As facts_for: allowed, not replies, made (or else planned) in the 7 days before the decision.
        at, since = self.window.when, self.window.when - WINDOW
        made, planned = col(ContactAttempt.attempted_at), col(ContactAttempt.scheduled_at)
        rows = _all(
            conn,
            select(ContactAttempt.account_id, ContactAttempt.channel, made, planned).where(
                _among(ContactAttempt.account_id, account_ids, self._dialect),
                col(ContactAttempt.channel).in_([c.value for c in self.window.channels]),
                col(ContactAttempt.allowed).is_(True),
                ContactAttempt.purpose != "reply",
                or_(
                    and_(made > since, made <= at),
                    and_(made.is_(None), planned > since, planned <= at),
                ),
            ),
        )
        attempts: dict[tuple[int, str], list[datetime]] = defaultdict(list)
        for account_id, channel, attempted_at, scheduled_at in rows:
            attempts[account_id, channel].append(attempted_at or scheduled_at)
        return {key: tuple(times) for key, times in attempts.items()}

    def _last_conversations(self, conn: Connection, account_ids: list[int]) -> dict[int, datetime]:
        rows = _all(
            conn,
            select(Conversation.account_id, func.max(Conversation.last_activity_at))
            .where(_among(Conversation.account_id, account_ids, self._dialect))
            .group_by(col(Conversation.account_id)),
        )
        return {account_id: last for account_id, last in rows}

    def _acknowledgements(self, conn: Connection, account_ids: list[int]) -> dict[int, list[date]]:
        """Confirmed part payments: each acknowledges the debt, and may start a new limitation period."""
        rows = _all(
            conn,
            select(Payment.account_id, Payment.paid_on).where(
                _among(Payment.account_id, account_ids, self._dialect), col(Payment.confirmed).is_(True)
            ),
        )
        paid: dict[int, list[date]] = defaultdict(list)
        for account_id, paid_on in rows:
            paid[account_id].append(paid_on)
        return paid

    def destination(self, account: AccountRow) -> str | None:
        return self.destinations.get(account.debtor_id)

    def _zone(self, account: AccountRow, to: str) -> str | None:
        # As facts_for: the number's zone, else the newest valid address's (in the account's
        # jurisdiction when it names no country), else the jurisdiction's default.
        zone = self.number_zones.get(to)
        if zone is None:  # not worked out when the number was written
            zone = timezone_of(to)
        if not zone:
            address = self.addresses.get(account.debtor_id)
            if address is not None:
                country, postcode = address
                zone = zone_from_address(country or account.jurisdiction, postcode)
        if zone is None:
            rules = RULES.get(account.jurisdiction.upper())
            zone = rules.hours.default_tz if rules else None
        return zone

    def _local_day(self, tz: str | None) -> date:
        day = self._days.get(tz)
        if day is None:
            when = self.window.when
            day = self._days[tz] = when.astimezone(ZoneInfo(tz)).date() if tz else when.date()
        return day

    def _time_barred(self, account: AccountRow, tz: str | None) -> bool:
        if account.jurisdiction.upper() not in LIMITATIONS:
            return False  # no rules at all there: decide refuses the jurisdiction
        day = self._local_day(tz)
        paid = self.paid.get(account.id)
        if paid:
            return is_time_barred(account.jurisdiction, account.due_date, day, acknowledged=paid)
        return _barred(account.jurisdiction, account.due_date, day)

    def same_on_every_channel(self, account: AccountRow, to: str) -> tuple[Any, ...]:
        """The facts that do not depend on the channel, for fact_values."""
        tz = self._zone(account, to)
        return (
            tz,
            (account.debtor_id, to) in self.invalid,
            self.last_talks.get(account.id),
            account.debtor_id in self.unwanted_debtors or to in self.unwanted_values,
            self._time_barred(account, tz),
        )

    def fact_values(self, account: AccountRow, channel: Channel, same: tuple[Any, ...]) -> tuple[Any, ...]:
        """The facts of contacting the destination about `account` on `channel`, in FACT_FIELDS order
        (the status as read: _facts makes it an AccountStatus)."""
        tz, invalid, last_talk, unwanted, barred = same
        return (
            account.jurisdiction,
            tz,
            (account.debtor_id, channel) in self.opted_out,
            invalid,
            account.status,
            account.status_until,
            self.attempts.get((account.id, channel), ()),
            last_talk,
            unwanted,
            account.creditor,
            barred,
        )

    def facts(self, account: AccountRow, channel: Channel, to: str) -> ContactFacts:
        """The facts of contacting `to` about `account` on `channel`, as facts_for loads them."""
        return _facts(self.fact_values(account, channel, self.same_on_every_channel(account, to)))


def _facts(values: tuple[Any, ...]) -> ContactFacts:
    facts = dict(zip(FACT_FIELDS, values, strict=True))
    return ContactFacts(**facts | {"account_status": AccountStatus(facts["account_status"])})


@lru_cache(maxsize=1 << 16)
def _barred(jurisdiction: str, due_date: date, on: date) -> bool:
    """is_time_barred without part payments: a handful of due dates and days, asked a million times."""
    return is_time_barred(jurisdiction, due_date, on)


# --- the decisions --------------------------------------------------------------------------------


class _Decider:
    """`decide` at one instant, remembered for the facts that recur: an account without recent
    attempts or conversation shares its facts with thousands of others; one with them, with none."""

    def __init__(self, when: datetime) -> None:
        self.when = when
        self._known: dict[tuple[tuple[Any, ...], Channel], Decision] = {}

    def __call__(self, fact_values: tuple[Any, ...], channel: Channel) -> Decision:
        key = (fact_values, channel)
        decision = self._known.get(key)
        if decision is not None:
            return decision
        decision = decide(_facts(fact_values), channel, self.when)
        if not fact_values[_ATTEMPTS] and fact_values[_LAST_TALK] is None:
            if len(self._known) >= _KNOWN_DECISIONS:
                self._known.clear()
            self._known[key] = decision
        return decision


@dataclass(slots=True)
class _Target:
    account: AccountRow
    channel: Channel
    to: str
    state: TargetState
    due_at: datetime
    reason: str | None


def _reason(decision: Decision) -> str:
    return f"{decision.reason}: {decision.detail}"[:200]


def _no_phone_reason(phones: Sequence[Phone]) -> str:
    if phones:
        return f"{NO_VALID_PHONE}: every phone on file is marked invalid (wrong number or unused)"
    return f"{NO_VALID_PHONE}: no phone number on file"


def _plan_account(account: AccountRow, chunk: ChunkFacts, decider: _Decider) -> _Target:
    """The channel allowed now, in the campaign's order; else the one that opens first inside the
    window; else REFUSED with the first channel's decision."""
    window = chunk.window
    to = chunk.destination(account)
    if to is None:
        reason = _no_phone_reason(chunk.phones.get(account.debtor_id, ()))
        return _Target(account, window.channels[0], "", TargetState.REFUSED, window.when, reason)
    first: tuple[Channel, Decision] | None = None
    later: tuple[Channel, Decision, datetime] | None = None
    same = chunk.same_on_every_channel(account, to)
    for channel in window.channels:
        decision = decider(chunk.fact_values(account, channel, same), channel)
        if decision.allowed:
            return _Target(account, channel, to, TargetState.PLANNED, window.when, None)
        first = first or (channel, decision)
        opens = decision.next_allowed_at
        if opens is not None and opens < window.window_end and (later is None or opens < later[2]):
            later = (channel, decision, opens)
    if later is not None:
        channel, decision, opens = later
        return _Target(account, channel, to, TargetState.PLANNED, opens, _reason(decision))
    assert first is not None
    return _Target(account, first[0], to, TargetState.REFUSED, window.when, _reason(first[1]))


# --- writing the targets --------------------------------------------------------------------------

_TABLE = CampaignTarget.__table__  # type: ignore[attr-defined]
_WRITTEN = ("campaign_id", "account_id", "debtor_id", "channel", "to", "language", "state", "due_at")
_WRITTEN += ("last_reason", "updated_at")
# The other columns take their plain defaults (tries, attempts: 0).
_DEFAULTS = {
    c.name: c.default.arg
    for c in _TABLE.columns
    if c.name not in _WRITTEN and c.default is not None and c.default.is_scalar
}
_COLUMNS = (*_WRITTEN, *_DEFAULTS)
_COPY = "COPY campaign_target ({}) FROM STDIN".format(", ".join(f'"{name}"' for name in _COLUMNS))
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

Writer = Callable[[list[_Target]], None]


def _copy_text(value: Any) -> str:
    """One field of COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def _copy_lines(targets: list[_Target], campaign_id: int, now: datetime) -> str:
    tail = "\t".join(_copy_text(v) for v in (now, *_DEFAULTS.values()))
    times: dict[datetime, str] = {}  # most targets share their due time
    lines = []
    for t in targets:
        account = t.account
        due = times.get(t.due_at) or times.setdefault(t.due_at, t.due_at.isoformat())
        reason = "\\N" if t.reason is None else t.reason.translate(_COPY_ESCAPES)
        to, language = t.to.translate(_COPY_ESCAPES), account.language.translate(_COPY_ESCAPES)
        lines.append(
            f"{campaign_id}\t{account.id}\t{account.debtor_id}\t{t.channel.value}\t{to}\t{language}\t"
            f"{t.state.value}\t{due}\t{reason}\t{tail}\n"
        )
    return "".join(lines)


def _insert(conn: Connection, targets: list[_Target], campaign_id: int, now: datetime) -> None:
    rows = []
    for t in targets:
        values = (campaign_id, t.account.id, t.account.debtor_id, t.channel.value, t.to, t.account.language)
        values += (t.state.value, t.due_at, t.reason, now, *_DEFAULTS.values())
        rows.append(dict(zip(_COLUMNS, values, strict=True)))
    if rows:
        conn.execute(insert(_TABLE), rows)


@contextmanager
def _target_writer(conn: Connection, campaign_id: int) -> Iterator[Writer]:
    """A COPY per chunk on PostgreSQL, sent by a thread of its own; executemany elsewhere."""
    now = utcnow()
    if conn.dialect.name != "postgresql":
        yield lambda targets: _insert(conn, targets, campaign_id, now)
        return
    driver = conn.connection.driver_connection
    assert driver is not None

    def copy_chunk(lines: str) -> None:
        with driver.cursor() as cursor, cursor.copy(_COPY) as copy:
            copy.write(lines)

    with _write_behind(copy_chunk) as send:
        yield lambda targets: send(_copy_lines(targets, campaign_id, now))


_WRITE_BEHIND = 2  # chunks


@contextmanager
def _write_behind(write: Callable[[T], None]) -> Iterator[Callable[[T], None]]:
    """`write` of each item sent, in order, by a thread of its own, a few items behind: this thread
    plans the next chunk while the server files the last one. The foreign keys of a COPY are checked
    when the statement ends (10 s for a million targets in one COPY, in which nothing else moved);
    a COPY per chunk has them checked chunk by chunk, beside the planning. A failure to write reaches
    this thread at its next send or at the end; everything sent is written before the block ends."""
    pending: Queue[tuple[T] | None] = Queue(maxsize=_WRITE_BEHIND)
    failed: list[BaseException] = []

    def drain() -> None:
        while (item := pending.get()) is not None:
            if not failed:
                try:
                    write(item[0])
                except BaseException as exc:  # handed to the sender, which raises it
                    failed.append(exc)

    def send(item: T) -> None:
        if failed:
            raise failed[0]
        pending.put((item,))

    writer = threading.Thread(target=drain, name="plan-write-behind", daemon=True)
    writer.start()
    try:
        yield send
    finally:
        pending.put(None)  # the writer keeps taking items after a failure: this never blocks for good
        writer.join()
    if failed:
        raise failed[0]


@contextmanager
def _reader(engine: Engine, writing: Connection) -> Iterator[Connection]:
    """On PostgreSQL, a read-only connection of its own, with one snapshot taken after the campaign is
    locked; elsewhere the writing connection itself."""
    if writing.dialect.name != "postgresql":
        yield writing
        return
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            # JIT would compile every chunk's queries anew: longer than running them.
            conn.execute(text("SET LOCAL jit = off"))
            yield conn


# --- the plan ---------------------------------------------------------------------------------------


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """The cycle collector off while a plan runs: a chunk keeps ~10^5 tuples alive, which the collector
    would scan over and over (a third of the planning time) to find no cycle; reference counting
    frees them as before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _has_targets(session: Session, campaign_id: int) -> bool:
    query = select(CampaignTarget.id).where(CampaignTarget.campaign_id == campaign_id).limit(1)
    return session.exec(query).first() is not None


@dataclass(slots=True)
class _Tally:
    planned: int = 0
    skipped: int = 0

    def add(self, targets: list[_Target]) -> None:
        planned = sum(t.state == TargetState.PLANNED for t in targets)
        self.planned, self.skipped = self.planned + planned, self.skipped + len(targets) - planned


def _plan_chunk(facts: ChunkFacts, decider: _Decider) -> list[_Target]:
    return [_plan_account(account, facts, decider) for account in facts.accounts]


def _chunks(
    reader: Connection, query: Any, window: PlanningWindow, chunk_size: int
) -> Generator[ChunkFacts, None, None]:
    accounts = reader.execute(query, execution_options={"stream_results": True, "yield_per": chunk_size})
    for rows in accounts.partitions():
        yield ChunkFacts(reader, [AccountRow._make(row) for row in rows], window)


_READ_AHEAD = 2  # chunks


def _read_ahead(items: Iterator[T]) -> Generator[T, None, None]:
    """`items` produced by a thread of their own, a few ahead: the database answers the next chunk's
    queries while this thread plans the current one (a third of the time otherwise)."""
    ready: Queue[tuple[str, Any]] = Queue(maxsize=_READ_AHEAD)
    stop = threading.Event()

    def hand_over(kind: str, value: Any) -> None:
        while not stop.is_set():
            try:
                ready.put((kind, value), timeout=0.1)
                return
            except Full:
                continue

    def produce() -> None:
        try:
            for item in items:
                hand_over("item", item)
                if stop.is_set():
                    return
            hand_over("end", None)
        except BaseException as exc:  # handed to the consumer, which raises it
            hand_over("error", exc)

    producer = threading.Thread(target=produce, name="plan-read-ahead", daemon=True)
    producer.start()
    try:
        while (got := ready.get())[0] == "item":
            yield got[1]
        if got[0] == "error":
            raise got[1]
    finally:
        stop.set()
        producer.join()


def _plan_all(
    reader: Connection,
    writing: Connection,
    query: Any,
    window: PlanningWindow,
    write: Writer,
    chunk_size: int,
) -> _Tally:
    tally, decider = _Tally(), _Decider(window.when)
    chunks = _chunks(reader, query, window, chunk_size)
    # Reading ahead needs a connection of its own (PostgreSQL's); SQLite's one reads and writes.
    if reader is not writing:
        chunks = _read_ahead(chunks)
    with closing(chunks):
        for facts in chunks:
            targets = _plan_chunk(facts, decider)
            write(targets)
            tally.add(targets)
    return tally


def plan_campaign(
    engine: Engine, campaign_id: int, at: datetime, *, chunk_size: int = CHUNK_SIZE
) -> PlanSummary:
    """Write one target per account the campaign's filter selects, decided at max(at, window start).

    Planning again adds only the accounts that have no target yet. A cancelled or completed campaign
    is left alone. The campaign's status is not changed: the caller starts it.
    """
    started = time.perf_counter()
    at = _aware(at)
    with Session(engine, expire_on_commit=False) as session:
        campaign = session.get(Campaign, campaign_id, with_for_update=True)
        if campaign is None:
            raise LookupError(f"no campaign {campaign_id}")
        if campaign.status in _SETTLED_CAMPAIGNS:
            return PlanSummary(0, 0, time.perf_counter() - started)
        window = PlanningWindow.of(campaign, at)
        account_filter = AccountFilter.model_validate_json(campaign.filter or "{}")
        query = matching_accounts(account_filter, window, only_new=_has_targets(session, campaign_id))
        writing = session.connection()
        with (
            _without_cycle_collection(),
            _reader(engine, writing) as reader,
            _target_writer(writing, campaign_id) as write,
        ):
            tally = _plan_all(reader, writing, query, window, write, chunk_size)
        campaign.planned += tally.planned
        campaign.skipped += tally.skipped
        campaign.planned_at, campaign.updated_at = at, utcnow()
        session.add(campaign)
        session.commit()
    return PlanSummary(tally.planned, tally.skipped, time.perf_counter() - started)
