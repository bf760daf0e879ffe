"""/api/campaigns: create (a draft the worker plans), inspect, pause, resume, cancel, escalations;
bad orders get 422 with the reason, a taken name 409, an action the status forbids 409."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from campaigns.planner import plan_campaign
from debt.clock import utcnow
from debt.models import Campaign, CampaignStatus, CampaignTarget, TargetState
from tests.campaigns.reachable import reachable_accounts


def _order(**fields: object) -> dict[str, object]:
    start = utcnow()
    return {
        "name": "Relance novembre",
        "filter": {"statuses": ["open"], "min_balance": "20"},
        "channels": ["sms", "voice"],
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(days=5)).isoformat(),
        "calls_per_second": 2,
        "max_concurrent_calls": 5,
    } | fields


def test_routes_need_the_bearer_token(client: TestClient) -> None:
    del client.headers["Authorization"]
    assert client.get("/api/campaigns").status_code == 401
    assert client.post("/api/campaigns", json=_order()).status_code == 401


def test_a_new_campaign_is_a_draft_with_its_settings(client: TestClient) -> None:
    created = client.post("/api/campaigns", json=_order())

    assert created.status_code == 202
    body = created.json()
    assert body["status"] == "draft" and body["channels"] == ["sms", "voice"]
    assert body["calls_per_second"] == 2 and body["max_concurrent_calls"] == 5
    assert '"min_balance":"20"' in body["filter"]
    assert client.get(f"/api/campaigns/{body['id']}").json()["name"] == "Relance novembre"
    assert [c["id"] for c in client.get("/api/campaigns").json()] == [body["id"]]


def test_bad_orders_are_refused_with_the_reason(client: TestClient) -> None:
    start = utcnow()
    cases = [
        ({"channels": ["fax"]}, "channels"),
        ({"channels": []}, "channels"),
        ({"window_end": (start - timedelta(days=1)).isoformat()}, "window"),
        ({"window_start": "2026-11-23T09:00:00"}, "timezone"),
        ({"calls_per_second": 0}, "per second"),
        ({"max_concurrent_calls": 0}, "concurrent"),
        ({"template": "threat"}, "template"),
        ({"filter": {"statuses": ["unknown"]}}, "statuses"),
    ]
    for fields, word in cases:
        response = client.post("/api/campaigns", json=_order(**fields))
        assert response.status_code == 422, fields
        assert word in str(response.json()["detail"]).lower(), (fields, response.json())


def test_a_taken_name_is_a_conflict(client: TestClient) -> None:
    assert client.post("/api/campaigns", json=_order()).status_code == 202
    again = client.post("/api/campaigns", json=_order())
    assert again.status_code == 409 and "exists already" in again.json()["detail"]


def test_pause_resume_cancel_follow_the_status(client: TestClient) -> None:
    campaign_id = client.post("/api/campaigns", json=_order()).json()["id"]
    engine = client.app.state.engine
    with Session(engine) as session:
        reachable_accounts(session, 3)
        session.commit()
    plan_campaign(engine, campaign_id, utcnow())

    assert client.post(f"/api/campaigns/{campaign_id}/pause").status_code == 409  # still a draft
    with Session(engine) as session:
        session.get(Campaign, campaign_id).status = CampaignStatus.RUNNING
        session.commit()
    assert client.post(f"/api/campaigns/{campaign_id}/pause").json()["status"] == "paused"
    assert client.post(f"/api/campaigns/{campaign_id}/resume").json()["status"] == "running"
    cancelled = client.post(f"/api/campaigns/{campaign_id}/cancel").json()
    assert cancelled["status"] == "cancelled" and cancelled["by_state"] == {"cancelled": 3}
    assert client.post(f"/api/campaigns/{campaign_id}/resume").status_code == 409
    assert client.post(f"/api/campaigns/{campaign_id}/restart").status_code == 422
    assert client.get("/api/campaigns/999").status_code == 404


def test_escalations_list_the_accounts_nobody_reached(client: TestClient) -> None:
    campaign_id = client.post("/api/campaigns", json=_order()).json()["id"]
    engine = client.app.state.engine
    with Session(engine) as session:
        [account] = reachable_accounts(session, 1)
        session.add(
            CampaignTarget(
                campaign_id=campaign_id,
                account_id=account.id,
                debtor_id=account.debtor_id,
                channel="voice",
                to="+33639980000",
                state=TargetState.ESCALATED,
                due_at=utcnow(),
                attempts=4,
                last_reason="not reached after 4 attempts (call no-answer)",
            )
        )
        session.commit()
        ref = account.account_ref

    [row] = client.get(f"/api/campaigns/{campaign_id}/escalations").json()

    assert row["account_ref"] == ref and row["attempts"] == 4
    assert row["next_step"] == "letter or formal notice"
