"""Contact policy throughput: `decide` calls per second on one core, over a realistic random mix.

    .venv/bin/python bench/bench_policy.py [--decisions 100000] [--runs 7] [--seed 20261122]

The mix (seeded) is what a campaign dispatcher asks: the portfolio's countries (FR 45 %, DE 30 %,
GB 20 %, US 5 %), SMS and calls, instants across 2026 (both summer-time switches, holidays), mostly
in the local daytime, a few attempts already made this week, some recent conversations, a few
opted-out, listed, disputed, held or time-barred accounts, and creditors of which some have their
own rules (a temporary CONTACT_RULES_FILE, read through the settings as in production). The result
is mostly allowed, some outside the hours, some at the weekly cap.

Each run times one pass of `decide` over the whole mix, and, in the same run, one pass of a trivial
function taking the same arguments: the ratio between the two says how far `decide` is from the cost
of a bare call, whatever the machine. The process is pinned to one CPU; the first pass fills the
caches (day windows, holidays, the rules file) and is reported apart. Figures are medians over
`--runs`. Writes bench/results/policy.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from debt.contact_policy import ContactFacts, decide  # noqa: E402
from debt.models import AccountStatus, Channel  # noqa: E402

TARGET = 50_000  # decisions per second on one core
COUNTRY_WEIGHTS = (("FR", 45), ("DE", 30), ("GB", 20), ("US", 5))
# The debtor's zone as facts_for finds it: mostly the country's, sometimes overseas or another state.
ZONES = {
    "FR": ["Europe/Paris"] * 18 + ["Indian/Reunion", "America/Martinique"],
    "DE": ["Europe/Berlin"],
    "GB": ["Europe/London"],
    "US": ["America/New_York"] * 5 + ["America/Chicago"] * 3 + ["America/Denver", "America/Los_Angeles"] * 2,
}
CREDITORS = {
    "FR": ["Nébula Hébergement SAS", "Ondine Télécom SA", "Fibréa Internet SAS"],
    "DE": ["Wolkenwerk Hosting GmbH", "Funkturm Mobil GmbH", "Glasnetz Breitband AG"],
    "GB": ["Harbour Hosting Ltd", "Kestrel Mobile Ltd", "Brightwire Broadband Ltd"],
    "US": ["Pinewood Wireless Inc", "Skyline Web Services LLC"],
}
RULES_FILE = """\
creditors:
  "Nébula Hébergement SAS":
    FR: {hours: {start: "09:00", end: "19:00", weekdays: [mon, tue, wed, thu, fri]}, max_per_week: {sms: 2}}
  "Funkturm Mobil GmbH":
    DE: {max_per_week: {voice: 4}, cool_off_days: {sms: 3}}
  "Kestrel Mobile Ltd":
    GB: {hours: {end: "20:00", holidays: true}}
  "Skyline Web Services LLC":
    US: {hours: {start: "09:00", end: "20:00"}, max_per_week: {voice: 5}}
"""
STATUSES = (
    [AccountStatus.OPEN] * 80
    + [AccountStatus.PROMISE_TO_PAY] * 6
    + [AccountStatus.ARRANGEMENT] * 6
    + [AccountStatus.HARDSHIP_HOLD] * 3
    + [AccountStatus.DISPUTED] * 3
    + [AccountStatus.PAID] * 2
)
YEAR_START = date(2026, 1, 1)

Case = tuple[ContactFacts, Channel, datetime]


def _instant(rnd: random.Random, tz: str) -> datetime:
    """A moment of 2026: most in the local daytime, when campaigns run, some at any hour."""
    day = YEAR_START + timedelta(days=rnd.randrange(365))
    hour = rnd.uniform(8, 20) if rnd.random() < 0.9 else rnd.uniform(0, 24)
    local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)) + timedelta(hours=hour)
    return local.astimezone(UTC)


def _attempts(rnd: random.Random, at: datetime) -> tuple[datetime, ...]:
    count = rnd.choices([0, 1, 2, 3, 4, 7], weights=[40, 25, 15, 12, 5, 3])[0]
    return tuple(sorted(at - timedelta(hours=rnd.uniform(0.5, 7 * 24 + 12)) for _ in range(count)))


def _case(rnd: random.Random, countries: list[str]) -> Case:
    country = rnd.choice(countries)
    tz = rnd.choice(ZONES[country])
    at = _instant(rnd, tz)
    status = rnd.choice(STATUSES)
    held_until = (
        at.date() + timedelta(days=rnd.randint(-5, 20)) if status == AccountStatus.HARDSHIP_HOLD else None
    )
    talked = at - timedelta(hours=rnd.uniform(1, 10 * 24)) if rnd.random() < 0.15 else None
    facts = ContactFacts(
        jurisdiction=country,
        tz_name=tz,
        opted_out=rnd.random() < 0.02,
        invalid_destination=rnd.random() < 0.01,
        account_status=status,
        status_until=held_until,
        recent_attempts=_attempts(rnd, at),
        last_conversation_at=talked,
        do_not_contact=rnd.random() < 0.01,
        creditor=rnd.choice(CREDITORS[country]),
        time_barred=rnd.random() < 0.01,
    )
    return facts, rnd.choice([Channel.SMS] * 3 + [Channel.VOICE] * 2), at


def make_cases(count: int, seed: int) -> list[Case]:
    rnd = random.Random(seed)
    countries = [country for country, weight in COUNTRY_WEIGHTS for _ in range(weight)]
    return [_case(rnd, countries) for _ in range(count)]


def trivial(facts: ContactFacts, channel: Channel, at: datetime) -> None:
    """The baseline: a call with the same arguments that does nothing."""


def timed_pass(function: Callable[[ContactFacts, Channel, datetime], object], cases: list[Case]) -> float:
    """Calls per second of one pass over the cases."""
    started = time.perf_counter()
    for facts, channel, at in cases:
        function(facts, channel, at)
    return len(cases) / (time.perf_counter() - started)


def pin_to_one_cpu() -> int | None:
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def code_version() -> str:
    """The commit measured, marked when the work tree differs from it (read-only git)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    changed = [
        line
        for line in git("--no-optional-locks", "status", "--porcelain").splitlines()
        if not line.startswith("??")
    ]
    return git("rev-parse", "--short", "HEAD") + (" with uncommitted changes" if changed else "")


def use_rules_file(folder: Path) -> None:
    from core.settings import get_settings

    path = folder / "contact_rules.yaml"
    path.write_text(RULES_FILE, encoding="utf-8")
    os.environ["CONTACT_RULES_FILE"] = str(path)
    os.environ.setdefault("ENV", "development")
    get_settings.cache_clear()


def measure(cases: list[Case], runs: int) -> dict:
    first = timed_pass(decide, cases)  # fills the caches
    decided, baseline = [], []
    for _ in range(runs):
        gc.collect()
        baseline.append(timed_pass(trivial, cases))
        decided.append(timed_pass(decide, cases))
    median, median_baseline = statistics.median(decided), statistics.median(baseline)
    return {
        "first_pass_decisions_per_s": round(first),
        "decisions_per_s_by_run": [round(x) for x in decided],
        "decisions_per_s": round(median),
        "microseconds_per_decision": round(1e6 / median, 2),
        "baseline_calls_per_s_by_run": [round(x) for x in baseline],
        "baseline_calls_per_s": round(median_baseline),
        "cost_in_baseline_calls": round(median_baseline / median, 1),
    }


def mix(cases: list[Case]) -> dict[str, float]:
    reasons: Counter[str] = Counter(decide(*case).reason for case in cases)
    return {reason: round(100 * n / len(cases), 1) for reason, n in reasons.most_common()}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--decisions", type=int, default=100_000, help="decisions in the mix")
    parser.add_argument("--runs", type=int, default=7, help="timed passes; the median is reported")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--json", type=Path, default=ROOT / "bench/results/policy.json")
    args = parser.parse_args()

    cpu = pin_to_one_cpu()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench_policy_") as tmp:
        use_rules_file(Path(tmp))
        cases = make_cases(args.decisions, args.seed)
        figures = measure(cases, args.runs)
        reasons = mix(cases)
    results = {
        "date": date.today().isoformat(),
        "command": " ".join([".venv/bin/python", "bench/bench_policy.py", *sys.argv[1:]]),
        "machine": {
            "nproc": os.cpu_count(),
            "pinned_cpu": cpu,
            "python": platform.python_version(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "code": code_version(),
        "seed": args.seed,
        "decisions": args.decisions,
        "runs": args.runs,
        "reasons_percent": reasons,
        **figures,
        "target_decisions_per_s": TARGET,
        "target_met": figures["decisions_per_s"] >= TARGET,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_summary(results)
    print(f"\nreport: {args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json}")
    return 0  # the target is reported, not enforced: `make bench` runs every benchmark in turn


def print_summary(results: dict) -> None:
    machine = results["machine"]
    print(
        f"{results['decisions']:,} decisions (seed {results['seed']}), median of {results['runs']} runs, "
        f"pinned to CPU {machine['pinned_cpu']} of {machine['nproc']}, Python {machine['python']}, "
        f"code {results['code']}, load average {machine['load_average_before'][0]:.1f} before, "
        f"{machine['load_average_after'][0]:.1f} after"
    )
    print(f"mix: {', '.join(f'{reason} {share} %' for reason, share in results['reasons_percent'].items())}")
    print(
        f"decide: {results['decisions_per_s']:,} /s ({results['microseconds_per_decision']} µs each; "
        f"runs {results['decisions_per_s_by_run']}); first pass, caches empty: "
        f"{results['first_pass_decisions_per_s']:,} /s"
    )
    print(
        f"trivial call, same arguments: {results['baseline_calls_per_s']:,} /s; one decision costs "
        f"{results['cost_in_baseline_calls']} trivial calls"
    )
    print(f"target {results['target_decisions_per_s']:,} /s: {'met' if results['target_met'] else 'NOT met'}")


if __name__ == "__main__":
    sys.exit(main())
