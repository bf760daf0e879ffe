"""The campaigns for supervisors: each one's progress, a campaign's figures and escalated accounts, and
pausing, resuming or cancelling it (campaigns/service.py does it; the audit log says who did).

GET  /console/campaigns                       every campaign, newest first, with its progress
GET  /console/campaigns/{id}                  figures by state and channel, the escalated accounts
POST /console/campaigns/{id}/{pause|resume|cancel}
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from fastapi import Depends, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.deps import get_session
from campaigns.service import (
    CampaignError,
    Progress,
    UnknownCampaign,
    act,
    allowed_actions,
    escalations,
    get_campaign,
    list_campaigns,
    progress,
)
from console import charts
from console.audit import record
from console.auth import require_user
from console.templating import render
from console.web import console_router
from core.logs import get_logger
from debt.models import Campaign, CampaignTarget, ConsoleRole, ConsoleUser, TargetState

router = console_router()
PATH = "/console/campaigns"
PER_PAGE = 50
supervisor = require_user(ConsoleRole.SUPERVISOR)
Action = Literal["pause", "resume", "cancel"]
# The audit action and the notice after each action.
DONE = {"pause": "campaign_paused", "resume": "campaign_resumed", "cancel": "campaign_cancelled"}
NOTICES = {
    "pause": "Campaign paused: no new contact starts; those under way finish.",
    "resume": "Campaign resumed.",
    "cancel": "Campaign cancelled: the accounts not contacted yet are settled.",
}
# Target states in the order a campaign moves through them.
STATE_ORDER = tuple(TargetState)

log = get_logger("console.campaigns")


def progress_of(db: Session, campaigns: list[Campaign]) -> list[Progress]:
    """Each campaign's progress in two grouped queries for the whole page (not two per campaign)."""
    ids = [c.id for c in campaigns]
    by_state: dict[int, dict[str, int]] = {i: {} for i in ids if i is not None}
    by_channel: dict[int, dict[str, int]] = {i: {} for i in ids if i is not None}
    if ids:
        for campaign_id, state, n in db.exec(
            select(CampaignTarget.campaign_id, CampaignTarget.state, func.count())
            .where(col(CampaignTarget.campaign_id).in_(ids))
            .group_by(col(CampaignTarget.campaign_id), col(CampaignTarget.state))
        ).all():
            by_state[campaign_id][str(state)] = int(n)
        for campaign_id, channel, n in db.exec(
            select(CampaignTarget.campaign_id, CampaignTarget.channel, func.sum(CampaignTarget.attempts))
            .where(col(CampaignTarget.campaign_id).in_(ids), CampaignTarget.attempts > 0)
            .group_by(col(CampaignTarget.campaign_id), col(CampaignTarget.channel))
        ).all():
            by_channel[campaign_id][str(channel)] = int(n)
    return [
        Progress(c, by_state[c.id], by_channel[c.id], sum(by_channel[c.id].values()))  # type: ignore[index]
        for c in campaigns
    ]


def find_progress(db: Session, campaign_id: int) -> Progress:
    try:
        return progress(db, campaign_id)
    except UnknownCampaign:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"There is no campaign {campaign_id}.") from None


@router.get(PATH)
def show_campaigns(
    request: Request,
    page: int = Query(1, ge=1, le=100_000),
    user: ConsoleUser = Depends(supervisor),
    db: Session = Depends(get_session),
) -> HTMLResponse:
    # One row more than a page tells whether there is a next page without counting them all.
    found = list_campaigns(db, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    context = {
        "rows": progress_of(db, found[:PER_PAGE]),
        "page": page,
        "newer": f"{PATH}?page={page - 1}" if page > 1 else None,
        "older": f"{PATH}?page={page + 1}" if len(found) > PER_PAGE else None,
        "meter": charts.meter,
    }
    return render(request, "campaigns.html", context)


def campaign_page(
    request: Request,
    db: Session,
    campaign_id: int,
    *,
    page: int = 1,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    current = find_progress(db, campaign_id)
    escalated = current.by_state.get(TargetState.ESCALATED.value, 0)
    pages = max(1, math.ceil(escalated / PER_PAGE))
    page = min(page, pages)
    rows = escalations(db, campaign_id, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    for row in rows:
        row["since"] = datetime.fromisoformat(str(row["since"]))
    here = f"{PATH}/{campaign_id}"
    context = {
        "progress": current,
        "campaign": current.campaign,
        "states": [(state.value, current.by_state.get(state.value, 0)) for state in STATE_ORDER],
        "escalations": rows,
        "escalated": escalated,
        "page": page,
        "pages": pages,
        "newer": f"{here}?page={page - 1}#escalated-title" if page > 1 else None,
        "older": f"{here}?page={page + 1}#escalated-title" if page < pages else None,
        "actions": allowed_actions(current.campaign.status),
        "meter": charts.meter,
        "notice": notice,
        "error": error,
    }
    return render(request, "campaign.html", context, status_code=status_code)


@router.get(PATH + "/{campaign_id}")
def show_campaign(
    request: Request,
    campaign_id: int,
    page: int = Query(1, ge=1, le=100_000),
    done: str | None = None,
    user: ConsoleUser = Depends(supervisor),
    db: Session = Depends(get_session),
) -> HTMLResponse:
    # The notice comes from our table: the query string cannot make the page say anything else.
    return campaign_page(request, db, campaign_id, page=page, notice=NOTICES.get(done or ""))


@router.post(PATH + "/{campaign_id}/{action}")
def change_campaign(
    request: Request,
    campaign_id: int,
    action: Action,
    confirm: str = Form(""),
    user: ConsoleUser = Depends(supervisor),
    db: Session = Depends(get_session),
) -> Response:
    if action == "cancel" and confirm != "yes":
        # No script asks "are you sure?": the box to tick does, and the browser and we both check it.
        error = "Not cancelled: tick the box to confirm that the campaign stops for good."
        return campaign_page(request, db, campaign_id, error=error, status_code=400)
    try:
        previous = get_campaign(db, campaign_id).status
        changed = act(db, campaign_id, action)
    except UnknownCampaign:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"There is no campaign {campaign_id}.") from None
    except CampaignError as exc:
        db.rollback()
        return campaign_page(request, db, campaign_id, error=f"Not done: {exc}.", status_code=409)
    details = {"name": changed.name, "previous": str(previous), "status": str(changed.status)}
    record(db, user, DONE[action], "campaign", campaign_id, **details)
    db.commit()
    log.info(DONE[action], campaign_id=campaign_id, user_id=user.id)
    # Post/redirect/get: a reload does not act again.
    return RedirectResponse(f"{PATH}/{campaign_id}?done={action}", status_code=303)
