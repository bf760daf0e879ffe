"""Campaign pacing: does the worker ring at the campaign's pace, on the real queue?

The worker runs as in production (`python -m campaigns.worker` on Redis, arq, PostgreSQL) and places
the calls of a voice campaign through the real twilio client pointed at the fake Twilio REST server
in this process, which notes when each call request arrives. The campaign has more accounts than the
measured window needs (each with its own phone in a zone inside contact hours now), so the pace is
the only limit. Over `--seconds` from the first call: calls received vs. the target rate x duration
(the error must stay within ±5 %), and the gaps between consecutive calls (median, p5, p95) against
the ideal 1/rate.

    .venv/bin/python bench/bench_campaign_pacing.py            # --rate 5 --seconds 120
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import shlex
import signal
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.scratch_db import scratch_database  # noqa: E402
from campaigns.service import CampaignOrder, create_campaign  # noqa: E402
from debt.clock import utcnow  # noqa: E402
from debt.db import make_engine, migrate  # noqa: E402
from tests.campaigns.reachable import reachable_accounts  # noqa: E402
from tests.fake_twilio import FakeTwilio, serve_twilio  # noqa: E402
from tests.integration.processes import start, stop  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/12"


def _campaign(url: str, accounts: int, rate: float, minutes: int) -> None:
    with Session(make_engine(url), expire_on_commit=False) as session:
        reachable_accounts(session, accounts, minutes=minutes)
        create_campaign(
            session,
            CampaignOrder(
                name="pacing",
                channels=("voice",),
                window_start=utcnow() - timedelta(minutes=1),
                window_end=utcnow() + timedelta(minutes=minutes),
                calls_per_second=rate,
                max_concurrent_calls=1000,
                created_by="bench",
            ),
        )
        session.commit()


def _measure(twilio: FakeTwilio, seconds: float, rate: float, log: Path) -> dict[str, Any]:
    def call_times() -> list[float]:
        return sorted(
            r.received_at for r in twilio.requests if r.method == "POST" and r.path.endswith("/Calls.json")
        )

    deadline = time.monotonic() + 300
    while not call_times():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no call after 300 s:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    first = call_times()[0]
    time.sleep(max(0.0, first + seconds + 2 - time.monotonic()))
    window = [t for t in call_times() if t < first + seconds]
    gaps = [b - a for a, b in itertools.pairwise(window)]
    expected = rate * seconds
    quantiles = statistics.quantiles(gaps, n=20)
    return {
        "calls": len(window),
        "expected": expected,
        "error_percent": round(100 * (len(window) - expected) / expected, 2),
        "achieved_rate": round(len(window) / seconds, 3),
        "gap_ideal_ms": round(1000 / rate, 1),
        "gap_median_ms": round(1000 * statistics.median(gaps), 1),
        "gap_p5_ms": round(1000 * quantiles[0], 1),
        "gap_p95_ms": round(1000 * quantiles[-1], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=5.0, help="calls per second of the campaign")
    parser.add_argument("--seconds", type=float, default=120.0, help="measured window")
    parser.add_argument("--json", type=Path, default=ROOT / "bench/results/campaign_pacing.json")
    args = parser.parse_args()

    accounts = int(args.rate * args.seconds * 1.2) + 20
    redis.Redis.from_url(REDIS_URL).flushdb()
    with scratch_database() as url:
        log = Path(tempfile.gettempdir()) / f"bench-pacing-{url.rsplit('/', 1)[1]}.log"
        migrate(url)
        _campaign(url, accounts, args.rate, minutes=int(args.seconds / 60) + 10)
        with serve_twilio() as twilio:
            env = {
                "DATABASE_URL": url,
                "REDIS_URL": REDIS_URL,
                "TWILIO_API_BASE": twilio.base_url,
                "TWILIO_ACCOUNT_SID": twilio.account_sid,
                "TWILIO_AUTH_TOKEN": twilio.auth_token,
                "ENV": "test",
                "LOG_LEVEL": "WARNING",
            }
            worker = start([sys.executable, "-m", "campaigns.worker"], log, env)
            try:
                result = _measure(twilio, args.seconds, args.rate, log)
            finally:
                stop(worker, signal.SIGTERM)
    report = {
        "command": shlex.join([".venv/bin/python", "bench/bench_campaign_pacing.py", *sys.argv[1:]]),
        "rate": args.rate,
        "seconds": args.seconds,
        "accounts": accounts,
        "machine": platform.platform(),
        **result,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0 if abs(result["error_percent"]) <= 5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
