"""Portfolio import benchmark: a realistic 100,000-line file into a fresh PostgreSQL and SQLite database.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--seed 20261122]

The file is generated (deterministic seed) in a temporary folder. Each import runs in its own child
process through `cli.portfolio.import_file`, the function behind `collect import`, so the peak
memory (ru_maxrss) is the import's alone. PostgreSQL is run twice: the second run re-imports the
same file (nothing changes, every line is compared). The databases are dropped afterwards.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench.scratch_db import scratch_database  # noqa: E402
from integrations.portfolio_csv import COLUMNS as HEADER  # noqa: E402

PEOPLE = {
    "FR": (
        "Camille Julien Sophie Nicolas Léa Mathieu Chloé Antoine Manon Hugo Émilie Thomas Inès Lucas Sarah "
        "Karim Océane Jean-Baptiste Nadia Pierre Aurélie Maxime Élodie Romain Margaux",
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefèvre Michel "
        "Garcia Benali Fournier Girard Haddad Roux Bonnet François Mercier Lambert Fontaine",
    ),
    "DE": (
        "Lukas Anna Jonas Lea Felix Marie Paul Laura Maximilian Sophie Tim Julia Deniz Katarzyna Jörg "
        "Stefanie Mehmet Sabine Uwe Claudia",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Yılmaz "
        "Nowak Bauer Krüger Demir Wolf Neumann Schwarz",
    ),
    "GB": (
        "Oliver Amelia Harry Isla Jack Priya George Emily Mohammed Grace Callum Siobhan Daniel Chloe Ryan",
        "Smith Jones Taylor Brown Williams Patel Wilson Davies Khan Evans Murray O'Brien Hughes Walker "
        "Wright",
    ),
    "US": (
        "James Mary Robert Patricia Michael Jennifer David Linda Carlos Maria",
        "Johnson Miller Davis Rodriguez Martinez Anderson Jackson White Harris Clark",
    ),
}
PLACES = {
    "FR": [("rue de la République", "69002", "Lyon"), ("avenue Jean Jaurès", "31000", "Toulouse"),
           ("boulevard de la Liberté", "59000", "Lille"), ("rue Victor Hugo", "33000", "Bordeaux"),
           ("rue du Faubourg Saint-Denis", "75010", "Paris"), ("rue Pasteur", "67000", "Strasbourg"),
           ("place du Marché", "44000", "Nantes"), ("rue de l'Église", "1000", "Bourg-en-Bresse")],
    "DE": [("Hauptstraße", "10827", "Berlin"), ("Bahnhofstraße", "80335", "München"),
           ("Lindenweg", "50667", "Köln"), ("Goethestraße", "60313", "Frankfurt am Main"),
           ("Bergstraße", "1069", "Dresden"), ("Gartenstraße", "20095", "Hamburg")],
    "GB": [("Station Road", "M1 1AE", "Manchester"), ("Church Lane", "ls14dy", "LEEDS"),
           ("Victoria Street", "B1 1BB", "Birmingham"), ("High Street", "EH1 1SR", "Edinburgh"),
           ("Green Lane", "SW1A1AA", "London")],
    "US": [("Main Street", "10001", "New York, NY"), ("Oak Avenue", "60601-1234", "Chicago, IL"),
           ("Pine Street", "94105", "San Francisco, CA"), ("Elm Street", "2134", "Boston, MA")],
}  # fmt: skip
CREDITORS = {
    "FR": [("NEB", "Nébula Hébergement SAS"), ("OND", "Ondine Télécom SA"), ("FIB", "Fibréa Internet SAS")],
    "DE": [
        ("WWH", "Wolkenwerk Hosting GmbH"),
        ("FTM", "Funkturm Mobil GmbH"),
        ("GNB", "Glasnetz Breitband AG"),
    ],
    "GB": [
        ("HHL", "Harbour Hosting Ltd"),
        ("KML", "Kestrel Mobile Ltd"),
        ("BWB", "Brightwire Broadband Ltd"),
    ],
    "US": [("PNW", "Pinewood Wireless Inc"), ("SKY", "Skyline Web Services LLC")],
}
PRODUCTS = ["hosting", "domain", "mobile plan", "fibre", "dsl", "vps", "sim only"]
SETTINGS = {"FR": ("fr", "EUR"), "DE": ("de", "EUR"), "GB": ("en", "GBP"), "US": ("en", "USD")}
COUNTRY_WEIGHTS = (("FR", 45), ("DE", 30), ("GB", 20), ("US", 5))


def debtor_row(rnd: random.Random, debtor_id: int, country: str, now: datetime) -> tuple[Any, ...]:
    """A debtor row as COPY takes it (debtor table), with a name and birth date of the country."""
    first, last = rnd.choice(PEOPLE[country][0].split()), rnd.choice(PEOPLE[country][1].split())
    born = date(rnd.randint(1945, 2006), rnd.randint(1, 12), rnd.randint(1, 28))
    key = f"{first}|{last}|{born}|{debtor_id}".lower()
    return debtor_id, key, first, last, born, SETTINGS[country][0], country, now, now


def _phone(rnd: random.Random, country: str) -> str:
    import phonenumbers

    while True:
        if country == "FR":
            pairs = " ".join(f"{rnd.randint(0, 99):02d}" for _ in range(4))
            text = f"0{rnd.choice('67')} {pairs}"
        elif country == "DE":
            text = f"01{rnd.choice(['51', '52', '60', '70', '76'])} {rnd.randint(1000000, 99999999)}"
        elif country == "GB":
            text = f"07{rnd.randint(400, 999)} {rnd.randint(100000, 999999)}"
        else:
            area = rnd.choice(["212", "312", "415", "617", "713"])
            text = f"({area}) {rnd.randint(200, 999)}-{rnd.randint(0, 9999):04d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(text, country)):
            return text


def generate(path: Path, rows: int, seed: int) -> None:
    """A portfolio as a creditor would send it: mixed spellings, some people with several accounts."""
    from debt.fees import de_fee_cap

    rnd = random.Random(seed)
    countries = [c for c, w in COUNTRY_WEIGHTS for _ in range(w)]
    people: list[list[str]] = []
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, delimiter=";", lineterminator="\r\n")
        out.writerow(HEADER)
        for n in range(rows):
            if people and rnd.random() < 0.15:
                person = rnd.choice(people)  # a second account of someone already in the file
            else:
                country = rnd.choice(countries)
                first = rnd.choice(PEOPLE[country][0].split())
                last = rnd.choice(PEOPLE[country][1].split())
                street, postcode, city = rnd.choice(PLACES[country])
                number = rnd.randint(1, 180)
                line = f"{number} {street}" if country in {"FR", "GB", "US"} else f"{street} {number}"
                mail = f"{first}.{last}{rnd.randint(1, 9999)}@example.{rnd.choice(['com', 'org', 'net'])}"
                mail = mail.lower().replace("'", "").replace(" ", "")
                person = [
                    first,
                    last,
                    f"{rnd.randint(1945, 2006)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
                    _phone(rnd, country) if rnd.random() < 0.95 else "",
                    mail if rnd.random() < 0.85 else "",
                    line.upper() if rnd.random() < 0.2 else line,
                    postcode,
                    city,
                    country,
                ]
                if len(people) < 50_000:
                    people.append(person)
            country = person[8]
            language, currency = SETTINGS[country]
            prefix, creditor = rnd.choice(CREDITORS[country])
            principal = Decimal(rnd.uniform(29, 199) if rnd.random() < 0.9 else rnd.uniform(200, 5000))
            principal = principal.quantize(Decimal("0.01"))
            interest = (principal * Decimal(rnd.choice(["0", "0", "0.012", "0.03"]))).quantize(
                Decimal("0.01")
            )
            if country == "DE":
                fees = (de_fee_cap(principal) * Decimal(rnd.choice(["0", "0.5", "1"]))).quantize(
                    Decimal("0.01")
                )
            else:
                fees = Decimal(rnd.choice(["0", "0", "15", "25", "40"]))
            amount = f"{principal}".replace(".", ",") if rnd.random() < 0.3 else f"{principal}"
            out.writerow(
                [
                    f"{prefix}-{n:06d}",
                    creditor,
                    *person[:3],
                    *person[3:9],
                    language,
                    currency,
                    amount,
                    interest,
                    fees,
                    f"2026-{rnd.randint(1, 10):02d}-{rnd.randint(1, 28):02d}",
                    f"INV-{rnd.randint(1, 10**8):08d}",
                    rnd.choice(PRODUCTS),
                ]
            )


def child(url: str, path: str) -> None:
    """Run one import and print its figures as JSON (this process's own peak memory)."""
    from cli.portfolio import import_file
    from core.logs import configure_logging

    configure_logging("WARNING")
    started = time.perf_counter()
    report = import_file(Path(path), url)
    wall = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = report.to_dict()
    figures.pop("errors")
    print(
        json.dumps(
            {
                **figures,
                "wall_seconds": round(wall, 2),
                "peak_rss_mb": round(peak_kb / 1024, 1),
            }
        )
    )


def run_child(url: str, path: Path) -> dict:
    # The load average tells whether other work shared the machine during the run.
    before = os.getloadavg()[0]
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"import failed:\n{done.stderr[-4000:]}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "load": (before, os.getloadavg()[0])}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        path = Path(tmp) / "portfolio.csv"
        started = time.perf_counter()
        generate(path, args.rows, args.seed)
        print(f"generated {args.rows:,} lines, {path.stat().st_size / 1e6:.1f} MB "
              f"in {time.perf_counter() - started:.1f} s (seed {args.seed})")  # fmt: skip

        results: list[tuple[str, dict]] = []
        with scratch_database() as url:
            results.append(("PostgreSQL, empty database", run_child(url, path)))
            results.append(("PostgreSQL, same file again", run_child(url, path)))
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        results.append(("SQLite, empty database", run_child(sqlite_url, path)))

    print(f"nproc {os.cpu_count()}; load average before and after each run (other work on the machine)")
    header = ("run", "import s", "wall s", "peak MB", "created", "unchanged", "load")
    print("{:30} {:>8} {:>7} {:>8} {:>8} {:>9}  {}".format(*header))
    for label, r in results:
        print(
            f"{label:30} {r['seconds']:>8.1f} {r['wall_seconds']:>7.1f} {r['peak_rss_mb']:>8.0f} "
            f"{r['accounts_created']:>8,} {r['accounts_unchanged']:>9,}  "
            f"{r['load'][0]:.1f}/{r['load'][1]:.1f}"
        )
        if not r["imported"]:
            print(f"  not imported: {r['file_error'] or r['bad_rows']} bad lines")


if __name__ == "__main__":
    main()
