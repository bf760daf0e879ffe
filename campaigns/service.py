"""A campaign's life as people drive it: create, pause, resume, cancel, and what it has done so far.

Planning and contacting are the worker's (campaigns/dispatcher.py): a new campaign is a draft
until the worker has planned it, then it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from campaigns.filters import AccountFilter
from campaigns.templates import FIRST_REMINDER
from debt.clock import utcnow
from debt.models import Account, Campaign, CampaignStatus, CampaignTarget, TargetState

CHANNELS = ("sms", "voice")
# A campaign's SMS, by the name people give it (the follow-ups send the others themselves).
TEMPLATES = {"first_reminder": FIRST_REMINDER}
Action = Literal["pause", "resume", "cancel"]
# What each action may start from, and where it leads.
_MOVES: dict[Action, tuple[frozenset[CampaignStatus], CampaignStatus]] = {
    "pause": (frozenset({CampaignStatus.RUNNING}), CampaignStatus.PAUSED),
    "resume": (frozenset({CampaignStatus.PAUSED}), CampaignStatus.RUNNING),
    "cancel": (
        frozenset({CampaignStatus.DRAFT, CampaignStatus.RUNNING, CampaignStatus.PAUSED}),
        CampaignStatus.CANCELLED,
    ),
}
# Targets that nothing will move any more.
SETTLED = frozenset({TargetState.DONE, TargetState.REFUSED, TargetState.ESCALATED, TargetState.CANCELLED})


def allowed_actions(status: CampaignStatus | str) -> list[Action]:
    """What people may do to a campaign in this status."""
    return [action for action, (allowed_from, _) in _MOVES.items() if status in allowed_from]


class CampaignError(ValueError):
    """A campaign that cannot be created as asked, or an action its status does not allow."""


class UnknownCampaign(LookupError):
    pass


@dataclass(frozen=True)
class CampaignOrder:
    name: str
    channels: tuple[str, ...]
    window_start: datetime
    window_end: datetime
    filter: AccountFilter = field(default_factory=AccountFilter)
    template: str = "first_reminder"
    max_concurrent_calls: int = 10
    calls_per_second: float = 1.0
    sms_per_second: float = 5.0
    max_attempts: int = 4
    created_by: str = "api"

    def __post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise CampaignError("; ".join(problems))

    def _problems(self) -> list[str]:
        problems = []
        if not self.name.strip() or len(self.name) > 200:
            problems.append("name: 1 to 200 characters")
        unknown = [c for c in self.channels if c not in CHANNELS]
        if not self.channels or unknown or len(set(self.channels)) != len(self.channels):
            problems.append(f"channels: one or more of {', '.join(CHANNELS)}, each once")
        if any(t.tzinfo is None for t in (self.window_start, self.window_end)):
            problems.append("window: give times with their zone")
        elif self.window_end <= self.window_start:
            problems.append("window: the end must come after the start")
        if self.template not in TEMPLATES:
            problems.append(f"template: one of {', '.join(sorted(TEMPLATES))}")
        if not 1 <= self.max_concurrent_calls <= 1000:
            problems.append("max concurrent calls: 1 to 1000")
        if not 0 < self.calls_per_second <= 100 or not 0 < self.sms_per_second <= 100:
            problems.append("calls and SMS per second: more than 0, at most 100")
        if not 1 <= self.max_attempts <= 20:
            problems.append("max attempts: 1 to 20")
        return problems


def create_campaign(session: Session, order: CampaignOrder) -> Campaign:
    """A draft campaign; the worker plans it, then runs it."""
    campaign = Campaign(
        name=order.name.strip(),
        filter=order.filter.model_dump_json(exclude_defaults=True),
        channels=",".join(order.channels),
        template=order.template,
        window_start=order.window_start.astimezone(UTC),
        window_end=order.window_end.astimezone(UTC),
        max_concurrent_calls=order.max_concurrent_calls,
        calls_per_second=order.calls_per_second,
        sms_per_second=order.sms_per_second,
        max_attempts=order.max_attempts,
        created_by=order.created_by,
    )
    try:
        with session.begin_nested():
            session.add(campaign)
    except IntegrityError:
        raise CampaignError(f"a campaign named {order.name!r} exists already") from None
    return campaign


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise UnknownCampaign(f"no campaign {campaign_id}")
    return campaign


def act(session: Session, campaign_id: int, action: Action) -> Campaign:
    """Pause, resume or cancel. Cancelling settles every target not contacted yet."""
    campaign = get_campaign(session, campaign_id)
    allowed_from, to = _MOVES[action]
    if campaign.status not in allowed_from:
        raise CampaignError(f"cannot {action} a campaign that is {campaign.status}")
    now = utcnow()
    campaign.status, campaign.updated_at = to, now
    if to == CampaignStatus.CANCELLED:
        campaign.finished_at = now
        session.execute(
            update(CampaignTarget)
            .where(
                col(CampaignTarget.campaign_id) == campaign_id,
                col(CampaignTarget.state).in_([TargetState.PLANNED, TargetState.QUEUED]),
            )
            .values(state=TargetState.CANCELLED, last_reason="campaign cancelled", updated_at=now)
        )
    session.add(campaign)
    return campaign


@dataclass(frozen=True)
class Progress:
    campaign: Campaign
    by_state: dict[str, int]
    by_channel: dict[str, int]  # contacts made per channel
    contacts: int

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    @property
    def settled(self) -> int:
        return sum(n for state, n in self.by_state.items() if state in SETTLED)

    @property
    def reached(self) -> int:
        return self.by_state.get(TargetState.DONE, 0)

    def as_dict(self) -> dict[str, object]:
        c = self.campaign
        return {
            "id": c.id,
            "name": c.name,
            "status": c.status,
            "channels": c.channels.split(","),
            "filter": c.filter,
            "template": c.template,
            "window_start": c.window_start.isoformat(),
            "window_end": c.window_end.isoformat(),
            "calls_per_second": c.calls_per_second,
            "sms_per_second": c.sms_per_second,
            "max_concurrent_calls": c.max_concurrent_calls,
            "max_attempts": c.max_attempts,
            "planned": c.planned,
            "skipped": c.skipped,
            "planned_at": c.planned_at.isoformat() if c.planned_at else None,
            "finished_at": c.finished_at.isoformat() if c.finished_at else None,
            "targets": self.total,
            "settled": self.settled,
            "reached": self.reached,
            "contacts": self.contacts,
            "by_state": self.by_state,
            "contacts_by_channel": self.by_channel,
        }


def progress(session: Session, campaign_id: int) -> Progress:
    campaign = get_campaign(session, campaign_id)
    by_state = dict(
        session.exec(
            select(CampaignTarget.state, func.count())
            .where(CampaignTarget.campaign_id == campaign_id)
            .group_by(CampaignTarget.state)
        ).all()
    )
    by_channel = dict(
        session.exec(
            select(CampaignTarget.channel, func.sum(CampaignTarget.attempts))
            .where(CampaignTarget.campaign_id == campaign_id, CampaignTarget.attempts > 0)
            .group_by(CampaignTarget.channel)
        ).all()
    )
    return Progress(
        campaign,
        {str(state): n for state, n in by_state.items()},
        {str(k): int(v) for k, v in by_channel.items()},
        sum(int(v) for v in by_channel.values()),
    )


def list_campaigns(session: Session, *, limit: int = 50, offset: int = 0) -> list[Campaign]:
    return list(
        session.exec(select(Campaign).order_by(col(Campaign.id).desc()).offset(offset).limit(limit)).all()
    )


def escalations(
    session: Session, campaign_id: int, *, limit: int = 100, offset: int = 0
) -> list[dict[str, object]]:
    """Accounts that no attempt reached: a person decides the next step (letter, formal notice)."""
    get_campaign(session, campaign_id)
    rows = session.exec(
        select(CampaignTarget, Account.account_ref)
        .join(Account, col(Account.id) == CampaignTarget.account_id)
        .where(CampaignTarget.campaign_id == campaign_id, CampaignTarget.state == TargetState.ESCALATED)
        .order_by(col(CampaignTarget.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        {
            "account_ref": ref,
            "attempts": target.attempts,
            "last_channel": target.channel,
            "reason": target.last_reason,
            "since": target.updated_at.isoformat(),
            "next_step": "letter or formal notice",
        }
        for target, ref in rows
    ]
