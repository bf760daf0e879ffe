"""Full-text search in the transcripts: which conversations have a turn with every word searched for.

On PostgreSQL the GIN index `ix_turn_text_search` (migration 0008) answers
`to_tsvector('simple', text) @@ plainto_tsquery('simple', ...)`; the expression here must stay the
index's, word for word, or the index is not used. The 'simple' configuration lowercases and keeps every
word: no stemming, no stop words, so one index serves French, German and English alike.

How the newest matching conversations are found depends on how common the rarest word is, read from
the statistics ANALYZE keeps on the index's lexemes (pg_stats.most_common_elems; a word not among them
is rare):
- a rare word (most searches): the index gives every matching turn, and only their conversations are
  sorted. A materialized CTE keeps it that way: PostgreSQL's own plan walks the newest conversations
  and reads every turn of each, which takes 0.4 s instead of 40 ms for a word in 0.5 % of 2,000,000 turns.
- a common word ("bonjour", "ich", in more than COMMON_SHARE of the turns): the index would hand over
  tens of thousands of turns, so the newest conversations are checked instead, a window at a time
  (console/conversation_list.py), each turn first by a cheap ILIKE on every word (a turn holding the
  words holds them as text) and only then by to_tsvector, which costs ten times more.

On SQLite (a developer's machine, the tests) each word is a LIKE '%word%' on the same turn: it finds
parts of words too, and ignores case for ASCII letters only.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from threading import Lock

from sqlalchemy import ColumnElement, and_, exists, func, literal_column, select, text
from sqlmodel import Session, col

from debt.models import Conversation, Turn

SEARCH_CONFIG = literal_column("'simple'")
INDEX = "ix_turn_text_search"
COMMON_SHARE = 0.01
STATISTICS_FOR = 600.0  # seconds: ANALYZE runs far less often than this is read

_shares: dict[str, tuple[float, dict[str, float]]] = {}
_shares_lock = Lock()


def _contains_every(words: Sequence[str]) -> ColumnElement[bool]:
    # Words are runs of letters and digits (ConversationFilter.words): nothing LIKE reads as a wildcard.
    return and_(*(col(Turn.text).ilike(f"%{word}%") for word in words))


def turn_matches(dialect: str, words: Sequence[str]) -> ColumnElement[bool]:
    """A turn whose text holds every word."""
    if dialect == "postgresql":
        document = func.to_tsvector(SEARCH_CONFIG, col(Turn.text))
        return document.op("@@")(func.plainto_tsquery(SEARCH_CONFIG, " ".join(words)))
    return _contains_every(words)


def is_common(db: Session, words: Sequence[str]) -> bool:
    """Every word is in more than COMMON_SHARE of the turns (PostgreSQL; never on SQLite)."""
    if db.get_bind().dialect.name != "postgresql":
        return False
    return min(word_share(db, word) for word in words) > COMMON_SHARE


def transcript_has(db: Session, words: Sequence[str]) -> ColumnElement[bool]:
    """A conversation with at least one matching turn, found from the turns (the index, on PostgreSQL)."""
    dialect = db.get_bind().dialect.name
    match = turn_matches(dialect, words)
    if dialect != "postgresql":
        return exists().where(col(Turn.conversation_id) == col(Conversation.id), match)
    hits = select(col(Turn.conversation_id)).where(match).cte("transcript_hits").prefix_with("MATERIALIZED")
    return col(Conversation.id).in_(hits.select())


def conversations_with(db: Session, conversation_ids: Sequence[int], words: Sequence[str]) -> set[int]:
    """Which of these conversations have a matching turn, checked turn by turn (for common words)."""
    if not conversation_ids:
        return set()
    dialect = db.get_bind().dialect.name
    query = (
        select(col(Turn.conversation_id))
        .distinct()
        .where(
            col(Turn.conversation_id).in_(conversation_ids),
            _contains_every(words),  # cheaper: evaluated first, to_tsvector only on the turns it lets through
            turn_matches(dialect, words),
        )
    )
    return set(db.scalars(query).all())


def word_share(db: Session, word: str) -> float:
    """The share of turns holding `word`, as last analyzed; 0 for a word too rare to be counted."""
    key = str(db.get_bind().url)
    now = time.monotonic()
    with _shares_lock:
        found = _shares.get(key)
    if found is None or found[0] < now:
        found = (now + STATISTICS_FOR, _read_shares(db))
        with _shares_lock:
            _shares[key] = found
    return found[1].get(word, 0.0)


def _read_shares(db: Session) -> dict[str, float]:
    row = db.execute(
        text(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
            " WHERE tablename = :index"
        ),
        {"index": INDEX},
    ).first()
    if row is None or row[0] is None:  # not analyzed yet: every word counts as rare
        return {}
    return dict(zip(row[0], row[1], strict=False))  # the frequencies end with three summary figures
