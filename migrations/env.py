"""Alembic environment: the URL comes from the caller (debt.db.migrate) or from settings."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import debt.models  # noqa: F401  (registers every table on SQLModel.metadata)
from debt.db import make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not url:
    from core.settings import get_settings

    url = get_settings().database_url

target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
