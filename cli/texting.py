"""`collect text FROM MESSAGE`: text the local gateway as a phone would, through Twilio's signed webhook.

For trying the assistant by SMS without Twilio: the request is what Twilio sends
(form fields, X-Twilio-Signature with the configured auth token), the answer is
printed as the phone would show it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
import httpx

from integrations.sms_phone import SmsPeer


@contextmanager
def gateway_errors(base_url: str) -> Iterator[None]:
    """The gateway's refusal or silence as one clear message, not a traceback."""
    try:
        yield
    except httpx.HTTPStatusError as exc:
        raise click.ClickException(f"{exc.response.status_code}: {exc.response.text[:300]}") from None
    except httpx.HTTPError as exc:
        raise click.ClickException(f"the gateway at {base_url} does not answer: {exc}") from None


@click.command("text")
@click.argument("sender")
@click.argument("message")
@click.option("--to", default=None, help="Our number the text is sent to (default TWILIO_FROM_NUMBER)")
def text(sender: str, message: str, to: str | None) -> None:
    """Send MESSAGE from the phone SENDER (E.164) to the gateway at PUBLIC_BASE_URL; print the replies."""
    from cli.main import load_settings_or_exit

    settings = load_settings_or_exit()
    phone = SmsPeer(
        settings.public_base_url,
        settings.twilio_auth_token,
        sender,
        to=to or settings.twilio_from_number,
        account_sid=settings.twilio_account_sid,
    )
    with gateway_errors(settings.public_base_url):
        replies = phone.send(message, timeout=30)
    click.echo("\n\n".join(replies) if replies else "(no reply)")


COMMANDS = [text]
