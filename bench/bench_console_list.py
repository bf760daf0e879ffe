"""Console conversation list benchmark: filters and transcript search over 100,000 conversations and
2,000,000 turns on PostgreSQL, through the HTTP route (rendering included).

    .venv/bin/python bench/bench_console_list.py [--conversations 100000] [--turns 2000000]
        [--requests 60] [--seed 20261123] [--keep] [--explain]

A fresh database is migrated to 0007 and filled by COPY (deterministic seed): debtors, accounts in every
status, six campaigns with their targets, conversations over the year before 23 November 2026 (SMS,
voice, chat; French, German, English), their turns (the debtors' words are the NLU training examples of
nlu_data/, the assistant's its messages of debt/messages), flags, handoffs, audit entries, calls and
recordings. Then migration 0008 runs (the GIN index is built on the full table, timed), VACUUM ANALYZE,
and a signed-in supervisor asks `GET /console/conversations` through a TestClient: every scenario
`--requests` times after one warm-up round, its parameters in turn. Time is the whole request (session
check, queries, template); the database's share is summed over the request's statements. Target: p95
<= 200 ms per scenario. Results: bench/results/console_list.json. The database is dropped (--keep
leaves it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_campaign_plan import MOBILES, _number  # noqa: E402
from bench.bench_import import COUNTRY_WEIGHTS, CREDITORS, PRODUCTS, SETTINGS, debtor_row  # noqa: E402
from bench.scratch_db import psycopg_url, scratch_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "console_list.json"
TARGET_P95_MS = 200
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
PATH = "/console/conversations"
HOME = "/console"
LOGIN = "bench.supervisor"
ROW = re.compile(r'<a href="/console/conversations/\d+">')
PASSWORD = "bench password, long enough"  # noqa: S105 (a user of the throw-away database)

# What a conversation is about, and how often (the debtor's main intent).
STORIES = (
    ("ask_balance", 18), ("promise_to_pay", 14), ("request_plan", 12), ("ask_debt_origin", 8),
    ("pay_full", 8), ("dispute", 8), ("hardship", 7), ("already_paid", 7), ("wrong_person", 5),
    ("callback_later", 5), ("request_human", 3), ("stop_contact", 3), ("complaint", 2),
)  # fmt: skip
STORY_FLAGS = {
    "promise_to_pay": ["promise_to_pay"],
    "request_plan": ["arrangement"],
    "pay_full": ["paid"],
    "dispute": ["dispute"],
    "hardship": ["hardship"],
    "wrong_person": ["wrong_party"],
    "request_human": ["handoff"],
    "stop_contact": ["opt_out"],
    "complaint": ["complaint", "handoff"],
}
FLAG_ACTIONS = {
    "promise_to_pay": ("promise.recorded", "promise_to_pay"),
    "arrangement": ("arrangement.recorded", "arrangement"),
    "paid": ("payment.instructions_sent", "account"),
    "dispute": ("dispute.opened", "dispute"),
    "hardship": ("hardship.opened", "hardship_case"),
    "vulnerability": ("hardship.opened", "hardship_case"),
    "wrong_party": ("contact.wrong_party", "contact_point"),
    "handoff": ("handoff.requested", "handoff"),
    "opt_out": ("consent.opted_out", "consent"),
    "complaint": ("complaint.recorded", "conversation"),
    "identity_verified": ("identity.verified", "account"),
    "identity_failed": ("identity.failed", "conversation"),
}
# What the assistant says, by the part of the conversation (keys of debt/messages/<lang>.yml).
BOT_OPENING = ("opening_inbound", "opening_outbound_ask_for", "recording_notice")
BOT_IDENTITY = ("ask_name", "ask_secret", "identity_verified", "identity_retry", "name_not_understood")
BOT_STORY = {
    "ask_balance": ("explain", "disclosure", "ask_how_to_help_after_explanation"),
    "promise_to_pay": ("ask_payment_date", "promise_recorded", "payment_date_not_understood"),
    "request_plan": ("plan_proposals", "plan", "plan_recorded", "ask_debit_day", "debit_day_recorded"),
    "ask_debt_origin": ("explain", "explain_note", "disclosure"),
    "pay_full": ("pay_full_link_sent", "bank_transfer_details", "pay_full_details_sent"),
    "dispute": ("ask_dispute_reason", "dispute_recorded"),
    "hardship": ("hardship_acknowledge", "ask_hardship_circumstances", "hardship_options", "debt_advice"),
    "already_paid": ("ask_paid_date", "ask_paid_method", "payment_check_opened"),
    "wrong_person": ("wrong_person_apology",),
    "callback_later": ("callback_ask_time", "callback_recorded"),
    "request_human": ("handoff_to_human", "hold_request"),
    "stop_contact": ("stop_contact_confirmed",),
    "complaint": ("complaint_recorded_handoff",),
}
BOT_CLOSING = ("ask_anything_else", "goodbye", "rephrase")
DEBTOR_SIDE = ("ask_balance", "affirm", "deny", "inform", "out_of_scope", "bot_challenge")
LANGUAGE_OF = {"FR": "fr", "DE": "de", "GB": "en", "US": "en"}
ACCOUNTS_PER_DEBTOR = 1.17


def _weighted(pairs: Iterable[tuple[str, int]]) -> list[str]:
    return [name for name, weight in pairs for _ in range(weight)]


class Corpus:
    """The debtors' words by language and intent (nlu_data), and the assistant's messages (debt/messages)."""

    _ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")

    def __init__(self) -> None:
        self.examples: dict[str, dict[str, list[str]]] = {}
        self.messages: dict[str, dict[str, str]] = {}
        for language in ("fr", "de", "en"):
            data = yaml.safe_load((ROOT / "nlu_data" / language / "nlu.yml").read_text(encoding="utf-8"))
            by_intent: dict[str, list[str]] = {}
            for block in data["nlu"]:
                if "intent" in block:
                    lines = [line.strip()[2:] for line in block["examples"].splitlines() if line.strip()]
                    by_intent[block["intent"]] = [self._ANNOTATION.sub(r"\1", line) for line in lines]
            self.examples[language] = by_intent
            messages = yaml.safe_load((ROOT / "debt" / "messages" / f"{language}.yml").read_text("utf-8"))
            self.messages[language] = {k: v for k, v in messages.items() if isinstance(v, str)}


class _Values(dict):
    """Plausible values for the {placeholders} of a message."""

    def __missing__(self, key: str) -> str:
        return {
            "company": "Amicable Recouvrement",
            "neutral_company": "Amicable",
            "callback_number": "01 84 88 12 34",
            "amount": "129,90 €",
            "balance": "129,90 €",
            "total": "129,90 €",
            "monthly": "43,30 €",
            "date": "15/12/2026",
            "first_due": "05/12/2026",
            "last_due": "05/02/2027",
            "count": "3",
            "months": "3",
            "day": "5",
            "iban": "FR76 3000 6000 0112 3456 7890 189",
            "email": "j•••@example.fr",
        }.get(key, "3")


@dataclass
class Plan:
    """One conversation as generated: what it is about, and what it left behind."""

    id: int
    channel: str
    direction: str
    party: str
    debtor_id: int | None
    account_id: int | None
    language: str | None
    started: datetime
    turns: int
    story: str
    gap: int  # seconds between turns, on average
    flags: list[str] = field(default_factory=list)

    def turn_at(self, seq: int) -> datetime:
        """When turn `seq` was said: gaps of half to one and a half `gap`, the same at every call."""
        return self.started + timedelta(
            seconds=sum(self.gap * (5 + k * 37 % 11) // 10 for k in range(1, seq))
        )

    @property
    def last(self) -> datetime:
        return self.turn_at(self.turns)


class Dataset:
    """The rows of every table, in the order COPY takes them, with their ids given."""

    def __init__(self, conversations: int, turns: int, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.seed = seed
        self.corpus = Corpus()
        self.conversations, self.turns = conversations, turns
        self.accounts = max(10, conversations * 7 // 10)
        self.debtors = max(1, int(self.accounts / ACCOUNTS_PER_DEBTOR))
        countries = _weighted(COUNTRY_WEIGHTS)
        self.country = [""] + [self.rnd.choice(countries) for _ in range(self.debtors)]
        self.phone = [""] + [_number(self.rnd, MOBILES[c]) for c in self.country[1:]]
        creditors = [(country, name) for country, entries in CREDITORS.items() for _, name in entries]
        self.creditors = [(i, country, name) for i, (country, name) in enumerate(creditors, start=1)]
        self.creditors_of = {c: [i for i, country, _ in self.creditors if country == c] for c in CREDITORS}
        self.debtor_of = [0] + [
            a if a <= self.debtors else self.rnd.randint(1, self.debtors) for a in range(1, self.accounts + 1)
        ]
        self.stories = _weighted(STORIES)
        self.plans = self._plans()

    # ---- people and accounts -------------------------------------------------------------------------

    def creditor_rows(self) -> Iterator[tuple[Any, ...]]:
        for creditor_id, _, name in self.creditors:
            yield creditor_id, name, NOW

    def debtor_rows(self) -> Iterator[tuple[Any, ...]]:
        for debtor_id in range(1, self.debtors + 1):
            yield debtor_row(self.rnd, debtor_id, self.country[debtor_id], NOW)

    def contact_point_rows(self) -> Iterator[tuple[Any, ...]]:
        for debtor_id in range(1, self.debtors + 1):
            country = self.country[debtor_id]
            yield debtor_id, debtor_id, "phone", self.phone[debtor_id], country, True, "import", NOW, NOW

    def account_rows(self) -> Iterator[tuple[Any, ...]]:
        rnd = self.rnd
        statuses = _weighted((("open", 70), ("promise_to_pay", 8), ("arrangement", 7), ("disputed", 4),
                              ("hardship_hold", 3), ("paid", 6), ("closed", 2)))  # fmt: skip
        for account_id in range(1, self.accounts + 1):
            country = self.country[self.debtor_of[account_id]]
            cents = rnd.randint(2900, 19900) if rnd.random() < 0.9 else rnd.randint(20000, 500000)
            due = date(2025, 6, 1) + timedelta(days=rnd.randint(0, 500))
            yield (
                account_id, f"BEN-{account_id:07d}", self.debtor_of[account_id],
                rnd.choice(self.creditors_of[country]), country, f"INV-{account_id:08d}",
                rnd.choice(PRODUCTS), SETTINGS[country][1], cents, 0, 0, 0, cents, due, rnd.choice(statuses),
                NOW, NOW,
            )  # fmt: skip

    def campaign_rows(self) -> Iterator[tuple[Any, ...]]:
        for n in range(1, 7):
            start = NOW - timedelta(days=60 * n)
            status = "running" if n == 1 else "completed"
            yield (
                n, f"Relance {start:%B %Y}", "{}", "sms,voice", "first_reminder", status, start,
                start + timedelta(days=30), 10, 1.0, 5.0, 4, 0, 0, "bench", start, start, start,
            )  # fmt: skip

    def campaign_target_rows(self) -> Iterator[tuple[Any, ...]]:
        """Each campaign aims at a fifth of the accounts."""
        rnd, target_id = self.rnd, 0
        for campaign_id in range(1, 7):
            due = NOW - timedelta(days=60 * campaign_id)
            for account_id in sorted(rnd.sample(range(1, self.accounts + 1), self.accounts // 5)):
                target_id += 1
                debtor_id = self.debtor_of[account_id]
                yield (
                    target_id, campaign_id, account_id, debtor_id, "sms", self.phone[debtor_id],
                    LANGUAGE_OF[self.country[debtor_id]], "done", due, 1, 1, due,
                )  # fmt: skip

    # ---- conversations ---------------------------------------------------------------------------------

    def _turn_counts(self) -> list[int]:
        """Between 4 and 36 turns each, summing to exactly `self.turns`."""
        rnd, n = self.rnd, self.conversations
        mean = self.turns / n
        counts = [max(2, round(rnd.triangular(4, 2 * mean - 4, mean))) for _ in range(n)]
        while (gap := self.turns - sum(counts)) != 0:
            i = rnd.randrange(n)
            if gap > 0 or counts[i] > 2:
                counts[i] += 1 if gap > 0 else -1
        return counts

    def _plans(self) -> list[Plan]:
        rnd = self.rnd
        moments = sorted(
            NOW - timedelta(days=rnd.randint(1, 365)) + timedelta(seconds=rnd.randint(7 * 3600, 20 * 3600))
            for _ in range(self.conversations)
        )
        channels = _weighted((("sms", 55), ("voice", 30), ("chat", 15)))
        plans = []
        for conversation_id, (started, turns) in enumerate(zip(moments, self._turn_counts(), strict=True), 1):
            channel = rnd.choice(channels)
            identified = rnd.random() < (0.7 if channel == "chat" else 0.93)
            account_id = rnd.randint(1, self.accounts) if identified else None
            debtor_id = self.debtor_of[account_id] if account_id else None
            if channel == "chat":
                party = f"chat-{rnd.getrandbits(64):016x}"
            else:
                party = (
                    self.phone[debtor_id] if debtor_id else _number(rnd, MOBILES[rnd.choice(["FR", "DE"])])
                )
            language = LANGUAGE_OF[self.country[debtor_id]] if debtor_id else rnd.choice(["fr", "de", "en"])
            outbound = channel != "chat" and rnd.random() < (0.6 if channel == "voice" else 0.3)
            story = rnd.choice(self.stories) if identified else rnd.choice(["wrong_person", "ask_balance"])
            gap = rnd.randint(4, 20) if channel == "voice" else rnd.randint(15, 300)
            plan = Plan(
                conversation_id, channel, "outbound" if outbound else "inbound", party, debtor_id, account_id,
                language if rnd.random() > 0.02 else None, started, turns, story, gap,
            )  # fmt: skip
            plan.flags = self._flags(plan)
            plans.append(plan)
        return plans

    def _flags(self, plan: Plan) -> list[str]:
        rnd = self.rnd
        flags = list(STORY_FLAGS.get(plan.story, []))
        if plan.account_id and plan.story != "wrong_person":
            flags.append("identity_verified" if rnd.random() < 0.8 else "identity_failed")
        if plan.story == "hardship" and rnd.random() < 0.2:
            flags.append("vulnerability")
        if "handoff" not in flags and rnd.random() < 0.07:
            flags.append("handoff")
        return flags

    def conversation_rows(self) -> Iterator[tuple[Any, ...]]:
        for p in self.plans:
            last = p.last
            yield (
                p.id, p.channel, p.party, p.debtor_id, p.account_id, p.direction, p.language, "closed",
                f"bench-{p.id}", p.started, last, last + timedelta(minutes=30),
            )  # fmt: skip

    def turn_rows(self) -> Iterator[tuple[Any, ...]]:
        rnd, turn_id = self.rnd, 0
        for p in self.plans:
            language = p.language or "fr"
            examples, messages = self.corpus.examples[language], self.corpus.messages[language]
            values = _Values(creditor=self.creditors[0][2], first_name="Camille", last_name="Martin")
            debtor_first = p.direction == "inbound"
            handoff_from = int(p.turns * 0.7) if "handoff" in p.flags else p.turns + 1
            moment, last_debtor = p.started, None
            for seq in range(1, p.turns + 1):
                moment += (
                    timedelta(seconds=p.gap * (5 + (seq - 1) * 37 % 11) // 10) if seq > 1 else timedelta()
                )
                phase = seq / p.turns
                debtor = (seq % 2 == 1) == debtor_first
                turn_id += 1
                if debtor:
                    intent = self._debtor_intent(p.story, phase)
                    text = rnd.choice(examples[intent])
                    confidence = round(min(0.99, rnd.betavariate(8, 1.6)), 3)
                    yield (turn_id, p.id, seq, "debtor", text, moment, p.channel, intent, confidence,
                           "answered", None, "{}")  # fmt: skip
                    last_debtor = seq
                else:
                    role = "advisor" if seq >= handoff_from else "bot"
                    key = self._bot_key(p.story, phase, seq)
                    text = messages.get(key, messages["rephrase"]).format_map(values)
                    yield (turn_id, p.id, seq, role, text, moment, p.channel, None, None, None, last_debtor,
                           "{}")  # fmt: skip

    def _debtor_intent(self, story: str, phase: float) -> str:
        rnd = self.rnd
        if phase < 0.15:
            return "greet"
        if phase < 0.35:
            return "inform" if rnd.random() < 0.7 else "affirm"
        if phase < 0.85:
            return story if rnd.random() < 0.55 else rnd.choice(DEBTOR_SIDE)
        return rnd.choice(("goodbye", "affirm", "deny"))

    def _bot_key(self, story: str, phase: float, seq: int) -> str:
        rnd = self.rnd
        if seq <= 2:
            return rnd.choice(BOT_OPENING)
        if phase < 0.35:
            return rnd.choice(BOT_IDENTITY)
        if phase < 0.85:
            return rnd.choice(BOT_STORY[story])
        return rnd.choice(BOT_CLOSING)

    def flag_rows(self) -> Iterator[tuple[Any, ...]]:
        flag_id = 0
        for p in self.plans:
            for flag in p.flags:
                flag_id += 1
                yield flag_id, p.id, flag, p.started + timedelta(minutes=2)

    def handoff_rows(self) -> Iterator[tuple[Any, ...]]:
        rnd, handoff_id = self.rnd, 0
        for p in self.plans:
            if "handoff" in p.flags:
                handoff_id += 1
                status = rnd.choice(["returned"] * 7 + ["abandoned"] * 2 + ["active"])
                asked = p.started + timedelta(minutes=3)
                yield (
                    handoff_id, p.id, p.account_id, p.story, f"The debtor asked about {p.story}.", status,
                    "advisor.bench", asked, asked + timedelta(minutes=rnd.randint(1, 20)), p.last,
                )  # fmt: skip

    def audit_rows(self) -> Iterator[tuple[Any, ...]]:
        audit_id = 0
        for p in self.plans:
            for flag in p.flags:
                audit_id += 1
                action, entity = FLAG_ACTIONS[flag]
                details = json.dumps({"conversation_id": p.id, "flag": flag})
                entity_id = str(p.id) if entity == "conversation" else str(audit_id)
                yield audit_id, p.started + timedelta(minutes=2), "debtor", action, entity, entity_id, details

    def call_rows(self) -> Iterator[tuple[Any, ...]]:
        call_id = 0
        for p in self.plans:
            if p.channel == "voice":
                call_id += 1
                ours, theirs = "+33184881234", p.party
                source, to = (ours, theirs) if p.direction == "outbound" else (theirs, ours)
                seconds = int((p.last - p.started).total_seconds())
                yield (
                    call_id, f"CA{uuid.UUID(int=p.id).hex}", p.id, p.account_id, p.direction, source, to,
                    "gather", "completed", "human", "dialogue", p.started, p.started, p.last, seconds, True,
                    p.last,
                )  # fmt: skip

    def recording_rows(self) -> Iterator[tuple[Any, ...]]:
        rnd, call_id, recording_id = self.rnd, 0, 0
        for p in self.plans:
            if p.channel == "voice":
                call_id += 1
                if rnd.random() < 0.7:
                    recording_id += 1
                    sid = f"RE{uuid.UUID(int=recording_id).hex}"
                    url = f"https://api.twilio.com/2010-04-01/Accounts/ACbench/Recordings/{sid}"
                    seconds = int((p.last - p.started).total_seconds())
                    yield (
                        recording_id,
                        sid,
                        call_id,
                        f"CA{uuid.UUID(int=p.id).hex}",
                        url,
                        "completed",
                        seconds,
                        1,
                        NOW,
                    )

    # ---- quality review (tables of migration 0010, filled after it) ----------------------------------

    REVIEWER_ID = 1  # the one console user of the filled database until the measure signs in

    def review_rows(self) -> Iterator[tuple[Any, ...]]:
        """About one conversation in twelve reviewed, more of those with a concern."""
        rnd = random.Random(self.seed + 1)  # the same rows every call: mark_rows reads them again
        for p in self.plans:
            share = 0.25 if {"complaint", "dispute", "vulnerability"} & set(p.flags) else 0.07
            if rnd.random() < share:
                status = rnd.choice(["in_review"] * 2 + ["reviewed"] * 5 + ["follow_up"])
                yield p.id, status, self.REVIEWER_ID, p.last + timedelta(days=rnd.randint(1, 10))

    def mark_rows(self) -> Iterator[tuple[Any, ...]]:
        """One to three marks on each reviewed conversation: on it or on a turn (turn ids follow the
        order of turn_rows: conversation after conversation, seq after seq)."""
        rnd = random.Random(self.seed + 2)
        reviewed = {row[0]: row[3] for row in self.review_rows()}
        mark_id, first_turn = 0, 1
        for p in self.plans:
            if p.id in reviewed:
                for _ in range(rnd.randint(1, 3)):
                    mark_id += 1
                    verdict = rnd.choice(["fine"] * 3 + ["issue"] * 2 + ["comment"])
                    category = rnd.choice(REVIEW_CATEGORIES) if verdict == "issue" else None
                    turn_id = first_turn + rnd.randrange(p.turns) if rnd.random() < 0.6 else None
                    comment = "" if verdict == "fine" else f"Reviewed: {p.story}."
                    yield (
                        mark_id,
                        p.id,
                        turn_id,
                        verdict,
                        category,
                        comment,
                        self.REVIEWER_ID,
                        reviewed[p.id],
                        None,
                    )
            first_turn += p.turns


REVIEW_CATEGORIES = ["compliance", "tone", "tone", "wrong_understanding", "wrong_understanding", "other"]

# The columns COPY fills, per table, in the order the tables are filled.
TABLES = {
    "creditor": "id name created_at",
    "debtor": "id person_key first_name last_name birth_date language country created_at updated_at",
    "contact_point": "id debtor_id kind value country valid source created_at updated_at",
    "account": (
        "id account_ref debtor_id creditor_id jurisdiction invoice_ref product currency principal interest "
        "fees fees_charged balance due_date status created_at updated_at"
    ),
    "campaign": (
        "id name filter channels template status window_start window_end max_concurrent_calls "
        "calls_per_second sms_per_second max_attempts planned skipped created_by created_at planned_at "
        "updated_at"
    ),
    "campaign_target": (
        "id campaign_id account_id debtor_id channel to language state due_at tries attempts updated_at"
    ),
    "turn": "id conversation_id seq role text at channel intent confidence state reply_to meta",
    "conversation": (
        "id channel party debtor_id account_id direction language status sender_id started_at "
        "last_activity_at closed_at"
    ),
    "conversation_flag": "id conversation_id flag set_at",
    "handoff": (
        "id conversation_id account_id reason summary status advisor requested_at accepted_at ended_at"
    ),
    "audit_log": "id at actor action entity entity_id details",
    "call": (
        "id call_sid conversation_id account_id direction from_number to_number mode status answered_by "
        "stage created_at answered_at ended_at duration_seconds recording_requested updated_at"
    ),
    "call_recording": "id recording_sid call_id call_sid url status duration_seconds channels updated_at",
    "console_user": "id login display_name password_hash role active created_at failed_logins",
    "conversation_review": "conversation_id status reviewer_id updated_at",
    "review_mark": "id conversation_id turn_id verdict category comment reviewer_id at withdrawn_at",
}


def _copy(conn: Any, table: str, rows: Iterable[tuple[Any, ...]]) -> int:
    names = ", ".join(f'"{name}"' for name in TABLES[table].split())
    count = 0
    with conn.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    if TABLES[table].startswith("id "):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST({count}, 1))")
    return count


def _reviewer_rows() -> Iterator[tuple[Any, ...]]:
    # No password: nobody signs in as the reviewer of the filled rows.
    yield Dataset.REVIEWER_ID, "bench.reviewer", "Bench Reviewer", "!", "supervisor", True, NOW, 0


def fill(url: str, data: Dataset) -> dict[str, int]:
    """One COPY per table, in one transaction; rows in the order of time, as the gateway writes them."""
    import psycopg

    feeds: dict[str, Callable[[], Iterable[tuple[Any, ...]]]] = {
        "creditor": data.creditor_rows,
        "debtor": data.debtor_rows,
        "contact_point": data.contact_point_rows,
        "account": data.account_rows,
        "campaign": data.campaign_rows,
        "campaign_target": data.campaign_target_rows,
        "conversation": data.conversation_rows,
        "turn": data.turn_rows,
        "conversation_flag": data.flag_rows,
        "handoff": data.handoff_rows,
        "audit_log": data.audit_rows,
        "call": data.call_rows,
        "call_recording": data.recording_rows,
    }
    counts = {}
    with psycopg.connect(psycopg_url(url)) as conn:
        for table, rows in feeds.items():
            started = time.perf_counter()
            counts[table] = _copy(conn, table, rows())
            print(f"  {table}: {counts[table]:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
        conn.commit()
    return counts


def fill_reviews(url: str, data: Dataset) -> dict[str, int]:
    """The review tables, once migration 0010 made them."""
    import psycopg

    counts = {}
    with psycopg.connect(psycopg_url(url)) as conn:
        for table, rows in (
            ("console_user", _reviewer_rows),
            ("conversation_review", data.review_rows),
            ("review_mark", data.mark_rows),
        ):
            counts[table] = _copy(conn, table, rows())
        conn.commit()
    return counts


# ---- measuring ---------------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    kind: str  # "list" or "search"
    queries: list[dict[str, str]]


def scenarios(deep_cursor: int) -> list[Scenario]:
    month = lambda m: {"from": f"2026-{m:02d}-01", "to": f"2026-{m:02d}-28"}  # noqa: E731
    return [
        Scenario("list: first page, no filter", "list", [{}]),
        Scenario("list: channel and language", "list", [
            {"channel": c, "language": lang} for c in ("sms", "voice", "chat") for lang in ("fr", "de", "en")
        ]),
        Scenario("list: one flag", "list", [
            {"flag": f} for f in ("dispute", "hardship", "complaint", "vulnerability", "opt_out", "handoff")
        ]),
        Scenario("list: account status", "list", [
            {"account_status": s} for s in ("disputed", "hardship_hold", "paid", "arrangement", "closed")
        ]),
        Scenario("list: campaign", "list", [{"campaign": str(n)} for n in range(1, 7)]),
        Scenario("list: one month", "list", [month(m) for m in (2, 5, 8, 11)]),
        Scenario("list: page 101 (keyset)", "list", [{"before": str(deep_cursor)}]),
        Scenario("list: four filters", "list", [
            {"channel": "voice", "flag": "promise_to_pay", "language": "fr", **month(6)},
            {"channel": "sms", "flag": "complaint", "account_status": "disputed"},
            {"channel": "chat", "flag": "identity_failed", "campaign": "2", "language": "de"},
        ]),
        Scenario("list: review status and issue", "list", [
            {"review": "follow_up"}, {"review": "reviewed", "channel": "voice"}, {"issue": "compliance"},
            {"issue": "tone", "language": "de"}, {"review": "unreviewed", "flag": "complaint"},
        ]),
        Scenario("search: common word", "search", [{"q": w} for w in ("bonjour", "zahlen", "pay")]),
        Scenario("search: medium word", "search", [
            {"q": w} for w in ("virement", "Ratenzahlung", "instalments", "facture")
        ]),
        Scenario("search: rare word", "search", [{"q": w} for w in ("chômage", "arbeitslos", "redundant")]),
        Scenario("search: two words", "search", [
            {"q": w} for w in ("payer plusieurs", "kann nicht", "pay monthly")
        ]),
        Scenario("search: no match", "search", [{"q": w} for w in ("xylophone", "quetzalcoatl")]),
        Scenario("search: very common word", "search", [{"q": w} for w in ("je", "ich", "the", "vous")]),
        Scenario("search: common word, rare in the filter", "search", [
            {"q": "bonjour", "language": "de"},
            {"q": "pay", "flag": "complaint"},
            {"q": "virement", "channel": "chat"},
            {"q": "je", "account_status": "closed"},
        ]),
        Scenario("search with filters", "search", [
            {"q": "facture", "channel": "sms", **month(9)},
            {"q": "Rechnung", "flag": "dispute"},
            {"q": "job", "language": "en", "account_status": "hardship_hold"},
        ]),
    ]  # fmt: skip


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def _sign_in(client: Any) -> None:
    form = client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]*)"', form.text)
    assert token, form.text[:500]
    answer = client.post(
        "/console/login",
        data={"login": LOGIN, "password": PASSWORD, "csrf": token[1], "next": "/console"},
        headers={"Origin": "http://testserver"},
    )
    assert answer.status_code == 303, answer.text[:500]


class StatementClock:
    """The time spent in the database's statements, summed between two reads."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.total = 0.0
        self.statements = 0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, *_: Any) -> None:
        self.total += time.perf_counter() - conn.info.pop("bench_started")
        self.statements += 1

    def take(self) -> tuple[float, int]:
        figures = self.total, self.statements
        self.total, self.statements = 0.0, 0
        return figures


def measure(url: str, requests: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from console.user_store import create_user, find_user
    from core.logs import configure_logging
    from core.settings import load_settings
    from debt.db import session_scope
    from debt.models import ConsoleRole
    from server import create_app

    app = create_app(load_settings(database_url=url, env="test", log_level="WARNING"))
    configure_logging("WARNING")
    with session_scope(app.state.engine) as db:
        if find_user(db, LOGIN) is None:
            create_user(db, LOGIN, PASSWORD, ConsoleRole.SUPERVISOR, "Bench Supervisor")
        total = db.execute(text("SELECT count(*) FROM conversation")).scalar_one()
        deep = db.execute(  # the first row of page 101: 5,000 rows down
            text("SELECT id FROM conversation ORDER BY started_at DESC, id DESC OFFSET :n LIMIT 1"),
            {"n": min(5000, total // 2)},
        ).scalar_one()
    clock = StatementClock(app.state.engine)
    results = []
    with TestClient(app, follow_redirects=False) as client:
        _sign_in(client)
        baseline = _baseline(client, requests)
        for scenario in scenarios(deep):
            for query in scenario.queries:  # warm-up: each plan once, the pages into the cache
                assert client.get(PATH, params=query).status_code == 200
            clock.take()
            totals, in_db, statements, shown = [], [], [], []
            for n in range(max(requests, len(scenario.queries))):
                query = scenario.queries[n % len(scenario.queries)]
                started = time.perf_counter()
                answer = client.get(PATH, params=query)
                totals.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, answer.text[:500]
                seconds, count = clock.take()
                in_db.append(seconds * 1000)
                statements.append(count)
                shown.append(len(ROW.findall(answer.text)))
            figures = {
                "scenario": scenario.name,
                "kind": scenario.kind,
                "queries": scenario.queries,
                "requests": len(totals),
                "p50_ms": round(statistics.median(totals), 1),
                "p95_ms": round(_percentile(totals, 0.95), 1),
                "max_ms": round(max(totals), 1),
                "db_p50_ms": round(statistics.median(in_db), 1),
                "db_p95_ms": round(_percentile(in_db, 0.95), 1),
                "statements_per_request": round(statistics.mean(statements), 1),
                "rows_shown_min_max": [min(shown), max(shown)],
                "p50_vs_baseline": round(statistics.median(totals) / baseline["p50_ms"], 1),
            }
            figures["met"] = figures["p95_ms"] <= TARGET_P95_MS
            print(
                f"  {scenario.name:32} p50 {figures['p50_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms"
                f"  (database p50 {figures['db_p50_ms']:5.1f} ms)  rows {min(shown)}-{max(shown)}",
                flush=True,
            )
            results.append(figures)
        detail = _measure_detail(client, clock, url, requests)
    return results, {"baseline": baseline, **detail}


def _baseline(client: Any, requests: int) -> dict[str, Any]:
    """The console's home page, measured in the same run: the session check, one page drawn, no list.
    A scenario's p50 over this one's compares runs on machines of different speed."""
    client.get(HOME)
    totals = []
    for _ in range(requests):
        started = time.perf_counter()
        assert client.get(HOME).status_code == 200
        totals.append((time.perf_counter() - started) * 1000)
    figures = {
        "scenario": f"baseline: GET {HOME}",
        "p50_ms": round(statistics.median(totals), 1),
        "p95_ms": round(_percentile(totals, 0.95), 1),
    }
    print(
        f"  {figures['scenario']:32} p50 {figures['p50_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms",
        flush=True,
    )
    return figures


def _measure_detail(client: Any, clock: StatementClock, url: str, requests: int) -> dict[str, Any]:
    """A conversation's page (turns, decisions, recording, account; each opening audited)."""
    import psycopg

    with psycopg.connect(psycopg_url(url)) as conn:
        ids = [
            row[0]
            for row in conn.execute("SELECT id FROM conversation ORDER BY random() LIMIT %s", (requests,))
        ]
    totals, in_db = [], []
    for conversation_id in ids:
        started = time.perf_counter()
        answer = client.get(f"{PATH}/{conversation_id}")
        totals.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text[:500]
        in_db.append(clock.take()[0] * 1000)
    return {
        "scenario": "conversation page, random conversations (cold)",
        "requests": len(totals),
        "p50_ms": round(statistics.median(totals), 1),
        "p95_ms": round(_percentile(totals, 0.95), 1),
        "db_p50_ms": round(statistics.median(in_db), 1),
    }


def word_frequencies(url: str) -> dict[str, int]:
    """How many turns hold each word searched for: what makes a word common or rare here."""
    import psycopg

    words = sorted({q["q"] for s in scenarios(1) for q in s.queries if "q" in q})
    with psycopg.connect(psycopg_url(url)) as conn:
        count = "SELECT count(*) FROM turn WHERE to_tsvector('simple', text) @@ plainto_tsquery('simple', %s)"
        return {word: conn.execute(count, (word,)).fetchone()[0] for word in words}


def explain(url: str) -> None:
    """The plans of a few searches, as PostgreSQL runs them (--explain)."""
    import psycopg
    from sqlalchemy.dialects import postgresql
    from sqlmodel import Session, col

    from console.conversation_filters import ConversationFilter
    from console.conversation_list import PAGE_SIZE, matching
    from debt.db import make_engine
    from debt.models import Conversation

    engine = make_engine(url)
    newest_first = (col(Conversation.started_at).desc(), col(Conversation.id).desc())
    with Session(engine) as db, psycopg.connect(psycopg_url(url)) as conn:
        for word in ("bonjour", "Ratenzahlung", "arbeitslos", "xylophone"):
            query = (
                matching(db, ConversationFilter(q=word), False).order_by(*newest_first).limit(PAGE_SIZE + 1)
            )
            sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            print(f"--- {word}")
            for (line,) in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"):  # type: ignore[arg-type]
                print(line)
    engine.dispose()


def _database_size(url: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(psycopg_url(url)) as conn:
        rows = conn.execute(
            "SELECT 'database', pg_size_pretty(pg_database_size(current_database()))"
            " UNION ALL SELECT 'turn table', pg_size_pretty(pg_table_size('turn'))"
            " UNION ALL SELECT 'ix_turn_text_search', pg_size_pretty(pg_relation_size('ix_turn_text_search'))"
        ).fetchall()
    return dict(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--turns", type=int, default=2_000_000)
    parser.add_argument("--requests", type=int, default=60, help="per scenario (at least 50 for p95)")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    parser.add_argument("--explain", action="store_true", help="print the plans of a few searches")
    parser.add_argument("--reuse", metavar="URL", help="measure a database kept by --keep (no fill)")
    args = parser.parse_args()

    from alembic import command

    from debt.db import alembic_config

    # A database kept by an earlier run (--reuse) is measured again, nothing filled.
    database = nullcontext(args.reuse) if args.reuse else scratch_database(keep=args.keep)
    with database as url:
        if args.reuse:
            rows, fill_seconds, migration_seconds = {}, 0.0, 0.0
            command.upgrade(alembic_config(url), "head")
        else:
            command.upgrade(alembic_config(url), "0007")
            started = time.perf_counter()
            data = Dataset(args.conversations, args.turns, args.seed)
            rows = fill(url, data)
            fill_seconds = time.perf_counter() - started
            started = time.perf_counter()
            command.upgrade(alembic_config(url), "0008")  # the GIN index, built on the full table
            migration_seconds = time.perf_counter() - started
            command.upgrade(alembic_config(url), "head")
            rows |= fill_reviews(url, data)
            _pg_vacuum(url)
            print(f"filled in {fill_seconds:.0f} s, migration 0008 in {migration_seconds:.0f} s", flush=True)
        frequencies = word_frequencies(url)
        if args.explain:
            explain(url)
        load_before = os.getloadavg()[0]
        results, detail = measure(url, args.requests)
        load_after = os.getloadavg()[0]
        sizes = _database_size(url)

    result = {
        "command": " ".join([".venv/bin/python bench/bench_console_list.py", *sys.argv[1:]]),
        "seed": args.seed,
        "rows": rows,
        "fill_seconds": round(fill_seconds, 1),
        "migration_0008_seconds": round(migration_seconds, 1),
        "sizes": sizes,
        "turns_with_word": frequencies,
        "page_size": 50,
        "goal": {"p95_ms": TARGET_P95_MS},
        "met": all(r["met"] for r in results),
        "scenarios": results,
        "baseline": detail.pop("baseline"),
        "conversation_page": detail,
        "load_average_before_after": [round(load_before, 1), round(load_after, 1)],
        "machine": f"{os.cpu_count()} cores; PostgreSQL on loopback with its default settings",
    }
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "scenarios"}, indent=2, ensure_ascii=False))


def _pg_vacuum(url: str) -> None:
    import psycopg

    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


if __name__ == "__main__":
    main()
