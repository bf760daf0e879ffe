"""SMS webhook latency under concurrency: signed Twilio webhooks to the gateway, against the same
conversations sent straight to Rasa's REST channel.

The stack is the embedded default of `make run`: `uvicorn server:app` (in-process conversation
locks, no access log), `rasa run` with the trained model (trackers in memory) and the action server,
all on one fresh, migrated SQLite file. `--redis URL` puts the gateway's locks and Rasa's trackers
and locks in that Redis database instead (flushed first).

Each simulated person has their own account and French mobile number. A conversation is a script
of `--turns` texts sent one after the other (greeting, balance question, name, birth date, plan
request, plan choice, contact data confirmed, goodbye), each a webhook signed with Twilio's
RequestValidator and a new MessageSid; the latency is the client's, around the POST. At a level of N,
N workers run conversations at the same time (at least `--min-conversations` per phase), each text
sent as soon as the previous one is answered: a closed loop that keeps N turns in flight, which
saturates one `rasa run` from about 10 on 2 vCPU. `--pause S` waits S seconds before each next text,
as a person reading and typing does, to measure latency below saturation.

The baseline runs the same scripts at the same concurrency straight to `{rasa}/webhooks/rest/webhook`
with fresh senders and accounts and the metadata the gateway sends, so the dialogue and the actions
do the same work. Gateway and Rasa phases alternate (the order flips every phase) and every level
is repeated `--rounds` times, so machine noise hits both sides; percentiles are over all rounds.
The gateway's overhead is gateway p50 - Rasa p50.

    .venv/bin/python bench/bench_sms_gateway.py      # --levels 1,10,50 --turns 8 --rounds 3
    .venv/bin/python bench/bench_sms_gateway.py --verbose --levels 1 --rounds 1   # read one dialogue
    .venv/bin/python bench/bench_sms_gateway.py --levels 10,50 --pause 5
    .venv/bin/python bench/bench_sms_gateway.py --redis redis://127.0.0.1:6379/12
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, col, func, select  # noqa: E402

from core.heap import freeze_startup_heap  # noqa: E402
from debt.db import make_engine, migrate  # noqa: E402
from debt.messages import render  # noqa: E402
from debt.models import Handoff, Turn, TurnRole, TurnState  # noqa: E402
from integrations.sms_phone import SMS_ROUTE, SmsPeer, twiml_messages  # noqa: E402
from integrations.sms_text import gsm_friendly  # noqa: E402
from tests.factories import make_account  # noqa: E402
from tests.integration.conftest import RASA_TOKEN, running_gateway  # noqa: E402
from tests.integration.processes import rasa_and_actions  # noqa: E402

MODEL = ROOT / "models/current.tar.gz"
FIRST, LAST = "Jeanne", "Dupont"
# What a French debtor texts, one message after the other (the dialogue of test_instalment_plan,
# opened and closed as people do); --turns above 8 repeats the goodbye.
SCRIPT = [
    "bonjour",
    "combien je vous dois",
    f"{FIRST} {LAST}",
    "12/03/1985",
    "je peux payer en plusieurs fois ?",
    "la première",
    "oui",
    "merci au revoir",
]
HOLDING = gsm_friendly(render("holding_reply", "fr"))
TARGET_OVERHEAD_P50_MS = 20.0
TARGET_P95_MS, TARGET_P95_LEVEL = 300.0, 10


@dataclass(frozen=True)
class Person:
    account_ref: str
    phone: str


@dataclass
class Phase:
    side: str  # "gateway" or "rasa"
    level: int
    round: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    cpu_s: dict[str, float] = field(default_factory=dict)  # per process of the stack, over the phase

    def fail(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(f"{kind}: {detail}"[:300])

    async def timed_post(self, client: aiohttp.ClientSession, url: str, **request: Any) -> str | None:
        """One request, its latency kept; its body, or None (the failure counted) unless it answered 200."""
        started = time.perf_counter()
        try:
            async with client.post(url, **request) as response:
                status, text = response.status, await response.text()
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.latencies_ms.append((time.perf_counter() - started) * 1000)
            self.fail("exception", f"{type(exc).__name__}: {exc}")
            return None
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        if status != 200:
            self.fail(f"http_{status}", text)
            return None
        return text


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def stack_cpu(database_url: str) -> dict[str, float]:
    """CPU seconds (user + system) so far of the stack's processes, found by the database they were
    started with: the gateway (uvicorn), `rasa run`, the action server (rasa_sdk, with the worker
    processes Sanic starts for it)."""
    marker = f"DATABASE_URL={database_url}".encode()
    found: dict[int, tuple[str | None, int, float]] = {}  # pid: kind, parent, CPU seconds
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone, or not ours to read
            continue
        kind = (
            "actions"
            if b"rasa_sdk" in command
            else "gateway"
            if b"uvicorn" in command
            else "rasa"
            if b"rasa" in command and b"bash" not in command
            else None
        )
        found[int(entry.name)] = (kind, int(fields[1]), (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS)
    cpu: Counter = Counter()
    for kind, parent, seconds in found.values():
        while kind is None and parent in found:  # a worker process: its parent's kind
            kind, parent, _ = found[parent]
        if kind is not None:
            cpu[kind] += seconds
    return dict(cpu)


def texts_for(turns: int) -> list[str]:
    return [SCRIPT[min(n, len(SCRIPT) - 1)] for n in range(turns)]


def seed(database_url: str, count: int) -> list[Person]:
    """One account per simulated person: the plan dialogue's amounts, a distinct French mobile."""
    people = [Person(f"SMSB-{100000 + n}", f"+3361{n:07d}") for n in range(count)]
    with Session(make_engine(database_url)) as session:
        for person in people:
            make_account(
                session,
                account_ref=person.account_ref,
                first_name=FIRST,
                last_name=LAST,
                phone=person.phone,
                principal="150.00",
                interest="3.60",
            )
        session.commit()
    return people


async def gateway_conversation(
    client: aiohttp.ClientSession,
    base: str,
    token: str,
    person: Person,
    texts: list[str],
    phase: Phase,
    show: bool = False,
    pause: float = 0.0,
) -> None:
    peer = SmsPeer(base, token, person.phone)
    for n, text in enumerate(texts):
        if n and pause:
            await asyncio.sleep(pause)  # the person reads the reply and types the next text
        body, headers = peer.request(text)  # signed (and a new MessageSid) before the clock starts
        answer = await phase.timed_post(client, base + SMS_ROUTE, data=body, headers=headers)
        if answer is None:
            continue
        try:
            replies = twiml_messages(answer)
        except ET.ParseError as exc:
            phase.fail("bad_twiml", f"{exc}: {answer}")
            continue
        if not any(r.strip() for r in replies):
            phase.fail("empty_twiml", f"{text!r} -> {answer}")
        elif any(HOLDING in r for r in replies):
            phase.fail("holding_reply", f"{text!r} -> {replies}")
        if show:
            print(f"  > {text}")
            for reply in replies:
                print(f"  < {reply}")


async def rasa_conversation(
    client: aiohttp.ClientSession,
    base: str,
    person: Person,
    texts: list[str],
    phase: Phase,
    show: bool = False,
    pause: float = 0.0,
) -> None:
    sender = f"bench-rest-{person.account_ref}"
    metadata = {"channel": "sms", "direction": "inbound", "language": "fr", "account_ref": person.account_ref}
    for n, text in enumerate(texts, start=1):
        if n > 1 and pause:
            await asyncio.sleep(pause)
        # The gateway also sends its conversation id and a turn reference; Rasa only stores them.
        payload = {"sender": sender, "message": text, "metadata": {**metadata, "turn_ref": f"bench:{n}"}}
        answer = await phase.timed_post(client, f"{base}/webhooks/rest/webhook", json=payload)
        if answer is None:
            continue
        replies = [m.get("text") or "" for m in json.loads(answer) if isinstance(m, dict)]
        if not any(r.strip() for r in replies):
            phase.fail("empty_reply", f"{text!r} -> {answer}")
        if show:
            print(f"  > {text}")
            for reply in replies:
                print(f"  < {reply}")


async def run_phase(
    side: str,
    level: int,
    round_no: int,
    people: list[Person],
    stack: dict[str, str],
    texts: list[str],
    show: bool = False,
    pause: float = 0.0,
    database_url: str | None = None,
) -> Phase:
    """`level` workers, each taking the next person's whole conversation until none is left."""
    phase = Phase(side, level, round_no)
    queue = list(reversed(people))
    # aiohttp rather than httpx: the simulated people share the machine with the stack they measure.
    connector = aiohttp.TCPConnector(limit=level + 10)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as client:

        async def worker(n: int) -> None:
            await asyncio.sleep(n * pause / level)  # with pauses, people do not all text at once
            while queue:
                person = queue.pop()
                if side == "gateway":
                    await gateway_conversation(
                        client, stack["gateway"], stack["twilio_token"], person, texts, phase, show, pause
                    )
                else:
                    await rasa_conversation(client, stack["rasa"], person, texts, phase, show, pause)

        cpu_before = stack_cpu(database_url) if database_url else {}
        started, own_cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker(n) for n in range(level)))
        phase.wall_s = time.perf_counter() - started
        if database_url:
            cpu_after = stack_cpu(database_url)
            phase.cpu_s = {kind: cpu_after[kind] - cpu_before.get(kind, 0.0) for kind in cpu_after}
            phase.cpu_s["load"] = time.process_time() - own_cpu  # this process: the simulated people
    return phase


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def side_summary(phases: list[Phase]) -> dict:
    values = [v for p in phases for v in p.latencies_ms]
    errors: Counter = sum((p.errors for p in phases), Counter())
    wall = sum(p.wall_s for p in phases)
    cpu: Counter = sum((Counter(p.cpu_s) for p in phases), Counter())
    return {
        "requests": len(values),
        "errors": sum(errors.values()),
        "errors_by_kind": dict(errors),
        "error_samples": [s for p in phases for s in p.error_samples][:5],
        "turns_per_s": round(len(values) / wall, 1),
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "p99_ms": round(percentile(values, 0.99), 1),
        "max_ms": round(max(values), 1),
        "p50_ms_by_round": [round(statistics.median(p.latencies_ms), 1) for p in phases],
        "turns_per_s_by_round": [round(len(p.latencies_ms) / p.wall_s, 1) for p in phases],
        # The stack's processes' CPU per turn (the gateway's is ~0 on the Rasa side: not in the path).
        "cpu_ms_per_turn": {
            kind: round(1000 * seconds / len(values), 2) for kind, seconds in sorted(cpu.items())
        },
    }


def database_check(database_url: str) -> dict[str, int]:
    """What the gateway recorded: every debtor turn answered, nobody handed over for a bot outage."""
    with Session(make_engine(database_url)) as session:
        unanswered = session.exec(
            select(func.count())
            .select_from(Turn)
            .where(Turn.role == TurnRole.DEBTOR, col(Turn.state) != TurnState.ANSWERED)
        ).one()
        debtor_turns = session.exec(
            select(func.count()).select_from(Turn).where(Turn.role == TurnRole.DEBTOR)
        ).one()
        outages = session.exec(
            select(func.count()).select_from(Handoff).where(Handoff.reason == "bot_unavailable")
        ).one()
    return {"debtor_turns": debtor_turns, "unanswered": unanswered, "bot_unavailable_handoffs": outages}


def code_version() -> str:
    """The commit measured, marked when the work tree differs from it (read-only git)."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    changed = [
        line
        for line in git("--no-optional-locks", "status", "--porcelain").splitlines()
        if not line.startswith("??")
    ]
    return git("rev-parse", "--short", "HEAD") + (" with uncommitted changes" if changed else "")


def flush_redis(url: str) -> None:
    from redis import Redis

    client = Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--levels", default="1,10,50", help="concurrent conversations, comma-separated")
    parser.add_argument("--turns", type=int, default=8, help="texts per conversation")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions of every level and side")
    parser.add_argument(
        "--min-conversations", type=int, default=10, help="per phase: a level below it runs several in a row"
    )
    parser.add_argument("--redis", metavar="URL", help="gateway locks, Rasa trackers and locks in Redis")
    parser.add_argument("--json", type=Path, help="default bench/results/sms_gateway[_redis].json")
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        help="seconds between a reply and the next text (default 0: back to back, Rasa saturates)",
    )
    parser.add_argument("--verbose", action="store_true", help="print the warm-up dialogues")
    parser.add_argument("--keep", action="store_true", help="keep the folder with the database and logs")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",") if n.strip()]
    if not levels or min(levels) < 1 or args.turns < 1 or args.rounds < 1:
        parser.error("levels, turns and rounds must be positive")
    out = args.json or ROOT / f"bench/results/sms_gateway{'_redis' if args.redis else ''}.json"
    if not MODEL.exists():
        print(
            f"no trained model at {MODEL.relative_to(ROOT)}: `bash scripts/train.sh` trains it",
            file=sys.stderr,
        )
        return 2
    command = shlex.join([".venv/bin/python", "bench/bench_sms_gateway.py", *sys.argv[1:]])
    texts = texts_for(args.turns)
    per_phase = {n: math.ceil(max(n, args.min_conversations) / n) * n for n in levels}

    folder = Path(tempfile.mkdtemp(prefix="bench_sms_"))
    database_url = f"sqlite:///{folder / 'collect.db'}"
    migrate(database_url)
    people = iter(seed(database_url, 2 + 2 * args.rounds * sum(per_phase.values())))
    env: dict[str, str] = {"LOG_LEVEL": "WARNING"}
    if args.redis:
        flush_redis(args.redis)
        env["REDIS_URL"] = args.redis
    load_before = os.getloadavg()
    phases: list[Phase] = []
    try:
        with (
            rasa_and_actions(folder, database_url, RASA_TOKEN, **env) as (rasa_url, _),
            # As the Procfile starts it: no access log (uvicorn reads UVICORN_* options).
            running_gateway(folder, database_url, rasa_url, UVICORN_ACCESS_LOG="false", **env) as gateway,
        ):
            stack = {"gateway": gateway.url, "twilio_token": gateway.twilio_token, "rasa": rasa_url}
            for side in ("gateway", "rasa"):  # warm-up, not counted: first requests load lazily
                if args.verbose:
                    print(f"warm-up conversation, {side}:")
                warm = asyncio.run(run_phase(side, 1, -1, [next(people)], stack, texts, args.verbose))
                if warm.errors:
                    print(f"warm-up errors on {side}: {warm.error_samples}", file=sys.stderr)
            # The simulated people's own full garbage collections would count as latency.
            freeze_startup_heap()
            switch = 0
            for round_no in range(args.rounds):
                for level in levels:
                    order = ("gateway", "rasa") if switch % 2 == 0 else ("rasa", "gateway")
                    switch += 1
                    for side in order:
                        batch = [next(people) for _ in range(per_phase[level])]
                        phase = asyncio.run(
                            run_phase(
                                side,
                                level,
                                round_no,
                                batch,
                                stack,
                                texts,
                                pause=args.pause,
                                database_url=database_url,
                            )
                        )
                        phases.append(phase)
                        print(
                            f"round {round_no + 1} level {level:>3} {side:8} "
                            f"{len(phase.latencies_ms):>4} turns {phase.wall_s:6.1f} s  "
                            f"p50 {statistics.median(phase.latencies_ms):7.1f} ms  "
                            f"errors {sum(phase.errors.values())}",
                            flush=True,
                        )
        recorded = database_check(database_url)
    finally:
        if args.keep:
            print(f"database and logs kept in {folder}")
        else:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)

    results = report(args, levels, per_phase, phases, recorded, command, load_before)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print_markdown(results)
    print(f"\nreport: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0  # the targets are reported, not enforced: `make bench` runs every benchmark in turn


def report(
    args: argparse.Namespace,
    levels: list[int],
    per_phase: dict[int, int],
    phases: list[Phase],
    recorded: dict[str, int],
    command: str,
    load_before: tuple[float, float, float],
) -> dict:
    by_level = {}
    for level in levels:
        gateway = side_summary([p for p in phases if p.level == level and p.side == "gateway"])
        rasa = side_summary([p for p in phases if p.level == level and p.side == "rasa"])
        by_round = [
            round(g - r, 1) for g, r in zip(gateway["p50_ms_by_round"], rasa["p50_ms_by_round"], strict=True)
        ]
        by_level[str(level)] = {
            "conversations_per_phase": per_phase[level],
            "gateway": gateway,
            "rasa": rasa,
            "overhead_p50_ms": round(gateway["p50_ms"] - rasa["p50_ms"], 1),
            "overhead_p50_ms_by_round": by_round,
            "ratio_p50": round(gateway["p50_ms"] / rasa["p50_ms"], 2),
            "ratio_p95": round(gateway["p95_ms"] / rasa["p95_ms"], 2),
        }
    errors = sum(v["gateway"]["errors"] + v["rasa"]["errors"] for v in by_level.values())
    checks = {
        "zero_errors": errors == 0 and recorded["unanswered"] == 0,
        f"overhead_p50_le_{TARGET_OVERHEAD_P50_MS:g}ms": all(
            v["overhead_p50_ms"] <= TARGET_OVERHEAD_P50_MS for v in by_level.values()
        ),
    }
    if str(TARGET_P95_LEVEL) in by_level:
        p95 = by_level[str(TARGET_P95_LEVEL)]["gateway"]["p95_ms"]
        checks[f"gateway_p95_le_{TARGET_P95_MS:g}ms_at_{TARGET_P95_LEVEL}"] = p95 <= TARGET_P95_MS
    model_hash = ROOT / "models/current.hash"
    return {
        "date": date.today().isoformat(),
        "command": command,
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "code": code_version(),
        "model_hash": model_hash.read_text().strip() if model_hash.exists() else None,
        "stores": "SQLite, Redis locks and trackers"
        if args.redis
        else "SQLite, in-process locks, trackers in memory",
        "turns_per_conversation": args.turns,
        "pause_between_texts_s": args.pause,
        "script": texts_for(args.turns),
        "rounds": args.rounds,
        "levels": by_level,
        "gateway_database": recorded,
        "targets": checks,
        "targets_met": all(checks.values()),
    }


_KINDS = ("gateway", "rasa", "actions", "load")


def print_markdown(results: dict) -> None:
    machine = results["machine"]
    seconds = results["pause_between_texts_s"]
    pause = f"{seconds:g} s apart" if seconds else "back to back"
    rounds = f"{results['rounds']} round{'s' if results['rounds'] > 1 else ''}"
    print(f"\n```bash\n{results['command']}\n```\n")
    print(
        f"{machine['nproc']} vCPU, Python {machine['python']}, {results['stores']}; {results['date']}, "
        f"code {results['code']}, {rounds}, {results['turns_per_conversation']} texts per conversation "
        f"{pause}, "
        f"load average {machine['load_average_before'][0]:.1f} before, "
        f"{machine['load_average_after'][0]:.1f} after:\n"
    )
    print(
        "| conversations at once | turns (gateway / Rasa) | errors | turns/s gateway / Rasa "
        "| gateway p50 / p95 / p99 ms | Rasa REST p50 / p95 / p99 ms | overhead p50 ms (ratio) |"
    )
    print("|--:|--:|--:|--:|--:|--:|--:|")
    for level, row in results["levels"].items():
        g, r = row["gateway"], row["rasa"]
        print(
            f"| {level} | {g['requests']} / {r['requests']} | {g['errors']} / {r['errors']} "
            f"| {g['turns_per_s']} / {r['turns_per_s']} "
            f"| {g['p50_ms']} / {g['p95_ms']} / {g['p99_ms']} "
            f"| {r['p50_ms']} / {r['p95_ms']} / {r['p99_ms']} "
            f"| {row['overhead_p50_ms']:+} ({row['ratio_p50']}×) |"
        )
    print("\nCPU per turn, ms (the stack's processes over each side's phases):\n")
    print("| conversations at once | side | " + " | ".join(_KINDS) + " | all |")
    print("|--:|:--|" + "--:|" * (len(_KINDS) + 1))
    for level, row in results["levels"].items():
        for side in ("gateway", "rasa"):
            cpu = row[side]["cpu_ms_per_turn"]
            cells = " | ".join(f"{cpu.get(kind, 0.0):.1f}" for kind in _KINDS)
            print(f"| {level} | {side} | {cells} | {sum(cpu.values()):.1f} |")
    recorded = results["gateway_database"]
    print(
        f"\nGateway database: {recorded['debtor_turns']} debtor turns, {recorded['unanswered']} unanswered, "
        f"{recorded['bot_unavailable_handoffs']} bot-unavailable handoffs."
    )
    for level, row in results["levels"].items():
        for side in ("gateway", "rasa"):
            if row[side]["errors"]:
                kinds, samples = row[side]["errors_by_kind"], row[side]["error_samples"][:2]
                print(f"errors at {level}, {side}: {kinds} {samples}")
    print("Targets: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in results["targets"].items()))


if __name__ == "__main__":
    raise SystemExit(main())
