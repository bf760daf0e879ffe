"""The filters of the conversation list, read from the query string so that a filtered list has a URL.

    /console/conversations?q=virement&channel=sms&flag=dispute&account_status=disputed&campaign=3
        &language=fr&from=2026-01-01&to=2026-03-31

An empty field is no filter (an HTML form sends every field); a value outside its vocabulary is a 400.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import HTTPException, Query, status

from debt.models import AccountStatus, Channel, ConversationFlag, Language, ReviewCategory, ReviewStatus

MAX_SEARCH_LENGTH = 200
# The words of a search: runs of letters and digits, as PostgreSQL's parser reads them (an underscore
# separates words there too). Each is a substring of any text the search matches.
_WORD = re.compile(r"[^\W_]+")
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class ConversationFilter:
    q: str = ""
    channel: Channel | None = None
    flag: ConversationFlag | None = None
    account_status: AccountStatus | None = None
    campaign: int | None = None
    language: Language | None = None
    date_from: date | None = None
    date_to: date | None = None
    review: ReviewStatus | None = None  # supervisors only, as the two below
    issue: ReviewCategory | None = None  # conversations with an issue of this category marked

    @property
    def about_review(self) -> bool:
        return self.review is not None or self.issue is not None

    @property
    def words(self) -> list[str]:
        """The words searched for in the transcripts; none means no search."""
        return _WORD.findall(self.q.lower())

    @property
    def active(self) -> bool:
        return bool(self.as_params())

    def as_params(self) -> dict[str, str]:
        """The query-string fields of the filter, without the empty ones."""
        names = {"date_from": "from", "date_to": "to"}
        return {
            names.get(key, key): str(value.value if isinstance(value, StrEnum) else value)
            for key, value in asdict(self).items()
            if value not in (None, "")
        }

    def url(self, path: str, **extra: Any) -> str:
        params = {**self.as_params(), **{k: str(v) for k, v in extra.items() if v is not None}}
        return f"{path}?{urlencode(params)}" if params else path


def _choice(kind: type[E], value: str, label: str) -> E | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"The {label} is one of {allowed}.") from None


def _day(value: str, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"The {label} is a date: YYYY-MM-DD.") from None


def _campaign(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "The campaign is a campaign's number.")
    return int(value)


def conversation_filter(
    q: str = "",
    channel: str = "",
    flag: str = "",
    account_status: str = "",
    campaign: str = "",
    language: str = "",
    date_from: str = Query("", alias="from"),
    date_to: str = Query("", alias="to"),
    review: str = "",
    issue: str = "",
) -> ConversationFilter:
    """The dependency that reads the filter of a request (the list page and its CSV)."""
    q = " ".join(q.split())
    if len(q) > MAX_SEARCH_LENGTH:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"A search has at most {MAX_SEARCH_LENGTH} characters."
        )
    found = ConversationFilter(
        q=q,
        channel=_choice(Channel, channel, "channel"),
        flag=_choice(ConversationFlag, flag, "flag"),
        account_status=_choice(AccountStatus, account_status, "account status"),
        campaign=_campaign(campaign),
        language=_choice(Language, language, "language"),
        date_from=_day(date_from, "start date"),
        date_to=_day(date_to, "end date"),
        review=_choice(ReviewStatus, review, "review status"),
        issue=_choice(ReviewCategory, issue, "issue category"),
    )
    if found.date_from and found.date_to and found.date_from > found.date_to:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "The start date is after the end date.")
    return found
