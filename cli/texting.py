"""`collect text FROM MESSAGE`: text the local gateway as a phone would, through Twilio's signed webhook.

For trying the assistant by SMS without Twilio: the request is what Twilio sends
(form fields, X-Twilio-Signature with the configured auth token), the answer is
printed as the phone would show it.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import click
import httpx
from twilio.request_validator import RequestValidator

from integrations.twilio_webhooks import TwilioRoute, callback_url


@click.command("text")
@click.argument("sender")
@click.argument("message")
@click.option("--to", default=None, help="Our number the text is sent to (default TWILIO_FROM_NUMBER)")
def text(sender: str, message: str, to: str | None) -> None:
    """Send MESSAGE from the phone SENDER (E.164) to the gateway at PUBLIC_BASE_URL; print the replies."""
    from cli.main import load_settings_or_exit

    settings = load_settings_or_exit()
    url = callback_url(settings, TwilioRoute.SMS)
    form = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": settings.twilio_account_sid,
        "From": sender,
        "To": to or settings.twilio_from_number,
        "Body": message,
        "NumMedia": "0",
    }
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(url, form)
    try:
        response = httpx.post(
            url,
            content=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
            timeout=30,
        )
    except httpx.HTTPError as exc:
        raise click.ClickException(f"the gateway at {url} does not answer: {exc}") from None
    if response.status_code != 200:
        raise click.ClickException(f"{response.status_code}: {response.text[:300]}")
    replies = [m.text or "" for m in ET.fromstring(response.text).iter("Message")]  # noqa: S314 (our gateway)
    click.echo("\n\n".join(replies) if replies else "(no reply)")


COMMANDS = [text]
