"""call_twilio: what the twilio library raises becomes one of our three kinds of failure."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioException
from twilio.http.response import Response

from integrations.twilio_rest import TwilioRejected, TwilioThrottled, TwilioUnavailable, call_twilio


def _page_refused(status: int | None) -> None:
    # What the library's list() raises when a page is refused: its base exception with the answer.
    args: tuple = (
        ("Unable to fetch page",) if status is None else ("Unable to fetch page", Response(status, "{}"))
    )
    raise TwilioException(*args)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (429, TwilioThrottled),
        (500, TwilioUnavailable),
        (503, TwilioUnavailable),
        (404, TwilioRejected),
        (None, TwilioUnavailable),
    ],
)
def test_a_refused_list_page_is_one_of_our_failures(status: int | None, kind: type) -> None:
    with pytest.raises(kind) as raised:
        call_twilio(lambda: _page_refused(status))
    assert raised.value.status == status and "Unable to fetch page" in str(raised.value)
    if isinstance(raised.value, TwilioUnavailable):
        assert raised.value.maybe_sent is False  # a read: asking again does no harm
