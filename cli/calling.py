"""`collect call FROM [WORDS...]`: call the local gateway as a phone would, through Twilio's signed
webhooks (gather mode), saying each WORDS in turn; `keys:12031985` types on the keypad instead.

For trying the assistant by voice without Twilio: what the caller would hear is printed.
"""

from __future__ import annotations

import click

from cli.texting import gateway_errors
from integrations.voice_phone import VoicePeer


@click.command("call")
@click.argument("caller")
@click.argument("words", nargs=-1)
@click.option("--to", default=None, help="Our number that is called (default TWILIO_FROM_NUMBER)")
def call(caller: str, words: tuple[str, ...], to: str | None) -> None:
    """Call the gateway at PUBLIC_BASE_URL from the phone CALLER (E.164) and say WORDS, one turn each."""
    from cli.main import load_settings_or_exit

    settings = load_settings_or_exit()
    if settings.voice_mode != "gather":
        raise click.ClickException("collect call speaks to gather mode (VOICE_MODE=gather)")
    phone = VoicePeer(
        settings.public_base_url,
        settings.twilio_auth_token,
        caller,
        to=to or settings.twilio_from_number,
        account_sid=settings.twilio_account_sid,
    )
    with gateway_errors(settings.public_base_url):
        _hear(phone.call(timeout=30))
        for said in words:
            if not phone.listening:
                break
            click.echo(f"caller: {said}")
            keys = said.removeprefix("keys:")
            _hear(phone.press(keys, timeout=30) if keys != said else phone.say(said, timeout=30))
    if phone.queue:
        click.echo(f"(put through to the advisors' queue {phone.queue})")
    elif phone.hung_up:
        click.echo("(the call ends)")


def _hear(texts: list[str]) -> None:
    for text in texts:
        click.echo(f"bot: {text}")


COMMANDS = [call]
