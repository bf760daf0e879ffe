"""Rasa turn latency: whole conversations over the REST channel against `rasa run` with the trained
model, the action server and a SQLite database, as the gateway sends them.

Each conversation: a greeting, a question about the debt (held; the identity form starts), the name,
the birth date (verification, disclosure, explanation), a promise to pay, its date (recorded), the
contact data confirmed. The baseline, measured in the same run, is NLU alone (`/model/parse`) on
the same texts: the ratio is what the dialogue and the actions add.

    .venv/bin/python bench/bench_rasa_turn.py            # --conversations 60
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from debt.db import make_engine, migrate  # noqa: E402
from tests.factories import make_account  # noqa: E402
from tests.integration.processes import rasa_and_actions  # noqa: E402

TOKEN = "bench-rasa-token"  # noqa: S105 (a local server started and stopped by the benchmark)
PEOPLE = {"fr": ("Jeanne", "Dupont", "FR"), "de": ("Jonas", "Becker", "DE"), "en": ("Oliver", "Smith", "GB")}


def script(language: str, first: str, last: str) -> list[tuple[str, str]]:
    """(kind of turn, text) of one conversation."""
    day = date.today() + timedelta(days=12)
    words = {
        "fr": [
            "bonjour",
            "combien je vous dois",
            "12/03/1985",
            "je paierai quand j'aurai ma paie",
            f"le {day:%d/%m/%Y}",
            "oui",
        ],
        "de": [
            "hallo",
            "wie viel schulde ich Ihnen",
            "12.03.1985",
            "ich zahle, wenn mein Gehalt kommt",
            f"am {day:%d.%m.%Y}",
            "ja",
        ],
        "en": [
            "hello",
            "how much do I owe you",
            "12/03/1985",
            "I'll pay when I get paid",
            f"on {day:%d/%m/%Y}",
            "yes",
        ],
    }[language]
    return [
        ("greeting", words[0]),
        ("request held, identity form", words[1]),
        ("name", f"{first} {last}"),
        ("verification and disclosure", words[2]),
        ("promise form", words[3]),
        ("promise recorded", words[4]),
        ("contact data confirmed", words[5]),
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "max_ms": round(max(values), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=60)
    args = parser.parse_args()
    model = ROOT / "models/current.tar.gz"
    if not model.exists():
        print("no model: run `make train` first", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        database_url = f"sqlite:///{folder / 'collect.db'}"
        migrate(database_url)
        refs: dict[str, list[str]] = {language: [] for language in PEOPLE}
        with Session(make_engine(database_url)) as session:
            for n, language in zip(range(args.conversations), itertools.cycle(PEOPLE)):
                first, last, country = PEOPLE[language]
                ref = f"BEN-{200000 + n}"
                make_account(
                    session,
                    account_ref=ref,
                    first_name=first,
                    last_name=last,
                    language=language,
                    country=country,
                )
                refs[language].append(ref)
            session.commit()

        with rasa_and_actions(folder, database_url, TOKEN, LOG_LEVEL="WARNING") as (rasa_url, _):
            results = run(rasa_url, refs)

    out = ROOT / "bench/results/rasa_turns.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    rows = [*results["turns"].items(), ("**all turns**", results["all_turns"])]
    rows.append(("baseline: NLU parse only", results["baseline_nlu_parse"]))
    print("| turn | n | p50 ms | p95 ms | max ms |")
    print("|---|--:|--:|--:|--:|")
    for kind, row in rows:
        print(f"| {kind} | {row['n']} | {row['p50_ms']} | {row['p95_ms']} | {row['max_ms']} |")
    print(f"\nturn p50 / NLU p50 = {results['ratio_p50']}; turn p95 / NLU p95 = {results['ratio_p95']}")
    return 0


def run(base: str, refs: dict[str, list[str]]) -> dict:
    by_kind: dict[str, list[float]] = {}
    parse_times: list[float] = []
    misses = 0
    with httpx.Client(timeout=30) as client:
        for language, account_refs in refs.items():
            first, last, _ = PEOPLE[language]
            for n, ref in enumerate(account_refs):
                sender = f"bench-{language}-{n}"
                metadata = {"channel": "sms", "language": language, "account_ref": ref}
                for kind, text in script(language, first, last):
                    started = time.perf_counter()
                    response = client.post(
                        f"{base}/webhooks/rest/webhook",
                        json={"sender": sender, "message": text, "metadata": metadata},
                    )
                    by_kind.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                    misses += not response.json()
                    started = time.perf_counter()
                    client.post(
                        f"{base}/model/parse", params={"token": TOKEN}, json={"text": text}
                    ).raise_for_status()
                    parse_times.append((time.perf_counter() - started) * 1000)
    every = [value for values in by_kind.values() for value in values]
    overall, nlu = summary(every), summary(parse_times)
    return {
        "date": time.strftime("%Y-%m-%d"),
        "model_hash": (ROOT / "models/current.hash").read_text().strip(),
        "turns": {kind: summary(values) for kind, values in by_kind.items()},
        "all_turns": overall,
        "baseline_nlu_parse": nlu,
        "ratio_p50": round(overall["p50_ms"] / nlu["p50_ms"], 2),
        "ratio_p95": round(overall["p95_ms"] / nlu["p95_ms"], 2),
        "turns_without_reply": misses,
    }


if __name__ == "__main__":
    raise SystemExit(main())
