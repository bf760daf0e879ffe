"""Renders Rasa's endpoints.yml from our settings: one source for every process.

Without REDIS_URL Rasa keeps trackers and locks in memory (one machine); with
it, trackers and conversation locks live in Redis so several Rasa servers can
share conversations.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import yaml

from core.settings import Settings, get_settings


def rasa_endpoints(settings: Settings) -> dict[str, Any]:
    endpoints: dict[str, Any] = {"action_endpoint": {"url": settings.action_server_url}}
    if settings.redis_url:
        parts = urlsplit(settings.redis_url)
        redis = {
            "url": parts.hostname or "127.0.0.1",
            "port": parts.port or 6379,
            "db": int(parts.path.lstrip("/") or 0),
            "use_ssl": parts.scheme == "rediss",
        }
        if parts.password:
            redis["password"] = parts.password
        # Rasa accepts only alphanumeric prefixes and adds ":tracker:" / ":lock:" itself.
        endpoints["tracker_store"] = {"type": "redis", "key_prefix": "collect", **redis}
        endpoints["lock_store"] = {"type": "redis", "key_prefix": "collect", **redis}
    return endpoints


def main() -> None:
    print(yaml.safe_dump(rasa_endpoints(get_settings()), sort_keys=False), end="")


if __name__ == "__main__":
    main()
