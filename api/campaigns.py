"""Campaigns over the REST API: create (the worker plans and runs it), inspect, pause, resume, cancel,
and the accounts no attempt reached."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from sqlmodel import Session

from api.deps import get_session, require_api_token
from campaigns.filters import AccountFilter
from campaigns.service import (
    CampaignError,
    CampaignOrder,
    UnknownCampaign,
    act,
    create_campaign,
    escalations,
    list_campaigns,
    progress,
)

router = APIRouter(prefix="/api/campaigns", tags=["campaigns"])


class NewCampaign(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    filter: AccountFilter = Field(default_factory=AccountFilter)
    channels: list[Literal["sms", "voice"]] = Field(min_length=1, max_length=2)
    window_start: AwareDatetime
    window_end: AwareDatetime
    template: str = "first_reminder"
    max_concurrent_calls: int = 10
    calls_per_second: float = 1.0
    sms_per_second: float = 5.0
    max_attempts: int = 4


def _order(new: NewCampaign, caller: str) -> CampaignOrder:
    try:
        return CampaignOrder(
            name=new.name,
            channels=tuple(new.channels),
            window_start=new.window_start,
            window_end=new.window_end,
            filter=new.filter,
            template=new.template,
            max_concurrent_calls=new.max_concurrent_calls,
            calls_per_second=new.calls_per_second,
            sms_per_second=new.sms_per_second,
            max_attempts=new.max_attempts,
            created_by=caller,
        )
    except (CampaignError, ValidationError) as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None


@router.post("", status_code=status.HTTP_202_ACCEPTED)
def create(
    new: NewCampaign, caller: str = Depends(require_api_token), session: Session = Depends(get_session)
) -> dict[str, Any]:
    """A draft campaign: the worker plans it (one target per matching account, each decision with its
    reason) and then runs it. 409 when the name is taken."""
    order = _order(new, caller)
    try:
        campaign = create_campaign(session, order)
    except CampaignError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    session.commit()
    return progress(session, campaign.id).as_dict()  # type: ignore[arg-type]


@router.get("")
def campaigns(
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    _: str = Depends(require_api_token),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    return [progress(session, c.id).as_dict() for c in list_campaigns(session, limit=limit, offset=offset)]  # type: ignore[arg-type]


@router.get("/{campaign_id}")
def campaign(
    campaign_id: int, _: str = Depends(require_api_token), session: Session = Depends(get_session)
) -> dict[str, Any]:
    """The campaign and its progress: targets per state, contacts per channel."""
    try:
        return progress(session, campaign_id).as_dict()
    except UnknownCampaign as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None


@router.post("/{campaign_id}/{action}")
def change(
    campaign_id: int,
    action: Literal["pause", "resume", "cancel"],
    _: str = Depends(require_api_token),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Pause (contacts under way finish), resume, or cancel (targets not contacted are settled).
    409 when the campaign's status does not allow it."""
    try:
        act(session, campaign_id, action)
    except UnknownCampaign as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except CampaignError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    session.commit()
    return progress(session, campaign_id).as_dict()


@router.get("/{campaign_id}/escalations")
def escalated(
    campaign_id: int,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    _: str = Depends(require_api_token),
    session: Session = Depends(get_session),
) -> list[dict[str, object]]:
    """Accounts no attempt reached: next step for a person (letter, formal notice)."""
    try:
        return escalations(session, campaign_id, limit=limit, offset=offset)
    except UnknownCampaign as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
