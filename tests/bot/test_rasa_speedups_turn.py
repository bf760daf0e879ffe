"""bot/rasa_speedups.py inside the Rasa venv: each replacement gives what Rasa's own code gives.

Every check runs a script with the Rasa venv's Python (Rasa is not in the app venv), which prints
one JSON line: what Rasa's code gave, then the same with `rasa_speedups.apply()`.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap

import pytest

from tests.integration.processes import ROOT

pytestmark = pytest.mark.rasa

MODEL = ROOT / "models" / "current.tar.gz"


def in_rasa(script: str, timeout: float = 300) -> dict:
    result = subprocess.run(
        [str(ROOT / ".venv-rasa/bin/python"), "-c", textwrap.dedent(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "LOG_LEVEL": "WARNING",
        },
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_event_types_by_name_are_rasas() -> None:
    report = in_rasa(
        """
        import json
        from rasa.shared.core.events import Event
        from rasa.shared.utils.common import all_subclasses

        def lookups():
            names = sorted({c.type_name for c in all_subclasses(Event)} | {"topic", "no_such_event"})
            out = {}
            for name in names:
                for default in (None, Event):
                    try:
                        found = Event.resolve_by_type(name, default)
                        out[f"{name}/{default}"] = found.__qualname__ if found else None
                    except ValueError as exc:
                        out[f"{name}/{default}"] = f"ValueError: {exc}"
            return out

        before = lookups()
        from bot import rasa_speedups
        rasa_speedups.apply()
        after = lookups()

        class LaterEvent(Event):  # defined after the table was built: found all the same
            type_name = "later_event"
            def __eq__(self, other):
                return self is other
            def __hash__(self):
                return id(self)
            def as_story_string(self):
                return ""

        print(json.dumps({
            "count": len(before),
            "same": before == after,
            "later": Event.resolve_by_type("later_event").__name__,
        }))
        """
    )
    assert report["count"] > 40
    assert report["same"] is True
    assert report["later"] == "LaterEvent"


def test_slot_copies_are_what_copy_copy_gives() -> None:
    report = in_rasa(
        """
        import copy, json
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.slots import Slot, TextSlot

        domain = Domain.load("bot/domain")
        before = [copy.copy(s) for s in domain.slots]
        from bot import rasa_speedups
        rasa_speedups.apply()
        after = [copy.copy(s) for s in domain.slots]

        class PickyTextSlot(TextSlot):  # its own state: still copied Rasa's (Python's) way
            def __getstate__(self):
                state = dict(self.__dict__)
                state["copied"] = True
                return state

        picky = copy.copy(PickyTextSlot("picky", mappings=[]))
        print(json.dumps({
            "count": len(before),
            "same_type": all(type(a) is type(b) for a, b in zip(before, after)),
            "same_state": all(a.__dict__ == b.__dict__ for a, b in zip(before, after)),
            "new_objects": all(
                b is not s and b.__dict__ is not s.__dict__ for b, s in zip(after, domain.slots)
            ),
            "shallow": all(
                all(b.__dict__[k] is s.__dict__[k] for k in s.__dict__) for b, s in zip(after, domain.slots)
            ),
            "picky": picky.__dict__.get("copied"),
        }))
        """
    )
    assert report["count"] > 20
    assert report == {**report, "same_type": True, "same_state": True, "new_objects": True, "shallow": True}
    assert report["picky"] is True


def test_action_answers_are_checked_as_rasa_checks_them_also_when_remembered() -> None:
    payloads = [
        {
            "events": [{"event": "slot", "name": "pending", "value": "plan"}],
            "responses": [{"text": "Bonjour"}],
        },
        {"events": [], "responses": []},
        {},
        {"events": None},
        {"responses": None},
        {"events": "not a list", "responses": []},
        {"events": [{"no_event_key": 1}], "responses": []},
        {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": "nope"},
        {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": ["not an object"]},
        {"events": [{"event": "slot", "name": "x", "value": 1}, {"event": "nonsense"}]},
        {"events": [{"event": "slot", "name": "x", "value": 1, "timestamp": "not a number"}]},
        {"events": [{"event": "slot", "name": "x", "value": 1, "timestamp": None}]},
        {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "utter_x"}]},
        [],
        "text",
        None,
    ]
    report = in_rasa(
        """
        import json, sys
        import jsonschema
        from rasa.core.actions.action import RemoteAction
        original = RemoteAction._validate_action_result
        from bot import rasa_speedups
        rasa_speedups.apply()
        action = RemoteAction.__new__(RemoteAction)

        def outcome(check, payload):
            try:
                return ["ok", check(action, payload)]
            except jsonschema.ValidationError as exc:
                return ["refused", exc.message, list(exc.path), list(exc.schema_path)]

        payloads = json.loads(sys.argv[-1])
        rounds = []
        for _ in range(3):  # the first round fills the remembered events, the next ones use them
            rounds.append([outcome(original, p) == outcome(RemoteAction._validate_action_result, p)
                           for p in payloads])
        print(json.dumps({
            "rounds": rounds,
            "ok": [outcome(RemoteAction._validate_action_result, p)[0] == "ok" for p in payloads],
            "remembered": len(rasa_speedups._valid_events),
        }))
        """.replace("sys.argv[-1]", repr(json.dumps(payloads)))
    )
    assert report["rounds"] == [[True] * len(payloads)] * 3
    assert report["ok"] == [True, True, True] + [False] * 8 + [True, True] + [False] * 3
    assert report["remembered"] == 5  # the valid events met once the answer's other parts passed


def test_classifier_input_and_scores_are_the_same_to_the_last_bit() -> None:
    report = in_rasa(
        """
        import json
        import numpy as np
        import scipy.sparse as sp
        from sklearn.linear_model import LogisticRegression
        from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
        from rasa.shared.nlu.training_data.features import Features
        from rasa.shared.nlu.training_data.message import Message

        rng = np.random.default_rng(7)

        def message(n):
            m = Message(data={"text": f"message {n}"})
            tokens = int(rng.integers(1, 6))
            for origin, width in (("words", 50), ("bigrams", 80), ("chars", 300)):
                for kind, rows in (("sequence", tokens), ("sentence", 1)):
                    seed = int(rng.integers(1e6))
                    matrix = sp.random(rows, width, density=0.1, format="coo", random_state=seed)
                    m.add_features(Features(matrix, kind, "text", origin))
            return m

        messages = [message(n) for n in range(40)]
        X = sp.random(300, 430, density=0.05, format="csr", random_state=3)
        y = rng.integers(0, 7, 300)
        clf = LogisticRegression(max_iter=300).fit(X, y)
        component = LogisticRegressionClassifier.__new__(LogisticRegressionClassifier)
        component.clf = clf
        before_X = component._create_X(messages)
        before_p = clf.predict_proba(before_X)

        from bot import rasa_speedups
        rasa_speedups.apply()
        rasa_speedups._column_major_weights(component)
        after_X = component._create_X(messages)
        after_p = clf.predict_proba(after_X)
        a, b = before_X.tocsr(), after_X.tocsr()
        print(json.dumps({
            "column_major": bool(clf.coef_.T.flags.c_contiguous),
            "same_X": type(before_X) is type(after_X) and before_X.shape == after_X.shape
                and np.array_equal(a.data, b.data) and np.array_equal(a.indices, b.indices)
                and np.array_equal(a.indptr, b.indptr),
            "same_probabilities": bool(np.array_equal(before_p, after_p)),
        }))
        """
    )
    assert report == {"column_major": True, "same_X": True, "same_probabilities": True}


def test_graph_runs_replay_dasks_order_and_results() -> None:
    report = in_rasa(
        """
        import json
        import dask
        from bot import rasa_speedups

        calls = []

        def node(name):
            def run(*inputs):
                calls.append(name)
                return (name, [name, *[i[1] for i in inputs]])
            return run

        def graph(text):
            return {
                "a": (node("a"), "input"), "b": (node("b"), "input"), "c": (node("c"), "a", "b"),
                "d": (node("d"), "a"), "e": (node("e"), "c", "d"), "input": ("input", text),
            }

        results, orders = [], []
        for text in ("first", "second", "third"):
            calls.clear()
            expected = dask.get(graph(text), ["e", "d"])
            dask_calls = list(calls)
            calls.clear()
            g = graph(text)
            shape = rasa_speedups._shape(g, ["e", "d"])
            if shape in rasa_speedups._run_orders:
                got = rasa_speedups._replay(g, ["e", "d"], rasa_speedups._run_orders[shape])
            else:
                got = rasa_speedups._dask_get_recording(g, ["e", "d"], shape)
            results.append(repr(got) == repr(expected))
            orders.append(calls == dask_calls)
        not_rasas = [
            rasa_speedups._shape({"a": (node("a"), ["input"]), "input": ("input", 1)}, ["a"]),
            rasa_speedups._shape({"a": (node("a"), "elsewhere")}, ["a"]),
            rasa_speedups._shape({"a": 1}, ["a"]),
        ]
        print(json.dumps({"results": results, "orders": orders, "not_rasas": not_rasas}))
        """
    )
    assert report == {"results": [True] * 3, "orders": [True] * 3, "not_rasas": [None] * 3}


def test_the_tracker_rasa_saved_is_kept_for_its_own_request_only() -> None:
    report = in_rasa(
        """
        import asyncio, json
        from rasa.core.processor import MessageProcessor
        from rasa.core.tracker_store import InMemoryTrackerStore
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.trackers import DialogueStateTracker
        from bot import rasa_speedups
        rasa_speedups.apply()

        domain = Domain.load("bot/domain")
        processor = MessageProcessor.__new__(MessageProcessor)
        processor.tracker_store = InMemoryTrackerStore(domain)

        async def request(sender, delay):
            tracker = DialogueStateTracker(sender, domain.slots)
            with rasa_speedups.keep_saved_tracker() as saved:
                await asyncio.sleep(delay)
                await processor.save_tracker(tracker)
                await asyncio.sleep(0.05 - delay)
            return saved.tracker is tracker

        async def main():
            kept = await asyncio.gather(request("one", 0.01), request("two", 0.03))
            outside = DialogueStateTracker("three", domain.slots)
            await processor.save_tracker(outside)  # no block open: nothing kept, still saved
            stored = await processor.tracker_store.retrieve("three")
            return kept, stored is not None

        kept, stored = asyncio.run(main())
        print(json.dumps({"kept": kept, "stored": stored}))
        """
    )
    assert report == {"kept": [True, True], "stored": True}


def test_endpoint_requests_answer_as_rasas_over_kept_connections() -> None:
    report = in_rasa(
        """
        import asyncio, json
        from aiohttp import web
        from rasa.utils.endpoints import ClientResponseError, EndpointConfig
        from bot import rasa_speedups

        peers = []  # the client's address of each request: one per connection

        async def webhook(request):
            peers.append(request.transport.get_extra_info("peername")[1])
            body = await request.json()
            seen = {"auth": request.headers.get("Authorization"), "token": request.query.get("token")}
            return web.json_response({"echo": body, **seen})

        async def missing(request):
            peers.append(request.transport.get_extra_info("peername")[1])
            return web.Response(status=404, text="no such action")

        async def plain(request):
            peers.append(request.transport.get_extra_info("peername")[1])
            return web.Response(text="not json")

        async def closing(request):
            peers.append(request.transport.get_extra_info("peername")[1])
            return web.json_response({"ok": True}, headers={"Connection": "close"})

        async def calls(endpoint):
            answers = []
            for body in ({"n": 1}, {"n": 2}, {"n": 3, "text": "Zürich/€ \u2028", "x": 0.1 + 0.2}):
                answers.append(await endpoint.request(json=body, method="post", subpath="webhook"))
            try:
                await endpoint.request(json={}, method="post", subpath="missing")
            except ClientResponseError as exc:
                answers.append(["refused", exc.status, exc.message])
            answers.append(await endpoint.request(json={}, method="post", subpath="plain"))
            return answers

        async def main():
            app = web.Application()
            app.add_routes([web.post("/webhook", webhook), web.post("/missing", missing)])
            app.add_routes([web.post("/plain", plain), web.post("/closing", closing)])
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]
            login = {"username": "rasa", "password": "secret"}
            endpoint = EndpointConfig(f"http://127.0.0.1:{port}", token="t0k", basic_auth=login)
            rasas = await calls(endpoint)
            rasas_connections = len(set(peers))
            rasa_speedups.KEEPALIVE_SECONDS = 0.3
            rasa_speedups.apply()
            peers.clear()
            kept = await calls(endpoint)
            kept_connections, kept_port = len(set(peers)), peers[-1]
            peers.clear()
            await asyncio.sleep(0.6)  # idle longer than the keep-alive: a new connection, no error
            after_idle = await endpoint.request(json={"n": 4}, method="post", subpath="webhook")
            closed = [await endpoint.request(json={}, method="post", subpath="closing") for _ in range(3)]
            await runner.cleanup()
            return {
                "same": rasas == kept,
                "answers": kept,
                "connections": [rasas_connections, kept_connections, len(set(peers))],
                "idle_port_new": peers[0] != kept_port,
                "after_idle": after_idle["echo"],
                "closed": closed,
            }

        print(json.dumps(asyncio.run(main())))
        """
    )
    assert report["same"], report["answers"]
    auth = "Basic cmFzYTpzZWNyZXQ="
    assert report["answers"] == [
        *({"echo": {"n": n}, "auth": auth, "token": "t0k"} for n in (1, 2)),
        {"echo": {"n": 3, "text": "Zürich/€ \u2028", "x": 0.1 + 0.2}, "auth": auth, "token": "t0k"},
        ["refused", 404, "Not Found"],
        None,
    ]
    # Rasa's own: a connection per request; kept: one for all five. After the idle time a new one,
    # which the server then closes after its first answer: a new one for each of the next two.
    assert report["connections"] == [5, 1, 3]
    assert report["idle_port_new"]
    assert report["after_idle"] == {"n": 4}
    assert report["closed"] == [{"ok": True}] * 3


def test_trackers_are_written_as_the_same_json_documents() -> None:
    report = in_rasa(
        """
        import json, math
        from rasa.core.tracker_store import SerializedTrackerAsText
        from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
        from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
        from bot import rasa_speedups

        ranking = [{"name": f"intent_{n}", "confidence": 1 / (n + 3)} for n in range(10)]
        events = [
            UserUttered(
                "Grüß Gott, ich heiße Jürgen / 50 € ? \u2028 \U0001f600",
                {"name": "greet", "confidence": 0.8123456789012345},
                [{"entity": "amount", "value": 49.99, "start": 0, "end": 2}],
                {"intent": {"name": "greet", "confidence": 0.8123456789012345}, "intent_ranking": ranking},
                metadata={"channel": "sms", "language": "de", "turn_ref": "t1"},
                timestamp=1763884801.1234567,
            ),
            ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0, timestamp=1763884801.5),
            SlotSet("amount", 1e300), SlotSet("plan", {"months": 3, "rates": [16.67, 16.67, 16.66]}),
            SlotSet("ratio", math.nan), SlotSet("huge", math.inf), SlotSet("nothing", None),
            BotUttered('Vielen Dank, "Jürgen".', {"buttons": None}, {"utter_action": "x"}),
        ]
        tracker = DialogueStateTracker.from_events("sender/1", events)
        state = tracker.current_state(EventVerbosity.ALL)
        rasas = SerializedTrackerAsText.serialise_tracker(tracker)
        rasa_speedups.apply()
        ours = SerializedTrackerAsText.serialise_tracker(tracker)
        canonical = lambda document: json.dumps(json.loads(document), sort_keys=True)
        same = lambda a, b: canonical(a) == canonical(b)
        print(json.dumps({
            "state": same(rasa_speedups.json_dumps(state), json.dumps(state)),
            "stored": same(ours, rasas),
            "ascii": ours.isascii(),
            "values": json.loads(ours) == json.loads(rasas),  # json reads every NaN as one object
        }))
        """
    )
    assert report == {"state": True, "stored": True, "ascii": True, "values": True}


@pytest.mark.skipif(not MODEL.exists(), reason="no trained model (scripts/train.sh)")
def test_the_trained_model_understands_the_same_with_the_speedups() -> None:
    report = in_rasa(
        """
        import asyncio, json
        import yaml
        from rasa.core.agent import Agent
        from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

        texts = []
        for language in ("fr", "de", "en"):
            for block in yaml.safe_load(open(f"nlu_data/{language}/nlu.yml"))["nlu"]:
                lines = (block.get("examples") or "").splitlines()
                texts += [line[2:].strip() for line in lines if line.startswith("- ")][:2]
        texts += ["Jeanne Dupont", "12/03/1985", "le 04/12/2026", "la première", "bla bla"]
        agent = Agent.load("models/current.tar.gz")

        async def parse_all():
            out = [await agent.parse_message(t) for t in texts]
            for parsed in out:
                parsed.pop("message_id", None)
            return out

        before = asyncio.run(parse_all())
        from bot import rasa_speedups
        rasa_speedups.apply()
        for node in agent.processor.graph_runner._instantiated_nodes.values():
            if isinstance(getattr(node, "_component", None), LogisticRegressionClassifier):
                rasa_speedups._column_major_weights(node._component)  # what its load now does
        after = asyncio.run(parse_all())
        again = asyncio.run(parse_all())  # the graph's order replayed
        print(json.dumps({"count": len(texts), "same": before == after == again}))
        """,
        timeout=600,
    )
    assert report["count"] > 50
    assert report["same"] is True
