"""The conversation list: one filtered query, newest first, paged by keyset, shown masked.

Keyset pagination on (started_at, id): a page after `before=<id>` holds the conversations that started
before that one, so a deep page costs what the first one costs and a conversation arriving meanwhile
shifts nothing. `after=<id>` walks back towards the newest.

A page is found as ids first (the filters, the search, the order and the limit), then only those rows
are read with their account and debtor: a search may match thousands of conversations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlmodel import Session, col

from console.conversation_filters import ConversationFilter
from console.conversation_masking import mask_name, mask_party
from console.conversation_search import conversations_with, is_common, transcript_has
from debt.models import (
    Account,
    CampaignTarget,
    Conversation,
    ConversationFlagRow,
    ConversationReview,
    Debtor,
    Handoff,
    ReviewMark,
    ReviewStatus,
    ReviewVerdict,
    Turn,
)

PAGE_SIZE = 50
COUNT_CAP = 1000  # beyond it the page says "more than 1,000"
SEARCH_WINDOW = 1000  # conversations checked at a time for a common word


@dataclass(frozen=True)
class ListedConversation:
    """One row of the list or the CSV, with the person masked."""

    id: int
    started_at: datetime
    channel: str
    direction: str
    language: str | None
    status: str
    party: str
    debtor: str | None
    account_ref: str | None
    account_status: str | None
    flags: tuple[str, ...]
    turns: int
    review: str  # a ReviewStatus


@dataclass(frozen=True)
class ConversationPage:
    rows: list[ListedConversation]
    newer: int | None  # for ?after=: the first row, when newer conversations exist
    older: int | None  # for ?before=: the last row, when older conversations exist


def _conditions(filters: ConversationFilter, handed_off_only: bool) -> list[ColumnElement[bool]]:
    """Every filter but the search."""
    conditions: list[ColumnElement[bool]] = []
    if filters.channel:
        conditions.append(col(Conversation.channel) == filters.channel)
    if filters.language:
        conditions.append(col(Conversation.language) == filters.language)
    if filters.date_from:
        conditions.append(col(Conversation.started_at) >= datetime.combine(filters.date_from, time(), UTC))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), UTC)
        conditions.append(col(Conversation.started_at) < end)
    if filters.account_status:
        conditions.append(col(Account.status) == filters.account_status)
    if filters.flag:
        conditions.append(
            exists().where(
                col(ConversationFlagRow.conversation_id) == col(Conversation.id),
                col(ConversationFlagRow.flag) == filters.flag,
            )
        )
    if filters.campaign is not None:
        # A conversation belongs to a campaign when its account is one of the campaign's targets.
        conditions.append(
            exists().where(
                col(CampaignTarget.campaign_id) == filters.campaign,
                col(CampaignTarget.account_id) == col(Conversation.account_id),
            )
        )
    if filters.review is not None:
        conditions.append(_review_is(filters.review))
    if filters.issue is not None:
        conditions.append(
            exists().where(
                col(ReviewMark.conversation_id) == col(Conversation.id),
                col(ReviewMark.verdict) == ReviewVerdict.ISSUE,
                col(ReviewMark.category) == filters.issue,
                col(ReviewMark.withdrawn_at).is_(None),
            )
        )
    if handed_off_only:
        conditions.append(exists().where(col(Handoff.conversation_id) == col(Conversation.id)))
    return conditions


def _review_is(wanted: ReviewStatus) -> ColumnElement[bool]:
    """A conversation without a review row is unreviewed."""
    if wanted == ReviewStatus.UNREVIEWED:
        return ~exists().where(
            col(ConversationReview.conversation_id) == col(Conversation.id),
            col(ConversationReview.status) != ReviewStatus.UNREVIEWED,
        )
    return exists().where(
        col(ConversationReview.conversation_id) == col(Conversation.id),
        col(ConversationReview.status) == wanted,
    )


def matching(
    db: Session, filters: ConversationFilter, handed_off_only: bool = False, *, search: bool = True
) -> Select:
    """The ids and start times of the conversations that pass the filter (the search too, unless
    `search` is False); the account is joined only when its status is asked for."""
    query = select(Conversation.id, Conversation.started_at).select_from(Conversation)
    if filters.account_status:
        query = query.join(Account, col(Account.id) == col(Conversation.account_id))
    query = query.where(*_conditions(filters, handed_off_only))
    if search and filters.words:
        query = query.where(transcript_has(db, filters.words))
    return query


def _time_order(newest_first: bool) -> tuple[ColumnElement, ColumnElement]:
    started, key = col(Conversation.started_at), col(Conversation.id)
    return (started.desc(), key.desc()) if newest_first else (started.asc(), key.asc())


def _beyond(moment: datetime, conversation_id: int, *, older: bool) -> ColumnElement[bool]:
    # Written as a range on started_at plus a tie-break, so the started_at index bounds the scan.
    started, key = col(Conversation.started_at), col(Conversation.id)
    if older:
        return and_(started <= moment, or_(started < moment, key < conversation_id))
    return and_(started >= moment, or_(started > moment, key > conversation_id))


@dataclass(frozen=True)
class _Scan:
    """What one look at the conversations past a cursor found, in the order it looked."""

    ids: list[int]  # the matching conversations, at most the limit asked for
    first: int | None  # the first conversation looked at: a cursor back to this scan
    resume: Any | None  # the last one looked at (id, started_at), when more may match beyond it


def _scan(
    db: Session,
    filters: ConversationFilter,
    handed_off_only: bool,
    beyond: list[ColumnElement[bool]],
    *,
    newest_first: bool,
    limit: int,
) -> _Scan:
    """Up to `limit` matching conversations in time order past the cursor (`beyond`).

    A common word is checked on SEARCH_WINDOW candidates at most (the other filters passed): a page may
    then hold fewer than `limit`, even none, and the next page goes on after the last candidate. Each
    page costs one window, whatever the filters make of the word; searching all candidates at once
    would cost up to a second when the word is rare among them (French "bonjour" in German calls).
    """
    order = _time_order(newest_first)
    if not (filters.words and is_common(db, filters.words)):
        query = matching(db, filters, handed_off_only).where(*beyond).order_by(*order).limit(limit + 1)
        found = db.exec(query).all()
        page = found[:limit]
        return _Scan(
            [row.id for row in page], found[0].id if found else None, page[-1] if len(found) > limit else None
        )
    candidates = matching(db, filters, handed_off_only, search=False).where(*beyond).order_by(*order)
    looked_at = db.exec(candidates.limit(SEARCH_WINDOW + 1)).all()
    window = looked_at[:SEARCH_WINDOW]
    hits = conversations_with(db, [row.id for row in window], filters.words)
    found = [row for row in window if row.id in hits]
    first = window[0].id if window else None
    if len(found) > limit:
        return _Scan([row.id for row in found[:limit]], first, found[limit - 1])
    return _Scan([row.id for row in found], first, window[-1] if len(looked_at) > SEARCH_WINDOW else None)


def _rows(db: Session, ids: list[int]) -> list[Any]:
    """The conversations of `ids` with their account and debtor, in the order of `ids`."""
    if not ids:
        return []
    found = db.exec(
        select(
            Conversation.id,
            Conversation.started_at,
            Conversation.channel,
            Conversation.direction,
            Conversation.language,
            Conversation.status,
            Conversation.party,
            Account.account_ref,
            col(Account.status).label("account_status"),
            Debtor.first_name,
            Debtor.last_name,
        )
        .outerjoin(Account, col(Account.id) == col(Conversation.account_id))
        .outerjoin(Debtor, col(Debtor.id) == col(Conversation.debtor_id))
        .where(col(Conversation.id).in_(ids))
    ).all()
    by_id = {row.id: row for row in found}
    return [by_id[i] for i in ids]


def _started_at(db: Session, conversation_id: int) -> datetime | None:
    return db.scalar(select(Conversation.started_at).where(col(Conversation.id) == conversation_id))


def find_conversations(
    db: Session,
    filters: ConversationFilter,
    *,
    handed_off_only: bool = False,
    before: int | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> ConversationPage:
    """A page of the list, newest first: the first page, the one older than `before`, or the one newer
    than `after`. An unknown cursor, nothing older, or nothing beyond the newer page gives the first."""
    cursor = before if before is not None else after
    moment = _started_at(db, cursor) if cursor is not None else None
    if cursor is not None and moment is not None:
        older = before is not None
        beyond = [_beyond(moment, cursor, older=older)]
        scan = _scan(db, filters, handed_off_only, beyond, newest_first=older, limit=limit)
        resume = scan.resume.id if scan.resume is not None else None
        if older and scan.first is not None:
            return ConversationPage(_listed(db, scan.ids), scan.first, resume)
        if not older and resume is not None:
            return ConversationPage(_listed(db, list(reversed(scan.ids))), resume, scan.first)
    scan = _scan(db, filters, handed_off_only, [], newest_first=True, limit=limit)
    return ConversationPage(_listed(db, scan.ids), None, scan.resume.id if scan.resume is not None else None)


def count_conversations(
    db: Session, filters: ConversationFilter, *, handed_off_only: bool = False, cap: int = COUNT_CAP
) -> int:
    """How many conversations match, counted up to `cap` + 1 (more means "more than cap")."""
    capped = matching(db, filters, handed_off_only).with_only_columns(Conversation.id).limit(cap + 1)
    return db.scalar(select(func.count()).select_from(capped.subquery())) or 0


def export_conversations(
    db: Session, filters: ConversationFilter, limit: int, *, handed_off_only: bool = False
) -> list[ListedConversation]:
    """The first `limit` rows of the list, newest first, for the CSV (scan after scan for a common word)."""
    ids: list[int] = []
    beyond: list[ColumnElement[bool]] = []
    while len(ids) < limit:
        scan = _scan(db, filters, handed_off_only, beyond, newest_first=True, limit=limit - len(ids))
        ids += scan.ids
        if scan.resume is None:
            break
        beyond = [_beyond(scan.resume.started_at, scan.resume.id, older=True)]
    return _listed(db, ids)


def _listed(db: Session, ids: list[int]) -> list[ListedConversation]:
    found = _rows(db, ids)
    flags: dict[int, list[str]] = defaultdict(list)
    turns: dict[int, int] = {}
    reviews: dict[int, str] = {}
    if ids:
        flag_rows = db.exec(
            select(ConversationFlagRow.conversation_id, ConversationFlagRow.flag)
            .where(col(ConversationFlagRow.conversation_id).in_(ids))
            .order_by(col(ConversationFlagRow.flag))
        ).all()
        for conversation_id, flag in flag_rows:
            flags[conversation_id].append(flag)
        turns = dict(
            db.exec(
                select(Turn.conversation_id, func.count())
                .where(col(Turn.conversation_id).in_(ids))
                .group_by(col(Turn.conversation_id))
            ).all()
        )
        reviews = dict(
            db.exec(
                select(ConversationReview.conversation_id, ConversationReview.status).where(
                    col(ConversationReview.conversation_id).in_(ids)
                )
            ).all()
        )
    return [
        ListedConversation(
            id=row.id,
            started_at=row.started_at,
            channel=row.channel,
            direction=row.direction,
            language=row.language,
            status=row.status,
            party=mask_party(row.party),
            debtor=mask_name(row.first_name, row.last_name) if row.first_name is not None else None,
            account_ref=row.account_ref,
            account_status=row.account_status,
            flags=tuple(flags[row.id]),
            turns=turns.get(row.id, 0),
            review=reviews.get(row.id, ReviewStatus.UNREVIEWED),
        )
        for row in found
    ]
