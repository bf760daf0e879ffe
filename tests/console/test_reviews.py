"""Quality review on SQLite: marks on a conversation and its turns, the review status, the list filters
on them, who may review, what a refused form leaves behind, the audit."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from console.review_marks import MAX_COMMENT
from debt.models import AuditEntry, ConversationReview, ReviewMark, Turn
from tests.console.helpers import ORIGIN, add_user, signed_in_client
from tests.console.test_conversations import PATH, Seeded, listed, seed

TAG = "<img src=x onerror=alert(1)>"


@pytest.fixture
def seeded(engine: Engine, staff: dict[str, str]) -> Seeded:
    return seed(engine)


def post(web: TestClient, path: str, csrf: str, **fields: str) -> Response:
    return web.post(path, data={"csrf": csrf, **fields}, headers={"Origin": ORIGIN})


def turn_of(engine: Engine, conversation_id: int, seq: int) -> int:
    with Session(engine) as db:
        turn = db.exec(select(Turn).where(Turn.conversation_id == conversation_id, Turn.seq == seq)).one()
        assert turn.id is not None
        return turn.id


def marks(engine: Engine) -> list[ReviewMark]:
    with Session(engine) as db:
        return list(db.exec(select(ReviewMark).order_by(col(ReviewMark.id))).all())


def entries(engine: Engine, action: str) -> list[AuditEntry]:
    with Session(engine) as db:
        return list(db.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


def test_a_supervisor_marks_a_turn_as_an_issue_and_sees_it_under_the_turn(
    web: TestClient, seeded: Seeded, engine: Engine
) -> None:
    csrf = signed_in_client(web, "sam")
    page = web.get(f"{PATH}/{seeded.dispute}").text
    assert "Not reviewed" in page and "Mark this turn" in page and "Mark the conversation" in page
    turn = turn_of(engine, seeded.dispute, 2)

    answer = post(
        web,
        f"{PATH}/{seeded.dispute}/marks",
        csrf,
        turn_id=str(turn),
        verdict="issue",
        category="wrong_understanding",
        comment=f"Took a dispute for a greeting {TAG}",
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{PATH}/{seeded.dispute}#turn-2"

    [mark] = marks(engine)
    assert (mark.turn_id, mark.verdict, mark.category) == (turn, "issue", "wrong_understanding")
    page = web.get(f"{PATH}/{seeded.dispute}").text
    assert "Issue: Wrong understanding" in page and "Sam Supervisor" in page
    assert TAG not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "In review" in page and "1 issue marked" in page  # the first mark starts the review
    assert '<span class="decision__action">review' not in page  # the review is not the conversation's
    [entry] = entries(engine, "review_marked")
    assert entry.actor == "user:sam" and entry.entity_id == str(seeded.dispute)
    assert entry.details == {
        "mark_id": mark.id,
        "turn_id": turn,
        "verdict": "issue",
        "category": "wrong_understanding",
    }


def test_a_mark_on_the_whole_conversation_and_a_plain_comment(
    web: TestClient, seeded: Seeded, engine: Engine
) -> None:
    csrf = signed_in_client(web, "sam")
    first = post(web, f"{PATH}/{seeded.plan}/marks", csrf, verdict="fine", comment="Clear and polite.")
    assert first.status_code == 303 and first.headers["location"].endswith("#review")
    post(web, f"{PATH}/{seeded.plan}/marks", csrf, verdict="comment", comment="Listen to the recording.")
    assert [(m.turn_id, m.verdict, m.category) for m in marks(engine)] == [
        (None, "fine", None),
        (None, "comment", None),
    ]
    page = web.get(f"{PATH}/{seeded.plan}").text
    assert "Clear and polite." in page and "Listen to the recording." in page
    assert "issue marked" not in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"verdict": "issue"}, "an issue needs its category"),
        ({"verdict": "issue", "category": "rudeness"}, "an issue needs its category"),
        ({"verdict": "fine", "category": "tone"}, "only an issue has a category"),
        ({"verdict": "comment", "comment": "   "}, "a comment needs its text"),
        ({"verdict": "great"}, "choose fine, issue or comment"),
        ({"verdict": ""}, "choose fine, issue or comment"),
        ({"verdict": "fine", "comment": "x" * (MAX_COMMENT + 1)}, f"at most {MAX_COMMENT} characters"),
        ({"verdict": "fine", "turn_id": "abc"}, "the turn is a turn&#39;s number"),
    ],
)
def test_a_malformed_mark_is_refused_and_saves_nothing(
    web: TestClient, seeded: Seeded, engine: Engine, fields: dict[str, str], message: str
) -> None:
    csrf = signed_in_client(web, "sam")
    answer = post(web, f"{PATH}/{seeded.dispute}/marks", csrf, **fields)
    assert answer.status_code == 400 and message in answer.text
    assert marks(engine) == [] and entries(engine, "review_marked") == []
    with Session(engine) as db:
        assert db.exec(select(ConversationReview)).all() == []


def test_a_turn_of_another_conversation_and_an_unknown_conversation(
    web: TestClient, seeded: Seeded, engine: Engine
) -> None:
    csrf = signed_in_client(web, "sam")
    other = turn_of(engine, seeded.plan, 1)
    answer = post(web, f"{PATH}/{seeded.dispute}/marks", csrf, verdict="fine", turn_id=str(other))
    assert answer.status_code == 400 and "this turn is not in the conversation" in answer.text
    assert post(web, f"{PATH}/999999/marks", csrf, verdict="fine").status_code == 404
    assert post(web, f"{PATH}/999999/review", csrf, review="reviewed").status_code == 404
    assert marks(engine) == []


def test_only_its_author_withdraws_a_mark_which_stays_on_record(
    web: TestClient, seeded: Seeded, engine: Engine, clock
) -> None:
    add_user(engine, "kim", "supervisor", name="Kim Supervisor")
    csrf = signed_in_client(web, "sam")
    turn = turn_of(engine, seeded.dispute, 3)
    post(web, f"{PATH}/{seeded.dispute}/marks", csrf, turn_id=str(turn), verdict="issue", category="tone")
    [mark] = marks(engine)

    other = TestClient(web.app, follow_redirects=False)
    theirs = signed_in_client(other, "kim")
    assert "Withdraw" not in other.get(f"{PATH}/{seeded.dispute}").text
    refused = post(other, f"{PATH}/{seeded.dispute}/marks/{mark.id}/withdraw", theirs)
    assert refused.status_code == 400 and "only its author withdraws a mark" in refused.text
    assert post(other, f"{PATH}/{seeded.plan}/marks/{mark.id}/withdraw", theirs).status_code == 404

    assert "Withdraw" in web.get(f"{PATH}/{seeded.dispute}").text
    answer = post(web, f"{PATH}/{seeded.dispute}/marks/{mark.id}/withdraw", csrf)
    assert answer.status_code == 303 and answer.headers["location"].endswith("#turn-3")
    page = web.get(f"{PATH}/{seeded.dispute}").text
    assert "Issue: Tone" not in page and "issue marked" not in page
    [kept] = marks(engine)
    assert kept.withdrawn_at == clock.now
    assert len(entries(engine, "review_mark_withdrawn")) == 1


def test_the_review_status_and_the_list_filters_on_it(
    web: TestClient, seeded: Seeded, engine: Engine
) -> None:
    csrf = signed_in_client(web, "sam")
    answer = post(web, f"{PATH}/{seeded.plan}/review", csrf, review="reviewed")
    assert answer.status_code == 303 and answer.headers["location"].endswith("#review")
    post(web, f"{PATH}/{seeded.dispute}/marks", csrf, verdict="issue", category="compliance")
    post(web, f"{PATH}/{seeded.dispute}/review", csrf, review="follow_up")
    assert post(web, f"{PATH}/{seeded.dispute}/review", csrf, review="done").status_code == 400

    assert listed(web.get(f"{PATH}?review=reviewed").text) == [seeded.plan]
    assert listed(web.get(f"{PATH}?review=follow_up").text) == [seeded.dispute]
    assert listed(web.get(f"{PATH}?review=unreviewed").text) == [seeded.hardship]
    assert listed(web.get(f"{PATH}?review=in_review").text) == []
    assert listed(web.get(f"{PATH}?issue=compliance").text) == [seeded.dispute]
    assert listed(web.get(f"{PATH}?issue=tone").text) == []
    assert "The review status is one of" in web.get(f"{PATH}?review=maybe").text

    page = web.get(PATH).text
    assert '<td class="nowrap review-cell review-cell--follow_up">Follow-up needed</td>' in page
    assert '<option value="follow_up">Follow-up needed</option>' in page
    detail = web.get(f"{PATH}/{seeded.dispute}").text
    assert '<option value="follow_up" selected>Follow-up needed</option>' in detail

    [*_, last] = entries(engine, "review_status_set")
    assert last.details == {"status": "follow_up", "was": "in_review"}
    rows = list(csv.reader(io.StringIO(web.get(f"{PATH}.csv").text.lstrip("\ufeff"))))
    assert rows[0][-1] == "review"
    assert {row[0]: row[-1] for row in rows[1:]} == {
        str(seeded.dispute): "follow_up",
        str(seeded.plan): "reviewed",
        str(seeded.hardship): "unreviewed",
    }


def test_setting_the_same_status_again_records_nothing(
    web: TestClient, seeded: Seeded, engine: Engine
) -> None:
    csrf = signed_in_client(web, "sam")
    post(web, f"{PATH}/{seeded.plan}/review", csrf, review="reviewed")
    post(web, f"{PATH}/{seeded.plan}/review", csrf, review="reviewed")
    assert len(entries(engine, "review_status_set")) == 1


def test_advisors_and_admins_do_not_review(web: TestClient, seeded: Seeded, engine: Engine) -> None:
    csrf = signed_in_client(web, "val")
    page = web.get(f"{PATH}/{seeded.dispute}").text  # handed over: an advisor reads it
    assert "Ratenzahlung" not in page and "Mark this turn" not in page and 'id="review"' not in page
    assert "Review" not in web.get(PATH).text.split("<table")[1].split("</thead>")[0]
    assert web.get(f"{PATH}?review=reviewed").status_code == 403
    assert post(web, f"{PATH}/{seeded.dispute}/marks", csrf, verdict="fine").status_code == 403
    assert post(web, f"{PATH}/{seeded.dispute}/review", csrf, review="reviewed").status_code == 403

    admin = TestClient(web.app, follow_redirects=False)
    theirs = signed_in_client(admin, "ada")
    assert post(admin, f"{PATH}/{seeded.dispute}/marks", theirs, verdict="fine").status_code == 403
    assert marks(engine) == []


def test_a_mark_needs_a_session_and_its_csrf_token(web: TestClient, seeded: Seeded, engine: Engine) -> None:
    answer = web.post(f"{PATH}/{seeded.dispute}/marks", data={"verdict": "fine"}, headers={"Origin": ORIGIN})
    assert answer.status_code in (303, 401, 403)
    signed_in_client(web, "sam")
    forged = post(web, f"{PATH}/{seeded.dispute}/marks", "not-the-token", verdict="fine")
    assert forged.status_code == 403
    assert marks(engine) == []
