"""Campaign planning benchmark: plan one campaign over a 1,000,000-account portfolio on PostgreSQL.

    .venv/bin/python bench/bench_campaign_plan.py [--accounts 1000000] [--seed 20261122] [--profile]

A fresh database is migrated and filled by COPY (deterministic seed): debtors (some with several
accounts, some with a mobile and a landline, a few with a wrong number or no phone), accounts in every
status, opt-outs, do-not-contact entries, contact attempts of the last days and conversations. Then
`campaigns.planner.plan_campaign` plans a campaign over all of them ("sms,voice", a Wednesday 10:00
in Paris) in a child process, so that its peak memory (ru_maxrss) is the planner's alone; the growth
is that high-water mark after planning minus the one before. Targets: 60 s and 1 GB. The database is
dropped afterwards (--keep leaves it). Results: bench/results/campaign_plan.json.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_import import COUNTRY_WEIGHTS, CREDITORS, PLACES, PRODUCTS, SETTINGS, debtor_row  # noqa: E402
from bench.scratch_db import psycopg_url, scratch_database  # noqa: E402
from debt.phones import phone_facts  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "campaign_plan.json"
TARGET_SECONDS, TARGET_MB = 60, 1024

# Wednesday 25 November 2026, 10:00 in Paris: inside the hours in Europe, before 08:00 in the US.
PLAN_AT = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)
NOW = PLAN_AT - timedelta(hours=1)
# Phone numbers as a fixed prefix and random digits; check_numbers() measures how many are valid.
MOBILES = {
    "FR": [("+336", 8), ("+337", 8)],
    "DE": [("+49151", 8), ("+49160", 7), ("+49176", 8)],
    "GB": [("+4477", 8), ("+4478", 8), ("+4479", 8)],
    "US": [("+1212", 7), ("+1312", 7), ("+1415", 7), ("+1617", 7), ("+1713", 7)],
}
LANDLINES = {"FR": [("+331", 8), ("+334", 8)], "DE": [("+4930", 8)], "GB": [("+44207", 7)], "US": []}
# Share of accounts in each status; the rest are open.
STATUSES = (
    ("promise_to_pay", 0.04),
    ("arrangement", 0.03),
    ("disputed", 0.02),
    ("hardship_hold", 0.01),
    ("paid", 0.02),
    ("closed", 0.01),
)
ACCOUNTS_PER_DEBTOR = 1.15  # some people owe on several accounts


def _number(rnd: random.Random, templates: list[tuple[str, int]]) -> str:
    prefix, digits = rnd.choice(templates)
    first = rnd.randint(2, 9) if prefix.startswith("+1") else rnd.randint(0, 9)  # NANP: no 0 or 1
    return f"{prefix}{first}{rnd.randrange(10 ** (digits - 1)):0{digits - 1}d}"


def check_numbers(seed: int) -> dict[str, float]:
    """The share of valid numbers (phonenumbers) each country's templates give, on a sample."""
    import phonenumbers

    rnd = random.Random(seed)
    shares = {}
    for country in MOBILES:
        sample = [_number(rnd, MOBILES[country] + LANDLINES[country]) for _ in range(500)]
        shares[country] = sum(phonenumbers.is_valid_number(phonenumbers.parse(n)) for n in sample) / 500
    return shares


class Portfolio:
    """The rows of each table, generated in the order COPY takes them, with their ids given."""

    def __init__(self, accounts: int, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.accounts = accounts
        self.debtors = max(1, int(accounts / ACCOUNTS_PER_DEBTOR))
        countries = [c for c, weight in COUNTRY_WEIGHTS for _ in range(weight)]
        self.country = [""] + [self.rnd.choice(countries) for _ in range(self.debtors)]  # by debtor id
        self.phone: list[str | None] = [None] * (self.debtors + 1)  # the debtor's valid phone
        creditors = [(c, name) for c, entries in CREDITORS.items() for _, name in entries]
        self.creditors = [(i, country, name) for i, (country, name) in enumerate(creditors, start=1)]
        self.creditors_of = {c: [i for i, country, _ in self.creditors if country == c] for c in CREDITORS}
        self.debtor_of: list[int] = []  # by account id - 1

    def creditor_rows(self) -> Iterator[tuple[Any, ...]]:
        for creditor_id, _, name in self.creditors:
            yield creditor_id, name, NOW

    def debtor_rows(self) -> Iterator[tuple[Any, ...]]:
        for debtor_id in range(1, self.debtors + 1):
            yield debtor_row(self.rnd, debtor_id, self.country[debtor_id], NOW)

    def contact_point_rows(self) -> Iterator[tuple[Any, ...]]:
        """A mobile for most, and a landline for some; a wrong number or no phone for a few; an address."""
        rnd, point_id = self.rnd, 0
        for debtor_id in range(1, self.debtors + 1):
            country = self.country[debtor_id]
            draw = rnd.random()
            phones = [] if draw < 0.03 else [(_number(rnd, MOBILES[country]), draw >= 0.04)]
            if phones and phones[0][1]:
                self.phone[debtor_id] = phones[0][0]
                if LANDLINES[country] and rnd.random() < 0.08:
                    phones.append((_number(rnd, LANDLINES[country]), True))
            for value, valid in phones:
                point_id += 1
                why = None if valid else "wrong number"
                place = (None, None, None, country, *phone_facts(value))
                yield point_id, debtor_id, "phone", value, *place, valid, why, "import", NOW, NOW
            street, postcode, city = rnd.choice(PLACES[country])
            line = f"{rnd.randint(1, 180)} {street}"
            point_id += 1
            place = (line, postcode, city, country, None, None)
            yield (
                point_id,
                debtor_id,
                "address",
                f"{line}, {postcode} {city}",
                *place,
                True,
                None,
                "import",
                NOW,
                NOW,
            )

    def account_rows(self) -> Iterator[tuple[Any, ...]]:
        rnd = self.rnd
        for account_id in range(1, self.accounts + 1):
            debtor_id = account_id if account_id <= self.debtors else rnd.randint(1, self.debtors)
            self.debtor_of.append(debtor_id)
            country = self.country[debtor_id]
            creditor_id = rnd.choice(self.creditors_of[country])
            cents = rnd.randint(2900, 19900) if rnd.random() < 0.9 else rnd.randint(20000, 500000)
            status, until = _status(rnd)
            due = date(2024, 1, 1) + timedelta(days=rnd.randint(0, 1000))
            yield (
                account_id, f"BEN-{account_id:07d}", debtor_id, creditor_id, country,
                f"INV-{account_id:08d}", rnd.choice(PRODUCTS), SETTINGS[country][1],
                cents, 0, 0, 0, cents, due, status, until, None, NOW, NOW,
            )  # fmt: skip

    def consent_rows(self) -> Iterator[tuple[Any, ...]]:
        """Opt-outs of SMS (3 %) and of calls (1 %); some explicit consents to SMS."""
        rnd, consent_id = self.rnd, 0
        for debtor_id in range(1, self.debtors + 1):
            draw = rnd.random()
            for channel, status in _consents(draw):
                consent_id += 1
                yield consent_id, debtor_id, channel, status, "debtor", "STOP", NOW

    def do_not_contact_rows(self) -> Iterator[tuple[Any, ...]]:
        rnd, entry_id = self.rnd, 0
        for debtor_id in range(1, self.debtors + 1):
            draw = rnd.random()
            if draw < 0.002:
                entry_id += 1
                yield entry_id, None, debtor_id, "asked by the debtor's lawyer", "ops", NOW
            elif draw < 0.004 and self.phone[debtor_id]:
                entry_id += 1
                yield entry_id, self.phone[debtor_id], None, "complaint", "ops", NOW

    def attempt_rows(self) -> Iterator[tuple[Any, ...]]:
        """One to four contacts in the last nine days on a fifth of the accounts, a few refused."""
        rnd, attempt_id = self.rnd, 0
        for account_id in range(1, self.accounts + 1):
            debtor_id = self.debtor_of[account_id - 1]
            to = self.phone[debtor_id]
            if to is None or rnd.random() >= 0.2:
                continue
            for _ in range(rnd.randint(1, 4)):
                attempt_id += 1
                channel = "sms" if rnd.random() < 0.7 else "voice"
                allowed = rnd.random() < 0.95
                at = NOW - timedelta(minutes=rnd.randint(60, 9 * 24 * 60))
                reason = "allowed: bench" if allowed else "outside_hours: bench"
                yield (
                    attempt_id, account_id, debtor_id, channel, to, "collection", allowed, reason,
                    f"bench:{attempt_id}", None, "delivered" if allowed else "refused", None, at,
                    at if allowed else None, at,
                )  # fmt: skip

    def conversation_rows(self) -> Iterator[tuple[Any, ...]]:
        rnd, conversation_id = self.rnd, 0
        for account_id in range(1, self.accounts + 1):
            debtor_id = self.debtor_of[account_id - 1]
            party = self.phone[debtor_id]
            if party is None or rnd.random() >= 0.05:
                continue
            conversation_id += 1
            started = NOW - timedelta(minutes=rnd.randint(30, 6 * 24 * 60))
            last = started + timedelta(minutes=rnd.randint(1, 20))
            language = SETTINGS[self.country[debtor_id]][0]
            yield (
                conversation_id, "sms", party, debtor_id, account_id, "inbound", language, "closed",
                f"bench-{conversation_id}", started, last, last,
            )  # fmt: skip


def _status(rnd: random.Random) -> tuple[str, date | None]:
    draw = rnd.random()
    for status, share in STATUSES:
        if draw < share:
            if status == "hardship_hold":  # most with an end date, some open-ended
                until = PLAN_AT.date() + timedelta(days=rnd.randint(-5, 20))
                return status, until if draw < 0.007 else None
            if status == "promise_to_pay":
                return status, PLAN_AT.date() + timedelta(days=rnd.randint(1, 30))
            return status, None
        draw -= share
    return "open", None


def _consents(draw: float) -> list[tuple[str, str]]:
    if draw < 0.03:
        return [("sms", "opted_out")] + ([("voice", "opted_out")] if draw < 0.01 else [])
    if draw < 0.10:
        return [("sms", "granted")]
    return []


# The columns COPY fills, per table.
TABLES = {
    "creditor": "id name created_at",
    "debtor": "id person_key first_name last_name birth_date language country created_at updated_at",
    "contact_point": (
        "id debtor_id kind value address_line postcode city country time_zone mobile valid invalid_reason "
        "source created_at updated_at"
    ),
    "account": (
        "id account_ref debtor_id creditor_id jurisdiction invoice_ref product currency principal interest "
        "fees fees_charged balance due_date status status_until direct_debit_day created_at updated_at"
    ),
    "consent": "id debtor_id channel status source wording updated_at",
    "do_not_contact": "id value debtor_id reason added_by created_at",
    "contact_attempt": (
        "id account_id debtor_id channel to purpose allowed decision_reason idempotency_key provider_sid "
        "status campaign_id scheduled_at attempted_at updated_at"
    ),
    "conversation": (
        "id channel party debtor_id account_id direction language status sender_id started_at "
        "last_activity_at closed_at"
    ),
}


def _copy(conn: Any, table: str, rows: Iterable[tuple[Any, ...]]) -> int:
    names = ", ".join(f'"{name}"' for name in TABLES[table].split())
    count = 0
    with conn.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    # The rows came with their ids: move the sequence past them for the rows inserted later.
    conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST({count}, 1))")
    return count


def fill(url: str, accounts: int, seed: int) -> dict[str, int]:
    """Generate the portfolio straight into the database (one COPY per table), then ANALYZE it."""
    import psycopg

    portfolio = Portfolio(accounts, seed)
    feeds = {
        "creditor": portfolio.creditor_rows,
        "debtor": portfolio.debtor_rows,
        "contact_point": portfolio.contact_point_rows,
        "account": portfolio.account_rows,
        "consent": portfolio.consent_rows,
        "do_not_contact": portfolio.do_not_contact_rows,
        "contact_attempt": portfolio.attempt_rows,
        "conversation": portfolio.conversation_rows,
    }
    counts = {}
    with psycopg.connect(psycopg_url(url)) as conn:
        for table, rows in feeds.items():
            counts[table] = _copy(conn, table, rows())
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")
    return counts


def create_campaign(url: str) -> int:
    from sqlmodel import Session

    from debt.db import make_engine
    from debt.models import Campaign

    campaign = Campaign(
        name="bench: every account",
        channels="sms,voice",
        window_start=PLAN_AT,
        window_end=PLAN_AT + timedelta(days=14),
    )
    engine = make_engine(url)
    with Session(engine) as session:
        session.add(campaign)
        session.commit()
        assert campaign.id is not None
        campaign_id = campaign.id
    engine.dispose()
    return campaign_id


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    """The resident memory now (the peak only grows)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _backends(engine: Any) -> list[int]:
    """The server processes of the planner's two connections (both stay in the engine's pool)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        return [pid for (pid,) in conn.execute(text(query))]


def child(url: str, campaign_id: int, profile: bool) -> None:
    """Plan the campaign and print the figures as JSON: this process's memory, the CPU time of this
    process and of the database's server processes."""
    from campaigns.planner import plan_campaign
    from core.logs import configure_logging
    from debt.db import make_engine

    configure_logging("WARNING")
    engine = make_engine(url)
    rss_before, peak_before = _rss_mb(), _peak_rss_mb()
    profiler = cProfile.Profile() if profile else None
    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    summary = plan_campaign(engine, campaign_id, PLAN_AT)
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    rss_after, peak_after = _rss_mb(), _peak_rss_mb()
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(45)
        print(out.getvalue(), file=sys.stderr)
    print(
        json.dumps(
            {
                "planned": summary.planned,
                "skipped": summary.skipped,
                "plan_seconds": summary.seconds,
                "wall_seconds": wall,
                "rss_before_mb": rss_before,
                "rss_after_mb": rss_after,
                "peak_rss_before_mb": peak_before,
                "peak_rss_mb": peak_after,
                "peak_rss_growth_mb": peak_after - peak_before,
                "cpu_seconds": {
                    "planner": cpu,
                    "postgres": sum(_cpu_seconds(pid) for pid in _backends(engine)),
                },
            }
        )
    )


def outcome(url: str, campaign_id: int) -> dict[str, Any]:
    """What the plan holds: targets by state and channel, the commonest reasons for leaving one out."""
    import psycopg

    with psycopg.connect(psycopg_url(url)) as conn:
        by_state = conn.execute(
            "SELECT state, channel, count(*) FROM campaign_target WHERE campaign_id = %s GROUP BY 1, 2",
            (campaign_id,),
        ).fetchall()
        reasons = conn.execute(
            "SELECT split_part(last_reason, ':', 1), state, count(*) FROM campaign_target"
            " WHERE campaign_id = %s AND last_reason IS NOT NULL GROUP BY 1, 2 ORDER BY 3 DESC",
            (campaign_id,),
        ).fetchall()
        later = conn.execute(
            "SELECT count(*) FROM campaign_target WHERE campaign_id = %s AND state = 'planned'"
            " AND due_at > %s",
            (campaign_id, PLAN_AT),
        ).fetchone()
    return {
        "targets": {f"{state}/{channel}": n for state, channel, n in sorted(by_state)},
        "reasons": {f"{reason} ({state})": n for reason, state, n in reasons},
        "planned_later": later[0] if later else 0,
    }


def run_child(url: str, campaign_id: int, profile: bool) -> dict[str, Any]:
    # The load average tells whether other work shared the machine during the run.
    before = os.getloadavg()[0]
    command = [sys.executable, __file__, "--child", url, str(campaign_id)]
    done = subprocess.run(
        command + (["--profile"] if profile else []), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"planning failed:\n{done.stderr[-4000:]}")
    if profile:
        print(done.stderr)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures | {"load_average_before_after": [before, os.getloadavg()[0]]}


def _rounded(figures: dict[str, Any]) -> dict[str, Any]:
    def rounded(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 1)
        if isinstance(value, dict):
            return _rounded(value)
        if isinstance(value, list):
            return [rounded(v) for v in value]
        return value

    return {key: rounded(value) for key, value in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--profile", action="store_true", help="print the planner's cProfile")
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    parser.add_argument("--child", nargs=2, metavar=("URL", "CAMPAIGN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.profile)
        return

    from debt.db import migrate

    with scratch_database(keep=args.keep) as url:
        migrate(url)
        started = time.perf_counter()
        rows = fill(url, args.accounts, args.seed)
        fill_seconds = time.perf_counter() - started
        print(f"filled in {fill_seconds:.0f} s: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
        campaign_id = create_campaign(url)
        figures = run_child(url, campaign_id, args.profile)
        plan = outcome(url, campaign_id)

    result = {
        "command": " ".join([".venv/bin/python bench/bench_campaign_plan.py", *sys.argv[1:]]),
        "accounts": args.accounts,
        "seed": args.seed,
        "plan_at": PLAN_AT.isoformat(),
        "channels": "sms,voice",
        "rows": rows,
        "valid_numbers_share": check_numbers(args.seed),
        "fill_seconds": round(fill_seconds, 1),
        **_rounded(figures),
        "goal": {"plan_seconds": TARGET_SECONDS, "peak_rss_mb": TARGET_MB},
        "met": figures["plan_seconds"] <= TARGET_SECONDS and figures["peak_rss_mb"] <= TARGET_MB,
        "machine": f"{os.cpu_count()} cores, shared: other work ran beside (see the load averages)",
        **plan,
    }
    if not args.profile:
        RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
