"""The dashboard, the campaigns and the audit log in headless Chromium against the real gateway: a
supervisor reads November's figures, opens a campaign and pauses it, then finds it in the audit log.
Screenshots go to /tmp/console-shots/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.settings import load_settings
from debt.db import migrate, session_scope
from debt.models import ConsoleRole, TargetState
from tests.api.test_chat_page_browser import LOW_CONTRAST
from tests.browser import Browser, Page
from tests.console.helpers import add_user
from tests.console.test_campaigns_page import seed_campaign
from tests.console.test_console_browser import SHOTS, here, sign_in, submit, text
from tests.console.test_dashboard import include_sections, seed_month
from tests.live_server import serve_in_thread

pytestmark = pytest.mark.stack

NOVEMBER = "/console/dashboard?from=2026-11-01&to=2026-11-30"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from server import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('dashboard') / 'collect.db'}"
    migrate(url)
    app = include_sections(create_app(load_settings(database_url=url, env="test")))
    add_user(app.state.engine, "camille", ConsoleRole.SUPERVISOR, name="Camille Durand")
    add_user(app.state.engine, "ada", ConsoleRole.ADMIN, name="Ada Martin")
    with session_scope(app.state.engine) as db:
        seed_month(db)
        campaign_id = seed_campaign(
            db,
            "Relance novembre <FR>",
            {TargetState.PLANNED: 12, TargetState.SENT: 2, TargetState.DONE: 9, TargetState.ESCALATED: 3},
        )
    with serve_in_thread(app) as base_url:
        yield {"base_url": base_url, "campaign_id": campaign_id}


@pytest.fixture
def page(browser: Browser, served: dict[str, Any]) -> Iterator[Page]:
    tab = browser.new_page()
    tab.send("Network.clearBrowserCookies")
    tab.send("Log.enable")  # the policy's refusals (an inline style, a script) arrive as log entries
    tab.set_viewport(1280, 800)
    yield tab
    tab.evaluate("1")
    tab.close()
    assert tab.errors == [], f"JavaScript errors: {tab.errors}"
    logged = [p["entry"] for m, p in tab.events if m == "Log.entryAdded"]
    # A 403 page is a network "error" the test asks for; anything else (a CSP refusal) is not.
    refused = [e["text"] for e in logged if e["level"] == "error" and e["source"] != "network"]
    assert refused == [], f"the browser refused or failed: {refused}"
    elsewhere = [u for u in tab.requests if not u.startswith((served["base_url"], "about:", "data:"))]
    assert elsewhere == [], f"the page fetched from elsewhere: {elsewhere}"


def full_page_shot(page: Page, name: str, width: int = 1280) -> None:
    """The viewport, then the whole page (the viewport grown to the page's height)."""
    page.screenshot(SHOTS / f"{name}-{width}.png")
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport(width, min(height, 6000), mobile=width < 600)
    page.screenshot(SHOTS / f"{name}-{width}-full.png")
    page.set_viewport(width, 800, mobile=width < 600)


def test_a_supervisor_reads_the_dashboard(page: Page, served: dict[str, Any]) -> None:
    base = served["base_url"]
    page.goto(base + NOVEMBER)
    sign_in(page, "camille")
    assert here(page) == NOVEMBER
    assert page.evaluate("document.title").startswith("Dashboard · ")
    rates = page.evaluate(
        "[...document.querySelectorAll('.rate')].map(r => [r.querySelector('h3').textContent,"
        " r.querySelector('.rate__value').textContent])"
    )
    assert rates == [
        ["Right-party contact rate", "83.3%"],
        ["Identity verification success", "83.3%"],
        ["Containment", "42.9%"],
        ["Promise-to-pay rate", "40.0%"],
        ["Promises kept", "66.7%"],
        ["Outbound contacts reached", "50.0%"],
    ]
    chart = page.evaluate(
        """(() => { const svg = document.getElementById('activity'); const box = svg.getBoundingClientRect();
        return {label: svg.getAttribute('aria-labelledby'), title: svg.querySelector('title').textContent,
                bars: svg.querySelectorAll('rect[height]:not([height="0"]) > title').length,
                width: Math.round(box.width), height: Math.round(box.height)}; })()"""
    )
    assert chart["label"] == "activity-title activity-desc"
    assert chart["title"] == "Conversations and handoffs per day"
    assert chart["bars"] == 7 + 4  # days with conversations, days with handoffs
    assert chart["width"] > 1000 and 300 < chart["height"] < 400
    fill = page.evaluate("getComputedStyle(document.querySelector('.chart__bar--primary')).fill")
    assert fill == "rgb(29, 78, 216)"  # dashboard.css applies: the policy let the stylesheet in
    assert page.evaluate("document.querySelectorAll('[style]').length") == 0
    assert page.evaluate(LOW_CONTRAST) == []
    full_page_shot(page, "dashboard")

    page.click(".numbers summary")
    assert page.evaluate("document.querySelector('.numbers').open") is True
    assert page.evaluate("document.querySelectorAll('.numbers tbody tr').length") == 30
    page.screenshot(SHOTS / "dashboard-numbers-1280.png")

    page.focus("#period-from")
    page.evaluate("document.getElementById('period-from').value = '2026-11-10'")
    submit(page, ".period button[type=submit]")
    assert here(page) == "/console/dashboard?from=2026-11-10&to=2026-11-30"
    assert "10 Nov 2026 – 30 Nov 2026" in text(page, ".period__said")


def test_a_supervisor_pauses_a_campaign_and_the_audit_log_says_so(page: Page, served: dict[str, Any]) -> None:
    base, campaign_id = served["base_url"], served["campaign_id"]
    page.goto(f"{base}/console/campaigns")
    sign_in(page, "camille")
    assert here(page) == "/console/campaigns"
    row = page.evaluate(
        "[...document.querySelector('tbody tr').cells].map(c => c.innerText.trim().replace(/\\s+/g, ' '))"
    )
    assert row[0] == "Relance novembre <FR>" and row[1] == "running" and row[2] == "sms, voice"
    assert row[4:] == ["12 / 26", "9", "20", "3"]  # contacts: 2 sent + 9 done + 3 escalated × 3
    assert page.evaluate(LOW_CONTRAST) == []
    full_page_shot(page, "campaigns")

    submit(page, "tbody tr a")
    assert here(page) == f"/console/campaigns/{campaign_id}"
    assert text(page, "h1") == "Relance novembre <FR>"
    assert text(page, ".page-head .status") == "running"
    assert page.evaluate("document.querySelectorAll('#escalated-title ~ .table-wrap tbody tr').length") == 3
    assert page.evaluate(LOW_CONTRAST) == []
    full_page_shot(page, "campaign-running")

    submit(page, f"form[action='/console/campaigns/{campaign_id}/pause'] button")
    assert here(page) == f"/console/campaigns/{campaign_id}?done=pause"
    assert text(page, ".notice") == "Campaign paused: no new contact starts; those under way finish."
    assert text(page, ".page-head .status") == "paused"
    assert page.evaluate("[...document.querySelectorAll('.actions button')].map(b => b.textContent)") == [
        "Resume",
        "Cancel the campaign",
    ]
    page.screenshot(SHOTS / "campaign-paused-1280.png")

    # Cancelling without ticking the box: the browser itself holds the form back.
    page.click(f"form[action='/console/campaigns/{campaign_id}/cancel'] button")
    assert here(page) == f"/console/campaigns/{campaign_id}?done=pause"
    assert page.evaluate("document.querySelector('input[name=confirm]').validity.valueMissing") is True

    page.goto(f"{base}/console/audit?action=campaign_paused")
    cells = page.evaluate("[...document.querySelector('tbody tr').cells].map(c => c.textContent.trim())")
    assert cells[1:4] == ["user:camille", "campaign_paused", f"campaign {campaign_id}"]
    assert "previous: running" in cells[4] and "status: paused" in cells[4]
    assert page.evaluate(LOW_CONTRAST) == []
    full_page_shot(page, "audit")


def test_the_sections_on_a_phone(page: Page, served: dict[str, Any]) -> None:
    base = served["base_url"]
    page.set_viewport(360, 740, mobile=True)
    page.goto(base + NOVEMBER)
    sign_in(page, "camille")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    full_page_shot(page, "dashboard-phone", 360)
    # The chart keeps a readable size and scrolls sideways in its frame.
    frame = page.evaluate(
        "(() => { const w = document.querySelector('.chart-wrap');"
        " return [w.clientWidth < w.scrollWidth, getComputedStyle(w).overflowX]; })()"
    )
    assert frame == [True, "auto"]
    page.evaluate("document.querySelector('.chart-wrap').scrollIntoView()")
    page.screenshot(SHOTS / "dashboard-phone-chart-360.png")
    page.goto(f"{base}/console/campaigns/{served['campaign_id']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    full_page_shot(page, "campaign-phone", 360)


def test_an_admin_reads_the_audit_log_but_not_the_dashboard(page: Page, served: dict[str, Any]) -> None:
    base = served["base_url"]
    page.goto(f"{base}/console/audit")
    sign_in(page, "ada")
    assert here(page) == "/console/audit"
    assert text(page, "h1") == "Audit log"
    page.goto(base + NOVEMBER)
    assert text(page, "h1") == "Not allowed"
