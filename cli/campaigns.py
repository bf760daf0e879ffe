"""`collect campaign …`: create, list, inspect, pause, resume, cancel campaigns and watch their progress.

The commands work on the database; the worker (`python -m campaigns.worker`, part of `make run`)
plans a new campaign and runs it.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from sqlmodel import Session

from debt.clock import utcnow

_DURATION = re.compile(r"^(\d+)([hd])$")
WATCH_EVERY_SECONDS = 1.0


def parse_window(text: str, zone: str, now: datetime) -> tuple[datetime, datetime]:
    """`START/END` (ISO dates or date-times; without an offset, in `zone`; an end date includes its day),
    or a length from now: `8h`, `7d`."""
    text = text.strip()
    length = _DURATION.match(text)
    if length:
        amount, unit = int(length[1]), length[2]
        return now, now + (timedelta(hours=amount) if unit == "h" else timedelta(days=amount))
    start_text, slash, end_text = text.partition("/")
    if not slash:
        raise click.BadParameter(
            "START/END (ISO dates or times) or a length such as 8h or 7d", param_hint="--window"
        )
    start, end = _moment(start_text, zone, end=False), _moment(end_text, zone, end=True)
    if end <= start:
        raise click.BadParameter("the end must come after the start", param_hint="--window")
    return start, end


def _moment(text: str, zone: str, *, end: bool) -> datetime:
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + timedelta(days=1 if end else 0)
            return datetime.combine(day, datetime.min.time(), ZoneInfo(zone))
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO date or date-time", param_hint="--window") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))


def _session() -> Session:
    from cli.main import migrated_settings
    from debt.db import make_engine

    return Session(make_engine(migrated_settings().database_url), expire_on_commit=False)


@click.group("campaign")
def campaign() -> None:
    """Outbound campaigns: every contact passes the contact policy."""


@campaign.command("create")
@click.option("--name", required=True)
@click.option(
    "--filter",
    "filter_text",
    default="",
    help='e.g. "status=open; balance>=20; days_past_due>=30; language=fr"',
)
@click.option("--channels", default="sms", show_default=True, help="In order of preference: sms,voice")
@click.option("--window", required=True, help="START/END (ISO; local to the default jurisdiction) or 8h, 7d")
@click.option("--template", default="first_reminder", show_default=True)
@click.option("--max-concurrent-calls", default=10, show_default=True, type=int)
@click.option("--calls-per-second", default=1.0, show_default=True, type=float)
@click.option("--sms-per-second", default=5.0, show_default=True, type=float)
@click.option("--max-attempts", default=4, show_default=True, type=int)
def create(
    name: str,
    filter_text: str,
    channels: str,
    window: str,
    template: str,
    max_concurrent_calls: int,
    calls_per_second: float,
    sms_per_second: float,
    max_attempts: int,
) -> None:
    """Create a campaign; the worker plans and runs it."""
    from campaigns.filters import parse_filter
    from campaigns.service import CampaignError, CampaignOrder, create_campaign, progress
    from cli.main import load_settings_or_exit
    from debt.contact_hours import default_tz

    settings = load_settings_or_exit()
    try:
        account_filter = parse_filter(filter_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--filter") from None
    start, end = parse_window(window, default_tz(settings.default_jurisdiction), utcnow())
    try:
        order = CampaignOrder(
            name=name,
            channels=tuple(c.strip() for c in channels.split(",") if c.strip()),
            window_start=start,
            window_end=end,
            filter=account_filter,
            template=template,
            max_concurrent_calls=max_concurrent_calls,
            calls_per_second=calls_per_second,
            sms_per_second=sms_per_second,
            max_attempts=max_attempts,
            created_by="cli",
        )
        with _session() as session:
            created = create_campaign(session, order)
            session.commit()
            _show(progress(session, created.id).as_dict())  # type: ignore[arg-type]
    except CampaignError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("the worker plans it and then runs it: `collect campaign progress ID` follows it")


@campaign.command("list")
def list_() -> None:
    """The newest campaigns and where they are."""
    from campaigns.service import list_campaigns, progress

    with _session() as session:
        for c in list_campaigns(session):
            p = progress(session, c.id)  # type: ignore[arg-type]
            click.echo(f"{c.id:>5}  {c.status:<10} {p.settled:>8}/{p.total:<8} {c.channels:<10} {c.name}")


@campaign.command("show")
@click.argument("campaign_id", type=int)
def show(campaign_id: int) -> None:
    """A campaign's settings and progress, as JSON."""
    from campaigns.service import progress

    with _session() as session:
        _show(_or_fail(lambda: progress(session, campaign_id).as_dict()))


def _show(data: dict[str, object]) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _or_fail(work):  # type: ignore[no-untyped-def]
    from campaigns.service import CampaignError, UnknownCampaign

    try:
        return work()
    except (CampaignError, UnknownCampaign) as exc:
        raise click.ClickException(str(exc)) from None


def _action(name: str) -> click.Command:
    @click.command(name, help=f"{name.capitalize()} the campaign CAMPAIGN_ID.")
    @click.argument("campaign_id", type=int)
    def command(campaign_id: int) -> None:
        from campaigns.service import act

        with _session() as session:
            changed = _or_fail(lambda: act(session, campaign_id, name))  # type: ignore[arg-type]
            session.commit()
            click.echo(f"campaign {campaign_id}: {changed.status}")

    return command


for _name in ("pause", "resume", "cancel"):
    campaign.add_command(_action(_name))


@campaign.command("progress")
@click.argument("campaign_id", type=int)
@click.option("--once", is_flag=True, help="Print the figures once instead of following them")
def progress_(campaign_id: int, once: bool) -> None:
    """Follow a campaign with a progress bar until it is completed or cancelled (Ctrl-C leaves it running)."""
    from campaigns.service import progress

    with _session() as session:
        current = _or_fail(lambda: progress(session, campaign_id))
        if once:
            _show(current.as_dict())
            return
        while current.campaign.status == "draft":
            click.echo("planning…", err=True)
            time.sleep(WATCH_EVERY_SECONDS)
            session.expire_all()
            current = progress(session, campaign_id)
        with click.progressbar(
            length=max(current.total, 1), label=current.campaign.name, show_pos=True
        ) as bar:
            shown = 0
            while True:
                bar.update(current.settled - shown)
                shown = current.settled
                if current.campaign.status in ("completed", "cancelled"):
                    break
                time.sleep(WATCH_EVERY_SECONDS)
                session.expire_all()
                current = progress(session, campaign_id)
        click.echo(
            f"{current.campaign.status}: "
            + ", ".join(f"{k} {v}" for k, v in sorted(current.by_state.items()))
        )


@campaign.command("escalations")
@click.argument("campaign_id", type=int)
def escalated(campaign_id: int) -> None:
    """Accounts no attempt reached: a person decides the next step (letter, formal notice)."""
    from campaigns.service import escalations

    with _session() as session:
        for row in _or_fail(lambda: escalations(session, campaign_id, limit=1000)):
            click.echo(f"{row['account_ref']}  {row['attempts']} attempts  {row['reason']}")


COMMANDS = [campaign]
