"""The campaigns pages: progress of each campaign, a campaign's figures and escalated accounts, and the
pause / resume / cancel forms (supervisors only, CSRF, audited)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from campaigns.service import CampaignOrder, create_campaign, progress
from console.campaigns_page import PER_PAGE, progress_of
from debt.db import session_scope
from debt.models import Account, AuditEntry, Campaign, CampaignStatus, CampaignTarget, TargetState
from tests.console.helpers import ORIGIN, signed_in_client
from tests.console.test_dashboard import include_sections
from tests.factories import make_account

WINDOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    return include_sections(app)


def seed_campaign(
    db: Session,
    name: str,
    states: dict[TargetState, int],
    *,
    status: CampaignStatus = CampaignStatus.RUNNING,
    reason: str = "call no-answer",
) -> int:
    """A campaign with `states[s]` targets in each state; escalated ones tried 3 times."""
    order = CampaignOrder(
        name=name,
        channels=("sms", "voice"),
        window_start=WINDOW,
        window_end=WINDOW + timedelta(days=4),
        created_by="user:sam",
    )
    campaign = create_campaign(db, order)
    campaign.status = status
    db.add(campaign)
    db.flush()
    for state, n in states.items():
        for _ in range(n):
            account = make_account(db)
            contacted = state in (TargetState.DONE, TargetState.ESCALATED, TargetState.SENT)
            db.add(
                CampaignTarget(
                    campaign_id=campaign.id,  # type: ignore[arg-type]
                    account_id=account.id,  # type: ignore[arg-type]
                    debtor_id=account.debtor_id,
                    channel="voice" if state == TargetState.ESCALATED else "sms",
                    to="+33639980012",
                    state=state,
                    due_at=WINDOW,
                    attempts=3 if state == TargetState.ESCALATED else int(contacted),
                    last_reason=reason if state == TargetState.ESCALATED else None,
                )
            )
    db.flush()
    return campaign.id  # type: ignore[return-value]


@pytest.fixture
def campaigns(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as db:
        return {
            "november": seed_campaign(
                db,
                "Relance novembre",
                {TargetState.PLANNED: 4, TargetState.SENT: 1, TargetState.DONE: 3, TargetState.ESCALATED: 2},
            ),
            "paused": seed_campaign(
                db, "Relance <b>DE</b> & co", {TargetState.DONE: 1}, status=CampaignStatus.PAUSED
            ),
            "empty": seed_campaign(db, "Brouillon", {}, status=CampaignStatus.DRAFT),
        }


def _post(web: TestClient, path: str, csrf: str, **fields: str) -> Response:
    return web.post(path, data={"csrf": csrf, **fields}, headers={"Origin": ORIGIN})


# ---- the list ----------------------------------------------------------------------------------------


def test_the_list_shows_each_campaign_with_its_progress(
    web: TestClient, staff: dict[str, str], campaigns: dict[str, int]
) -> None:
    signed_in_client(web, "sam")
    page = web.get("/console/campaigns")
    assert page.status_code == 200, page.text
    names = re.findall(r'<a class="block-link" href="/console/campaigns/(\d+)">([^<]*)</a>', page.text)
    assert names == [
        (str(campaigns["empty"]), "Brouillon"),
        (str(campaigns["paused"]), "Relance &lt;b&gt;DE&lt;/b&gt; &amp; co"),
        (str(campaigns["november"]), "Relance novembre"),
    ]
    november = page.text.split(f'href="/console/campaigns/{campaigns["november"]}"')[1].split("</tr>")[0]
    assert '<span class="status status--running">running</span>' in november
    assert '<td class="nowrap">sms, voice</td>' in november
    assert "2026-11-23 08:00 UTC<br>2026-11-27 08:00 UTC" in november
    assert '<span class="progress__text">5 / 10</span>' in november  # done 3 + escalated 2 of 10
    assert 'aria-label="Settled: 50.0% (5 of 10)"' in november
    # reached, contacts (1 sent + 3 done + 2 × 3 escalated), escalated
    assert re.findall(r'<td class="number">(\d+)</td>', november) == ["3", "10", "2"]
    assert "<script" not in page.text and " style=" not in page.text


def test_progress_of_a_page_matches_the_service(engine: Engine, campaigns: dict[str, int]) -> None:
    with Session(engine) as db:
        found = list(db.exec(select(Campaign).order_by(Campaign.id)).all())  # type: ignore[arg-type]
        together = progress_of(db, found)
        one_by_one = [progress(db, c.id) for c in found]  # type: ignore[arg-type]
    assert [(p.by_state, p.by_channel, p.contacts) for p in together] == [
        (p.by_state, p.by_channel, p.contacts) for p in one_by_one
    ]


def test_the_list_goes_by_pages(web: TestClient, engine: Engine, staff: dict[str, str]) -> None:
    with session_scope(engine) as db:
        for n in range(PER_PAGE + 1):
            seed_campaign(db, f"Campagne {n:02d}", {})
    signed_in_client(web, "sam")
    first = web.get("/console/campaigns").text
    assert first.count('class="status ') == PER_PAGE and 'href="/console/campaigns?page=2"' in first
    second = web.get("/console/campaigns?page=2").text
    assert ">Campagne 00</a>" in second and second.count('class="status ') == 1
    assert 'href="/console/campaigns?page=1"' in second and "page=3" not in second


def test_no_campaign_yet(web: TestClient, staff: dict[str, str]) -> None:
    signed_in_client(web, "sam")
    assert "No campaign." in web.get("/console/campaigns").text


# ---- one campaign ------------------------------------------------------------------------------------


def test_a_campaign_page_shows_its_figures_and_escalated_accounts(
    web: TestClient, engine: Engine, staff: dict[str, str], campaigns: dict[str, int]
) -> None:
    signed_in_client(web, "sam")
    page = web.get(f"/console/campaigns/{campaigns['november']}")
    assert page.status_code == 200, page.text
    text = page.text
    assert "<h1>Relance novembre</h1>" in text
    assert "5 of 10 accounts settled · 3 reached · 10 contacts made · 2 escalated" in text
    states = dict(re.findall(r'<tr><th scope="row">([a-z]+)</th><td class="number">(\d+)</td></tr>', text))
    assert states == {
        "planned": "4",
        "queued": "0",
        "sending": "0",
        "sent": "1",
        "done": "3",
        "refused": "0",
        "escalated": "2",
        "cancelled": "0",
        "sms": "4",
        "voice": "6",
    }
    assert "Escalated accounts (2)" in text
    with Session(engine) as db:
        refs = db.exec(
            select(Account.account_ref)
            .join(CampaignTarget, col(CampaignTarget.account_id) == Account.id)
            .where(
                CampaignTarget.campaign_id == campaigns["november"],
                CampaignTarget.state == TargetState.ESCALATED,
            )
            .order_by(col(CampaignTarget.id))
        ).all()
    assert re.findall(r"<td>(HEB-\d+)</td>", text) == list(refs) and len(refs) == 2
    rows = re.findall(
        r'<td>HEB-\d+</td>\s*<td class="number">(\d+)</td>\s*<td>(\w+)</td>\s*<td>([^<]*)</td>', text
    )
    assert rows == [("3", "voice", "call no-answer")] * 2
    # A running campaign can be paused or cancelled, not resumed.
    assert f'action="/console/campaigns/{campaigns["november"]}/pause"' in text
    assert f'action="/console/campaigns/{campaigns["november"]}/cancel"' in text
    assert "/resume" not in text
    assert text.count('name="csrf"') == 3  # sign out, pause, cancel


def test_what_a_campaign_holds_is_shown_as_text(
    web: TestClient, engine: Engine, staff: dict[str, str]
) -> None:
    with session_scope(engine) as db:
        campaign_id = seed_campaign(
            db,
            '<script>alert("n")</script>',
            {TargetState.ESCALATED: 1},
            reason="<img src=x onerror=alert(1)>",
        )
    signed_in_client(web, "sam")
    text = web.get(f"/console/campaigns/{campaign_id}").text
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(&#34;n&#34;)&lt;/script&gt;" in text
    assert "<td>&lt;img src=x onerror=alert(1)&gt;</td>" in text


def test_escalated_accounts_go_by_pages(web: TestClient, engine: Engine, staff: dict[str, str]) -> None:
    with session_scope(engine) as db:
        campaign_id = seed_campaign(db, "Beaucoup", {TargetState.ESCALATED: PER_PAGE + 3})
    signed_in_client(web, "sam")
    first = web.get(f"/console/campaigns/{campaign_id}").text
    assert first.count("<td>call no-answer</td>") == PER_PAGE and "Page 1 of 2" in first
    second = web.get(f"/console/campaigns/{campaign_id}?page=2").text
    assert second.count("<td>call no-answer</td>") == 3 and "Page 2 of 2" in second
    beyond = web.get(f"/console/campaigns/{campaign_id}?page=9").text
    assert "Page 2 of 2" in beyond


def test_an_unknown_campaign_is_a_404_page(web: TestClient, staff: dict[str, str]) -> None:
    signed_in_client(web, "sam")
    page = web.get("/console/campaigns/999")
    assert page.status_code == 404 and "There is no campaign 999." in page.text


# ---- pause, resume, cancel ---------------------------------------------------------------------------


def _status(engine: Engine, campaign_id: int) -> CampaignStatus:
    with Session(engine) as db:
        return db.get(Campaign, campaign_id).status  # type: ignore[union-attr]


def _audit(engine: Engine) -> list[tuple[str, str, str | None, dict]]:
    with Session(engine) as db:
        rows = db.exec(
            select(AuditEntry).where(AuditEntry.entity == "campaign").order_by(AuditEntry.id)
        ).all()  # type: ignore[arg-type]
    return [(e.actor, e.action, e.entity_id, e.details) for e in rows]


def test_a_supervisor_pauses_then_resumes_a_campaign(
    web: TestClient, engine: Engine, staff: dict[str, str], campaigns: dict[str, int]
) -> None:
    csrf = signed_in_client(web, "sam")
    cid = campaigns["november"]
    answer = _post(web, f"/console/campaigns/{cid}/pause", csrf)
    assert answer.status_code == 303 and answer.headers["location"] == f"/console/campaigns/{cid}?done=pause"
    assert _status(engine, cid) == CampaignStatus.PAUSED
    page = web.get(answer.headers["location"]).text
    assert "Campaign paused: no new contact starts; those under way finish." in page
    assert (
        '<span class="status status--paused">paused</span>' in page
        and f"/console/campaigns/{cid}/resume" in page
    )

    assert _post(web, f"/console/campaigns/{cid}/resume", csrf).status_code == 303
    assert _status(engine, cid) == CampaignStatus.RUNNING
    details = {"name": "Relance novembre"}
    assert _audit(engine) == [
        ("user:sam", "campaign_paused", str(cid), {**details, "previous": "running", "status": "paused"}),
        ("user:sam", "campaign_resumed", str(cid), {**details, "previous": "paused", "status": "running"}),
    ]


def test_cancelling_needs_the_box_ticked_then_settles_the_targets(
    web: TestClient, engine: Engine, staff: dict[str, str], campaigns: dict[str, int]
) -> None:
    csrf = signed_in_client(web, "sam")
    cid = campaigns["november"]
    refused = _post(web, f"/console/campaigns/{cid}/cancel", csrf)
    assert refused.status_code == 400
    assert "Not cancelled: tick the box" in refused.text
    assert _status(engine, cid) == CampaignStatus.RUNNING and _audit(engine) == []

    answer = _post(web, f"/console/campaigns/{cid}/cancel", csrf, confirm="yes")
    assert answer.status_code == 303
    assert _status(engine, cid) == CampaignStatus.CANCELLED
    page = web.get(answer.headers["location"]).text
    assert "Campaign cancelled: the accounts not contacted yet are settled." in page
    assert "Change the campaign" not in page  # nothing left to do
    assert "9 of 10 accounts settled" in page  # the 4 planned are cancelled; the contact under way is not
    assert [a for _, a, _, _ in _audit(engine)] == ["campaign_cancelled"]


def test_an_action_the_status_refuses_says_so(
    web: TestClient, engine: Engine, staff: dict[str, str], campaigns: dict[str, int]
) -> None:
    csrf = signed_in_client(web, "sam")
    cid = campaigns["paused"]
    answer = _post(web, f"/console/campaigns/{cid}/pause", csrf)
    assert answer.status_code == 409
    assert "Not done: cannot pause a campaign that is paused." in answer.text
    assert "Relance &lt;b&gt;DE&lt;/b&gt; &amp; co" in answer.text
    assert _status(engine, cid) == CampaignStatus.PAUSED and _audit(engine) == []
    assert _post(web, "/console/campaigns/999/pause", csrf).status_code == 404
    assert _post(web, f"/console/campaigns/{cid}/delete", csrf).status_code == 400


@pytest.mark.parametrize(
    ("headers", "with_token"),
    [({"Origin": ORIGIN}, False), ({"Origin": "https://evil.example"}, True), ({}, True)],
    ids=["no token", "another origin", "no origin"],
)
def test_the_forms_need_the_token_and_our_origin(
    web: TestClient,
    engine: Engine,
    staff: dict[str, str],
    campaigns: dict[str, int],
    headers: dict[str, str],
    with_token: bool,
) -> None:
    csrf = signed_in_client(web, "sam")
    cid = campaigns["november"]
    data = {"csrf": csrf} if with_token else {}
    answer = web.post(f"/console/campaigns/{cid}/pause", data=data, headers=headers)
    assert answer.status_code == 403
    assert _status(engine, cid) == CampaignStatus.RUNNING and _audit(engine) == []
    wrong = web.post(
        f"/console/campaigns/{cid}/pause", data={"csrf": csrf[:-2] + "xx"}, headers={"Origin": ORIGIN}
    )
    assert wrong.status_code == 403


@pytest.mark.parametrize("role", ["admin", "advisor"])
def test_only_a_supervisor_sees_or_changes_campaigns(
    web: TestClient, engine: Engine, staff: dict[str, str], campaigns: dict[str, int], role: str
) -> None:
    csrf = signed_in_client(web, staff[role])
    cid = campaigns["november"]
    assert web.get("/console/campaigns").status_code == 403
    assert web.get(f"/console/campaigns/{cid}").status_code == 403
    assert _post(web, f"/console/campaigns/{cid}/pause", csrf).status_code == 403
    assert _status(engine, cid) == CampaignStatus.RUNNING


def test_without_a_session(web: TestClient, campaigns: dict[str, int]) -> None:
    cid = campaigns["november"]
    assert (
        web.get(f"/console/campaigns/{cid}").headers["location"]
        == f"/console/login?next=%2Fconsole%2Fcampaigns%2F{cid}"
    )
    answer = web.post(f"/console/campaigns/{cid}/pause", headers={"Origin": ORIGIN})
    assert answer.status_code == 401
    assert _status(engine_of(web), cid) == CampaignStatus.RUNNING


def engine_of(web: TestClient) -> Engine:
    return web.app.state.engine
