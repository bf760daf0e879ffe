"""A throw-away PostgreSQL database for one benchmark run: made empty, dropped after unless kept.

    with scratch_database(keep=args.keep) as url:   # postgresql+psycopg://…/collect_t_bench_1a2b3c4d
        migrate(url)
        ...

The server is BENCH_PG_ADMIN_URL's (default: the local one, as the tests use it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def psycopg_url(url: str) -> str:
    """SQLAlchemy's URL of a database as psycopg takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@contextmanager
def scratch_database(*, keep: bool = False) -> Iterator[str]:
    name = f"collect_t_bench_{uuid.uuid4().hex[:8]}"
    server = PG_ADMIN_URL.split("://", 1)[1].rsplit("/", 1)[0]
    url = f"postgresql+psycopg://{server}/{name}"
    admin(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        if keep:
            print(f"kept: {url}", flush=True)
        else:
            admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
