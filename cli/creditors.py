"""`collect creditor-policy NAME`: what a creditor lets the assistant agree on its own."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import click
from sqlmodel import Session, select

from debt.arrangements import policy_for
from debt.db import engine_for
from debt.models import Creditor


def _amount(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value.replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise click.BadParameter(f"{value!r} is not an amount") from None
    if amount <= 0:
        raise click.BadParameter("must be more than zero")
    return amount


@click.command("creditor-policy")
@click.argument("name")
@click.option("--min-instalment", callback=_amount, help="Smallest monthly instalment, e.g. 20.00")
@click.option("--max-months", type=click.IntRange(1, 60), help="Longest plan, in months")
def creditor_policy(name: str, min_instalment: Decimal | None, max_months: int | None) -> None:
    """Show or set the plan policy of the creditor NAME (as in the portfolio file)."""
    from cli.main import migrated_settings

    settings = migrated_settings()
    with Session(engine_for(settings.database_url)) as session:
        creditor = session.exec(select(Creditor).where(Creditor.name == name)).first()
        if creditor is None:
            raise click.ClickException(f"no creditor named {name!r}: import its portfolio first")
        if min_instalment is not None:
            creditor.min_instalment = min_instalment
        if max_months is not None:
            creditor.max_months = max_months
        session.add(creditor)
        session.commit()
        policy = policy_for(creditor.min_instalment, creditor.max_months)
    click.echo(
        f"{name}: instalments from {policy.min_instalment}, at most {policy.max_months} months "
        f"(hardship: from {policy.hardship_min_instalment}, at most {policy.hardship_max_months} months)"
    )


COMMANDS = [creditor_policy]
