from core.settings import load_settings
from integrations.rasa_endpoints import rasa_endpoints


def test_in_memory_stores_without_redis() -> None:
    endpoints = rasa_endpoints(load_settings(action_server_url="http://127.0.0.1:8055/webhook"))
    assert endpoints == {"action_endpoint": {"url": "http://127.0.0.1:8055/webhook"}}


def test_redis_tracker_and_lock_stores_with_redis() -> None:
    endpoints = rasa_endpoints(load_settings(redis_url="redis://:s3cret@cache:6380/2"))
    tracker = endpoints["tracker_store"]
    assert tracker["type"] == "redis"
    assert (tracker["url"], tracker["port"], tracker["db"], tracker["password"]) == (
        "cache",
        6380,
        2,
        "s3cret",
    )
    assert endpoints["lock_store"]["type"] == "redis"
