"""The conversations section on SQLite: the list with its filters, search and pages, masking, one
conversation with its turns, decisions, recording and account, roles, the audit and the CSV."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

import console.conversation_list as section_list
import console.conversations as section
from debt.conversations import add_turn, open_conversation, set_flag
from debt.db import session_scope
from debt.models import (
    AccountStatus,
    AuditEntry,
    Call,
    CallRecording,
    Campaign,
    CampaignTarget,
    Channel,
    ConversationFlag,
    Handoff,
    TurnRole,
)
from tests.console.helpers import signed_in_client
from tests.factories import make_account

PATH = "/console/conversations"
SCRIPT = "<script>alert('x')</script> je conteste cette facture"
RECORDING_URL = "https://api.twilio.com/2010-04-01/Accounts/AC00/Recordings/RE00"


@dataclass
class Seeded:
    dispute: int  # SMS, French, disputed account in the campaign, handed over, the <script>
    plan: int  # voice, German, a recording, promise to pay
    hardship: int  # chat, English, no account, handed over
    campaign: int


def at(day: int, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def seed(engine: Engine) -> Seeded:
    """Three conversations that differ in every filter, with what the page shows of each."""
    with session_scope(engine) as db:
        jeanne = make_account(db, phone="+33639980012", email="jeanne.dupont@example.fr")
        jeanne.status = AccountStatus.DISPUTED
        hans = make_account(
            db,
            first_name="Hans",
            last_name="Müller",
            phone="+4915112345678",
            email="hans.mueller@example.de",
            language="de",
            country="DE",
            creditor="Wolkenwerk Hosting GmbH",
        )
        campaign = Campaign(
            name="Relance novembre", channels="sms,voice", window_start=at(1), window_end=at(30)
        )
        db.add(campaign)
        db.flush()
        db.add(
            CampaignTarget(
                campaign_id=campaign.id,
                account_id=jeanne.id,
                debtor_id=jeanne.debtor_id,
                channel="sms",
                to="+33639980012",
                due_at=at(19),
            )
        )

        dispute = open_conversation(
            db,
            channel=Channel.SMS,
            party="+33639980012",
            debtor_id=jeanne.debtor_id,
            account_id=jeanne.id,
            language="fr",
        )
        dispute.started_at = at(20)
        add_turn(db, dispute, role=TurnRole.BOT, text="Bonjour, ici Amicable Recouvrement.", at=at(20))
        add_turn(
            db,
            dispute,
            role=TurnRole.DEBTOR,
            text=SCRIPT,
            intent="dispute",
            confidence=0.87,
            at=at(20, 9, 1),
            meta={"attempts": 1},
        )
        add_turn(db, dispute, role=TurnRole.BOT, text="C'est noté, je transmets.", at=at(20, 9, 2))
        db.add(
            AuditEntry(
                at=at(20, 9, 1, 30),
                actor="debtor",
                action="dispute.opened",
                entity="dispute",
                entity_id="7",
                details={"conversation_id": dispute.id, "reason": "never_ordered"},
            )
        )
        db.add(
            Handoff(
                conversation_id=dispute.id,
                account_id=jeanne.id,
                reason="dispute",
                summary="Conteste la facture <b>F-2026</b>",
                requested_at=at(20, 9, 2),
            )
        )
        for flag in (ConversationFlag.DISPUTE, ConversationFlag.HANDOFF):
            set_flag(db, dispute.id, flag)

        plan = open_conversation(
            db,
            channel=Channel.VOICE,
            party="+4915112345678",
            debtor_id=hans.debtor_id,
            account_id=hans.id,
            language="de",
            direction="outbound",
        )
        plan.started_at = at(10, 15)
        plan.status = "closed"
        add_turn(db, plan, role=TurnRole.BOT, text="Guten Tag, hier ist Amicable.", at=at(10, 15))
        add_turn(
            db,
            plan,
            role=TurnRole.DEBTOR,
            text="Ich möchte eine Ratenzahlung vereinbaren",
            intent="request_plan",
            confidence=0.93,
            at=at(10, 15, 1),
        )
        set_flag(db, plan.id, ConversationFlag.PROMISE_TO_PAY)
        call = Call(
            call_sid="CA01",
            conversation_id=plan.id,
            account_id=hans.id,
            direction="outbound",
            from_number="+33100000000",
            to_number="+4915112345678",
        )
        db.add(call)
        db.flush()
        db.add(
            CallRecording(
                recording_sid="RE00",
                call_id=call.id,
                call_sid="CA01",
                url=RECORDING_URL,
                status="completed",
                duration_seconds=93,
            )
        )
        db.add(
            CallRecording(recording_sid="RE01", call_id=call.id, call_sid="CA01", url="javascript:alert(1)")
        )

        hardship = open_conversation(db, channel=Channel.CHAT, party="chat-5f2a9c", language="en")
        hardship.started_at = at(2, 18)
        add_turn(db, hardship, role=TurnRole.DEBTOR, text="I lost my job, I can't pay", at=at(2, 18))
        set_flag(db, hardship.id, ConversationFlag.HARDSHIP)
        db.add(
            Handoff(
                conversation_id=hardship.id,
                reason="hardship",
                summary="Lost their job",
                requested_at=at(2, 18, 1),
            )
        )
        db.flush()
        return Seeded(dispute.id, plan.id, hardship.id, campaign.id)


def seed_many(engine: Engine, count: int, first: int = 0) -> list[int]:
    """`count` chat conversations, one a minute on 1 November from minute `first`, oldest first."""
    ids = []
    with session_scope(engine) as db:
        for n in range(first, first + count):
            conversation = open_conversation(db, channel=Channel.CHAT, party=f"chat-many-{n}", language="en")
            conversation.started_at = at(1, 0) + timedelta(minutes=n)
            add_turn(db, conversation, role=TurnRole.DEBTOR, text=f"message {n}", at=conversation.started_at)
            ids.append(conversation.id)
    return ids


@pytest.fixture
def seeded(app: FastAPI, engine: Engine, staff: dict[str, str]) -> Seeded:
    return seed(engine)


def listed(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<a href="/console/conversations/(\d+)">', page)]


def audit(engine: Engine, action: str) -> list[AuditEntry]:
    with Session(engine) as db:
        return list(db.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


# ---- the list --------------------------------------------------------------------------------------------


def test_the_list_is_newest_first_and_masked(web: TestClient, seeded: Seeded) -> None:
    signed_in_client(web, "sam")
    page = web.get(PATH)
    assert page.status_code == 200
    assert listed(page.text) == [seeded.dispute, seeded.plan, seeded.hardship]
    assert "3 conversations." in page.text
    assert "1 conversation matches the filters." in web.get(PATH, params={"channel": "voice"}).text
    assert "+336••••••12" in page.text and "+33639980012" not in page.text
    assert "+491••••••••78" in page.text and "+4915112345678" not in page.text
    assert "chat•••" in page.text and "chat-5f2a9c" not in page.text
    assert "Jeanne D." in page.text and "Dupont" not in page.text
    assert "Hans M." in page.text and "Müller" not in page.text
    assert '<li class="flag flag--dispute">dispute</li>' in page.text
    assert SCRIPT not in page.text and "conteste" not in page.text  # no transcript in the list


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("channel=voice", ["plan"]),
        ("channel=sms&language=fr", ["dispute"]),
        ("flag=hardship", ["hardship"]),
        ("flag=handoff", ["dispute"]),
        ("account_status=disputed", ["dispute"]),
        ("account_status=open", ["plan"]),
        ("language=de", ["plan"]),
        ("from=2026-11-10&to=2026-11-10", ["plan"]),
        ("from=2026-11-03", ["dispute", "plan"]),
        ("to=2026-11-09", ["hardship"]),
        ("channel=&flag=&account_status=&campaign=&language=&from=&to=&q=", ["dispute", "plan", "hardship"]),
        ("channel=chat&flag=dispute", []),
    ],
)
def test_filters(web: TestClient, seeded: Seeded, query: str, expected: list[str]) -> None:
    signed_in_client(web, "sam")
    page = web.get(f"{PATH}?{query}")
    assert page.status_code == 200, page.text
    assert listed(page.text) == [getattr(seeded, name) for name in expected]
    if not expected:
        assert "No conversation matches these filters." in page.text


def test_the_campaign_filter_follows_the_accounts_targeted(web: TestClient, seeded: Seeded) -> None:
    signed_in_client(web, "sam")
    page = web.get(f"{PATH}?campaign={seeded.campaign}").text
    assert listed(page) == [seeded.dispute]
    assert f'<option value="{seeded.campaign}" selected>Relance novembre</option>' in page
    assert listed(web.get(f"{PATH}?campaign=999").text) == []


def test_a_filtered_list_keeps_its_filters_in_the_form(web: TestClient, seeded: Seeded) -> None:
    signed_in_client(web, "sam")
    page = web.get(f"{PATH}?q=Ratenzahlung&channel=voice&from=2026-11-01&language=de").text
    assert 'name="q" type="search" value="Ratenzahlung"' in page
    assert '<option value="voice" selected>voice</option>' in page
    assert '<option value="de" selected>DE</option>' in page
    assert 'name="from" type="date" value="2026-11-01"' in page
    assert "Conversations with these words, newest first." in page and "A search is not counted." in page
    assert '<a class="filters__clear" href="/console/conversations">' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("channel=fax", "The channel is one of sms, voice, chat, email, letter."),
        ("flag=angry", "The flag is one of identity_verified"),
        ("account_status=lost", "The account status is one of open"),
        ("language=it", "The language is one of fr, de, en."),
        ("campaign=abc", "The campaign is a campaign&#39;s number."),
        ("from=23/11/2026", "The start date is a date: YYYY-MM-DD."),
        ("from=2026-11-20&to=2026-11-01", "The start date is after the end date."),
        ("q=" + "x" * 201, "A search has at most 200 characters."),
        ("before=abc", "Some fields of the form are missing or malformed."),
    ],
)
def test_a_bad_filter_is_a_400_that_says_why(
    web: TestClient, seeded: Seeded, query: str, message: str
) -> None:
    signed_in_client(web, "sam")
    page = web.get(f"{PATH}?{query}")
    assert page.status_code == 400 and message in page.text


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Ratenzahlung", ["plan"]),
        ("ratenzahlung", ["plan"]),
        ("conteste facture", ["dispute"]),  # every word, in one turn
        ("FACTURE, conteste!", ["dispute"]),
        ("conteste Ratenzahlung", []),  # the words are in two conversations
        ("job", ["hardship"]),
        ("100%", []),  # LIKE's wildcards are searched as text
        ("ratenzahlung_vereinbaren", ["plan"]),  # _ separates words, as in PostgreSQL
        ("!!!", ["dispute", "plan", "hardship"]),  # no word: no search
    ],
)
def test_search_in_the_transcripts(web: TestClient, seeded: Seeded, q: str, expected: list[str]) -> None:
    signed_in_client(web, "sam")
    page = web.get(PATH, params={"q": q})
    assert page.status_code == 200
    assert listed(page.text) == [getattr(seeded, name) for name in expected]


def test_search_combines_with_the_filters(web: TestClient, seeded: Seeded) -> None:
    signed_in_client(web, "sam")
    assert listed(web.get(PATH, params={"q": "bonjour", "channel": "sms"}).text) == [seeded.dispute]
    assert listed(web.get(PATH, params={"q": "bonjour", "channel": "voice"}).text) == []


def test_pages_of_fifty_by_keyset(
    app: FastAPI, web: TestClient, engine: Engine, staff: dict[str, str]
) -> None:
    ids = seed_many(engine, 120)
    newest = list(reversed(ids))
    signed_in_client(web, "sam")

    first = web.get(PATH).text
    assert listed(first) == newest[:50]
    assert "More than" not in first and "120 conversations." in first
    older = re.search(r'<a href="([^"]+)" rel="next">Older →</a>', first)[1]
    assert older == f"{PATH}?before={newest[49]}"
    assert 'rel="prev"' not in first and ">Newest</a>" not in first

    second = web.get(older).text
    assert listed(second) == newest[50:100]
    third_url = re.search(r'<a href="([^"]+)" rel="next">', second)[1]
    third = web.get(third_url).text
    assert listed(third) == newest[100:]
    assert 'rel="next"' not in third and ">Newest</a>" in third

    back = re.search(r'<a href="([^"]+)" rel="prev">← Newer</a>', third)[1]
    assert back == f"{PATH}?after={newest[100]}"
    assert listed(web.get(back).text) == newest[50:100]
    back_again = re.search(r'<a href="([^"]+)" rel="prev">', web.get(back).text)[1]
    assert listed(web.get(back_again).text) == newest[:50]


def test_a_new_conversation_does_not_shift_the_older_pages(
    app: FastAPI, web: TestClient, engine: Engine, staff: dict[str, str]
) -> None:
    newest = list(reversed(seed_many(engine, 60)))
    signed_in_client(web, "sam")
    older = f"{PATH}?before={newest[49]}"
    before = listed(web.get(older).text)
    seed_many(engine, 1, first=60)
    assert listed(web.get(older).text) == before == newest[50:]


def test_the_pages_keep_the_filters(
    app: FastAPI, web: TestClient, engine: Engine, staff: dict[str, str]
) -> None:
    seed_many(engine, 55)
    signed_in_client(web, "sam")
    page = web.get(PATH, params={"channel": "chat", "q": "message"}).text
    assert re.search(
        r'href="/console/conversations\?q=message&amp;channel=chat&amp;before=\d+" rel="next"', page
    )


def test_the_count_stops_at_its_cap(
    app: FastAPI, web: TestClient, engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_many(engine, 5)
    monkeypatch.setattr(section, "COUNT_CAP", 3)
    signed_in_client(web, "sam")
    assert "More than 3 conversations." in web.get(PATH).text


def test_an_unknown_cursor_gives_the_first_page(web: TestClient, seeded: Seeded) -> None:
    signed_in_client(web, "sam")
    assert listed(web.get(f"{PATH}?before=99999").text) == [seeded.dispute, seeded.plan, seeded.hardship]
    assert listed(web.get(f"{PATH}?after={seeded.dispute}").text) == [
        seeded.dispute,
        seeded.plan,
        seeded.hardship,
    ]


def walk(web: TestClient, url: str, rel: str) -> list[list[int]]:
    """The conversations of each page from `url` on, following the links `rel` ("next": older)."""
    found = []
    while url:
        page = web.get(url.replace("&amp;", "&")).text
        found.append(listed(page))
        link = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
        url = link[1] if link else ""
        assert len(found) < 200, "the pages do not end"
    return found


@pytest.mark.parametrize("window", [3, 7, 1000])
@pytest.mark.parametrize(
    "query", [{"q": "message"}, {"q": "message 1"}, {"q": "bonjour"}, {"q": "job", "flag": "hardship"}]
)
def test_a_common_word_is_searched_a_window_at_a_time_and_finds_the_same(
    app: FastAPI,
    web: TestClient,
    engine: Engine,
    staff: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    window: int,
    query: dict[str, str],
) -> None:
    """Page after page, the windows of newest conversations find what the index finds, in the same
    order; a page may hold fewer (none) when its window held fewer, and going back ends on the first."""
    seed_many(engine, 120)
    seed(engine)
    signed_in_client(web, "sam")
    first = f"{PATH}?{urlencode(query)}"
    expected = walk(web, first, "next")

    monkeypatch.setattr(section_list, "is_common", lambda db, words: True)
    monkeypatch.setattr(section_list, "SEARCH_WINDOW", window)
    pages = walk(web, first, "next")
    assert [i for page in pages for i in page] == [i for page in expected for i in page]
    assert all(len(page) <= 50 for page in pages)
    if window > 123:  # one window holds every conversation: the same pages
        assert pages == expected
    back = walk(web, _last_url(web, first), "prev")
    assert back[-1] == pages[0]


def _last_url(web: TestClient, url: str) -> str:
    while True:
        page = web.get(url.replace("&amp;", "&")).text
        link = re.search(r'<a href="([^"]+)" rel="next">', page)
        if not link:
            return url
        url = link[1]


def test_a_window_without_the_word_says_so_and_leads_further(
    app: FastAPI, web: TestClient, engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_many(engine, 10)
    seed(engine)
    monkeypatch.setattr(section_list, "is_common", lambda db, words: True)
    monkeypatch.setattr(section_list, "SEARCH_WINDOW", 4)
    signed_in_client(web, "sam")
    page = web.get(PATH, params={"q": "message 2"}).text  # the 4 newest do not hold it
    assert listed(page) == []
    assert "None of the conversations looked at for this page holds these words" in page
    assert re.search(r'<a href="[^"]+before=\d+" rel="next">Older →</a>', page)


# ---- one conversation ------------------------------------------------------------------------------------


def test_a_conversation_shows_its_turns_decisions_and_account(
    web: TestClient, engine: Engine, seeded: Seeded
) -> None:
    signed_in_client(web, "sam")
    page = web.get(f"{PATH}/{seeded.dispute}")
    assert page.status_code == 200
    text = page.text
    assert f"<h1>Conversation {seeded.dispute}</h1>" in text
    turns = re.findall(r'<li class="turn turn--(\w+)" id="turn-\d+">', text)
    assert turns == ["bot", "debtor", "bot"]
    assert '<time datetime="2026-11-20T09:01:00+00:00">09:01:00</time>' in text
    assert "intent <strong>dispute</strong>, confidence" in text and 'value="0.87"' in text
    # The decision sits under the turn it followed: after the debtor's words, before the bot's reply.
    debtor_turn = text.index("turn--debtor")
    decision = text.index('<span class="decision__action">dispute.opened</span>')
    assert debtor_turn < decision < text.rindex("turn--bot")
    assert "<dt>reason</dt><dd>never_ordered</dd>" in text and "<dt>conversation id</dt>" not in text
    assert "<dt>attempts</dt><dd>1</dd>" in text
    assert '<li class="flag flag--dispute"' in text and '<li class="flag flag--handoff"' in text
    # The account beside it: the name in full, the contact data masked.
    assert "<dd>Jeanne Dupont</dd>" in text and "€51.10" in text and "<dd>disputed</dd>" in text
    assert "Hébergeur Exemple SAS" in text
    assert "+336••••••12" in text and "j•••@example.fr" in text and "•• rue des Lilas" in text
    assert "+33639980012" not in text and "jeanne.dupont@" not in text and "12 rue des Lilas" not in text
    assert "Conteste la facture &lt;b&gt;F-2026&lt;/b&gt;" in text  # the handoff's summary, escaped
    assert "<audio" not in text


def test_the_page_lists_what_was_recorded_about_the_conversation(
    web: TestClient, engine: Engine, seeded: Seeded
) -> None:
    """Entries naming it while it ran, and entries about it as a whole whenever they came; not another
    conversation's, nor one naming it a week later (the details are only looked up over its span)."""
    entries = [
        ("identity.verified", "account", "1", {"conversation_id": seeded.dispute}, at(20, 8, 59, 30)),
        ("review.noted", "conversation", str(seeded.dispute), {"note": "tone <i>ok</i>"}, at(27)),
        ("promise.recorded", "promise_to_pay", "3", {"conversation_id": seeded.plan}, at(20, 9, 1)),
        ("late.entry", "account", "1", {"conversation_id": seeded.dispute}, at(27)),
    ]
    with session_scope(engine) as db:
        for action, entity, entity_id, details, moment in entries:
            db.add(AuditEntry(at=moment, actor="system", action=action, entity=entity, entity_id=entity_id,
                              details=details))  # fmt: skip
    signed_in_client(web, "sam")
    text = web.get(f"{PATH}/{seeded.dispute}").text
    actions = re.findall(r'<span class="decision__action">([^<]+)</span>', text)
    assert actions == ["identity.verified", "dispute.opened", "review.noted"]
    # Before the first turn: above the transcript; after the last: under it.
    assert text.index("identity.verified") < text.index('<ol class="turns">') < text.index("review.noted")
    assert "tone &lt;i&gt;ok&lt;/i&gt;" in text


def test_what_a_debtor_typed_is_shown_as_text(web: TestClient, seeded: Seeded) -> None:
    signed_in_client(web, "sam")
    text = web.get(f"{PATH}/{seeded.dispute}").text
    assert "<script" not in text
    assert (
        '<p class="turn__text">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; je conteste cette facture</p>'
        in text
    )


def test_opening_a_conversation_is_audited(web: TestClient, engine: Engine, seeded: Seeded) -> None:
    signed_in_client(web, "sam")
    web.get(f"{PATH}/{seeded.plan}")
    web.get(f"{PATH}/{seeded.plan}")
    entries = audit(engine, "conversation_opened")
    assert [(e.actor, e.entity, e.entity_id) for e in entries] == [
        ("user:sam", "conversation", str(seeded.plan))
    ] * 2
    # Readings are the audit log's, not the conversation's: the page does not list them.
    assert "conversation opened" not in web.get(f"{PATH}/{seeded.plan}").text


def test_a_recording_is_played_through_the_console_and_only_from_twilio(
    web: TestClient, seeded: Seeded
) -> None:
    signed_in_client(web, "sam")
    text = web.get(f"{PATH}/{seeded.plan}").text
    player = f'<audio controls preload="none" src="{PATH}/{seeded.plan}/recordings/RE00.mp3"></audio>'
    assert player in text and text.count("<audio") == 1
    assert RECORDING_URL not in text  # the console fetches it with the account's credentials
    assert "Call recording, 93 s" in text
    assert "javascript:" not in text
    assert "<dd>Hans Müller</dd>" in text and "Wolkenwerk Hosting GmbH" in text
    assert "The assistant kept this conversation." in text


def test_a_conversation_without_account_says_so(web: TestClient, seeded: Seeded) -> None:
    signed_in_client(web, "sam")
    text = web.get(f"{PATH}/{seeded.hardship}").text
    assert "No account is linked: the person was not identified." in text
    assert '<p class="party">chat•••</p>' in text


def test_an_unknown_conversation_is_a_404(web: TestClient, seeded: Seeded, engine: Engine) -> None:
    signed_in_client(web, "sam")
    assert web.get(f"{PATH}/99999").status_code == 404
    assert web.get(f"{PATH}/abc").status_code == 400
    assert audit(engine, "conversation_opened") == []


def test_no_inline_script_or_style(web: TestClient, seeded: Seeded) -> None:
    signed_in_client(web, "sam")
    for path in (PATH, f"{PATH}?q=bonjour", f"{PATH}/{seeded.dispute}", f"{PATH}/{seeded.plan}"):
        page = web.get(path)
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        assert page.headers["cache-control"] == "no-store"
        assert "<script" not in page.text and "<style" not in page.text and " style=" not in page.text
        assert not re.search(r"\son[a-z]+=", page.text)
        assert '<link rel="stylesheet" href="/console/static/conversations.css">' in page.text


# ---- roles -----------------------------------------------------------------------------------------------


def test_signing_in_is_needed(web: TestClient, seeded: Seeded) -> None:
    for path in (f"{PATH}?channel=sms", f"{PATH}.csv", f"{PATH}/{seeded.dispute}"):
        answer = web.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login?next=")


def test_an_admin_reads_no_conversation(web: TestClient, seeded: Seeded) -> None:
    signed_in_client(web, "ada")
    for path in (PATH, f"{PATH}.csv", f"{PATH}/{seeded.dispute}"):
        assert web.get(path).status_code == 403


def test_an_advisor_sees_the_handed_over_conversations_only(
    web: TestClient, engine: Engine, seeded: Seeded
) -> None:
    signed_in_client(web, "val")
    page = web.get(PATH).text
    assert listed(page) == [seeded.dispute, seeded.hardship]
    assert "The conversations handed over to a person." in page
    assert "Export CSV" not in page
    assert listed(web.get(PATH, params={"q": "Ratenzahlung"}).text) == []
    assert web.get(f"{PATH}/{seeded.dispute}").status_code == 200
    refused = web.get(f"{PATH}/{seeded.plan}")
    assert refused.status_code == 403 and "handed over to a person" in refused.text
    assert web.get(f"{PATH}.csv").status_code == 403
    assert [e.entity_id for e in audit(engine, "conversation_opened")] == [str(seeded.dispute)]


# ---- CSV -------------------------------------------------------------------------------------------------


def rows_of(answer_text: str) -> list[dict[str, str]]:
    assert answer_text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(answer_text[1:])))


def test_the_csv_has_the_filtered_list_masked(web: TestClient, engine: Engine, seeded: Seeded) -> None:
    signed_in_client(web, "sam")
    page = web.get(PATH, params={"language": "fr"}).text
    assert '<a class="button button--secondary" href="/console/conversations.csv?language=fr">' in page

    answer = web.get(f"{PATH}.csv", params={"language": "fr"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == 'attachment; filename="conversations-20261123-0800.csv"'
    assert answer.headers["cache-control"] == "no-store"
    rows = rows_of(answer.text)
    assert rows == [
        {
            "conversation": str(seeded.dispute),
            "started_at_utc": "2026-11-20T09:00:00+00:00",
            "channel": "sms",
            "direction": "inbound",
            "language": "fr",
            "status": "open",
            "party": "'+336••••••12",  # a leading + would be a formula in a spreadsheet
            "debtor": "Jeanne D.",
            "account": rows[0]["account"],
            "account_status": "disputed",
            "flags": "dispute handoff",
            "turns": "3",
            "review": "unreviewed",
        }
    ]
    assert rows[0]["account"].startswith("HEB-")
    assert "+33639980012" not in answer.text and "Dupont" not in answer.text

    [entry] = audit(engine, "conversations_exported")
    assert entry.actor == "user:sam" and entry.entity == "conversation" and entry.entity_id is None
    assert entry.details == {"filter": {"language": "fr"}, "rows": 1, "truncated": False}


def test_the_csv_stops_at_its_limit_and_says_so_in_the_audit(
    web: TestClient, engine: Engine, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(section, "EXPORT_LIMIT", 2)
    signed_in_client(web, "sam")
    rows = rows_of(web.get(f"{PATH}.csv").text)
    assert [int(r["conversation"]) for r in rows] == [seeded.dispute, seeded.plan]
    [entry] = audit(engine, "conversations_exported")
    assert entry.details == {"filter": {}, "rows": 2, "truncated": True}


def test_a_name_that_looks_like_a_formula_is_defused(web: TestClient, engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as db:
        account = make_account(db, first_name='=HYPERLINK("http://x")', last_name="Evil")
        conversation = open_conversation(
            db, channel=Channel.SMS, party="+33600000001", debtor_id=account.debtor_id, account_id=account.id
        )
        conversation.started_at = at(21)
    signed_in_client(web, "sam")
    rows = rows_of(web.get(f"{PATH}.csv").text)
    assert rows[0]["debtor"] == '\'=HYPERLINK("http://x") E.'
