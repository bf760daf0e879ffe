"""Rasa 3.6's per-turn hot spots, each replaced by code that gives the same result for less CPU.

Loaded into `rasa run` by bot/channels.py (Rasa imports the channel at start): Rasa venv only.
`apply()` installs all of them. Measured with py-spy on `rasa run` and its CPU time (utime + stime)
over the same 80 conversations (the SMS benchmark's and the promise-to-pay dialogue, 600 turns, 10
in flight over the gateway channel, replies, intents and `expecting` identical before and after):
2 to 7 together took Rasa from 34.0 to 20.2 ms of CPU a turn (4 interleaved runs each, shared 2
vCPU). The shares below are of Rasa's CPU before them.

1. The action server's answers. `jsonschema.validate(instance, schema)` first validates `schema`
   against its metaschema. With jsonschema 4.17 (the newest Rasa 3.6 accepts) that check of a
   constant schema took about 60 % of `rasa run`'s CPU per turn (py-spy over the SMS benchmark).
   Here the schema is checked once and every answer is validated as before, the same best-matching
   error with the same message. Then, each event is checked against a `oneOf` of 23 event types
   (1.7 ms for an answer of three slots): an event the schema accepted once is remembered (its
   canonical JSON, at most 10,000), an answer made only of remembered events and of `responses`
   objects is valid without asking jsonschema again, and any other answer goes the whole way:
   3.5 % of the CPU, 0.5 % after.

2. Event types by name. Every event read back from the tracker store (twice a turn: Rasa's own
   load, and every event the action server returns) looks its class up with
   `Event.resolve_by_type`, which walks the whole subclass tree of `Event` and calls
   `inspect.isabstract` on each class, every time: 10.7 % of the CPU, about 3.6 ms a turn. Here
   the walk is done once into a table (the first class with that name, as the walk finds it) and
   done again whenever a new subclass of `Event` is defined.

3. The intent classifier's weights. scikit-learn scores a message as `X @ coef_.T`; `coef_` is
   stored row-major, so its transpose is not contiguous and scipy copies the whole matrix (21
   intents x 96,000 features, 16 MB) on every message: 6 ms a message, 9.7 % of the CPU. The weights are
   stored column-major once, at load: the same numbers, the same scipy routine, so the same
   probabilities to the last bit, without the copy: 0.2 ms a message.

4. The tracker of the turn. Within `keep_saved_tracker()` the request being served keeps the
   tracker Rasa saved last (`MessageProcessor.save_tracker`, the end of `handle_message`), so the
   gateway's channel reads the intent and the form's next slot from it instead of loading the same
   tracker from the store a second time: 8.9 % of the CPU (3 ms a turn).

5. Slot copies. Every tracker Rasa builds (about twenty a turn: the policies replay the
   conversation one action at a time, the forms and the processor take copies) copies the
   domain's 31 slots with `copy.copy`, which goes through `__reduce_ex__`: about 100 µs a
   tracker. `Slot.__copy__` does what `copy.copy` does for these plain objects (a new instance of
   the same class, the same attribute dict, shallow) directly: 64 µs a tracker instead of 100, most
   of what is left being `copy.copy` itself (4.6 % of the CPU, 3.4 % after). A slot class with its
   own pickling methods still goes Rasa's way.

6. The classifier's input. `LogisticRegressionClassifier` builds its input from
   `message.get_sparse_features(TEXT)[1]`, the sentence features, but that call first stacks
   every featurizer's sequence features too (a token-by-feature matrix per featurizer), then
   throws them away (the building took 7.5 % of the CPU, 2.5 ms a turn; 1.2 ms after). Here only the
   sentence features are combined, by Rasa's own `_filter_sparse_features` and `_combine_features`,
   so the matrix is the same.

7. The graph runs. Every message parsed and every action predicted runs a graph of Rasa components
   with `dask.get`, which orders the graph, tracks its state and hands each node to an executor
   again on every run: 6.1 % of the CPU (1.6 % after), for graphs whose shape never changes. The first
   run of each shape (its nodes, what each takes, the targets) goes through dask and notes the order
   in which dask called the nodes; later runs of that shape call the same nodes in the same order
   on the same inputs, and return what dask would. A graph not of the form Rasa builds (a node
   taking anything but other nodes' outputs) still goes through dask.

8. The action server's connections. `EndpointConfig.request` opens a new aiohttp session, so a new
   TCP connection, for every call, and Rasa calls the action server two to five times a turn: a
   connection set up and torn down each time, on both sides. Here each endpoint keeps one session
   per event loop, made as Rasa makes it (the endpoint's headers, basic auth, timeout), whose
   connections stay open between calls for at most `KEEPALIVE_SECONDS`, well below the servers' own
   idle limits (Sanic's: 120 s), so a request is never sent down a connection the server is
   closing. The request itself is Rasa's, line for line. Over 800 turns, 10 in flight: Rasa 14.0 →
   12.0 ms of CPU a turn, the action server 8.8 → 7.0.

9. JSON. Every call to the action server sends the whole tracker (every event, each user
   message with its intent ranking) as JSON, and every turn the tracker store writes the tracker
   as JSON again: `json.dumps` took 11 % of Rasa's CPU (py-spy, 10 in flight). ujson (Sanic's own
   dependency, already in the venv) writes the same document in about half the time: the same
   values (floats to the last bit, NaN and infinities as `json` writes them, non-ASCII escaped),
   without the spaces after separators.
"""

from __future__ import annotations

import asyncio
import copy
import copyreg
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache
from typing import Any

import aiohttp
import dask
import dask.callbacks
import numpy as np
import ujson
from jsonschema import exceptions
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import SerializedTrackerAsText
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.utils.common import all_subclasses
from rasa.shared.utils.schemas.events import EVENTS_SCHEMA
from rasa.utils.endpoints import EndpointConfig
from scipy.sparse import csr_matrix, hstack, vstack

logger = logging.getLogger("rasa.engine.runner.dask")  # Rasa's own logger for these lines

# 1. The action server's answers.


@lru_cache(maxsize=1)
def _validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


# The answer's schema as the fast path below reads it: an object whose `events`, when present, is an
# array of events each checked on its own, and whose `responses`, when present, is an array of objects.
_ANSWER_SCHEMA = {
    "type": "object",
    "properties": {"events": EVENTS_SCHEMA, "responses": {"type": "array", "items": {"type": "object"}}},
}
_VALID_EVENTS_MAX = 10_000
_valid_events: set[str] = set()  # events (as canonical JSON) the schema accepted


@lru_cache(maxsize=1)
def _schema_as_read() -> bool:
    return RemoteAction.action_response_format_spec() == _ANSWER_SCHEMA


def _plain_json(value: Any) -> bool:
    """Only what JSON parsing gives (no tuples, no subclasses): its canonical JSON tells it apart."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain_json(v) for k, v in value.items())
    if kind is list:
        return all(_plain_json(v) for v in value)
    return kind in (str, int, float, bool, type(None))


def _valid_event(event: Any) -> bool:
    """The event alone passes the schema (its `oneOf` over 23 event types: about 0.5 ms each)."""
    if not _plain_json(event):
        return False
    key = json.dumps(event, sort_keys=True)
    if key in _valid_events:
        return True
    if next(_validator().iter_errors({"events": [event]}), None) is not None:
        return False
    if len(_valid_events) >= _VALID_EVENTS_MAX:
        _valid_events.clear()
    _valid_events.add(key)
    return True


def _known_valid(result: Any) -> bool:
    """True only when the whole answer passes the schema; False sends it to the full check."""
    if not _schema_as_read() or not isinstance(result, dict):
        return False
    responses = result.get("responses", [])
    if not isinstance(responses, list) or not all(isinstance(r, dict) for r in responses):
        return False
    events = result.get("events", [])
    return isinstance(events, list) and all(_valid_event(event) for event in events)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    if _known_valid(result):
        return True
    error = exceptions.best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


# 2. Event types by name.

_event_types: dict[str, type[Event]] | None = None


def _event_type_table() -> dict[str, type[Event]]:
    global _event_types
    table = _event_types
    if table is None:
        table = {}
        for cls in all_subclasses(Event):  # Rasa's own walk, in its order: the first match wins
            table.setdefault(cls.type_name, cls)
        _event_types = table
    return table


def _forget_event_types(cls: type[Event], **kwargs: Any) -> None:
    """A new subclass of Event anywhere below it: the next lookup walks the tree again."""
    global _event_types
    super(Event, cls).__init_subclass__(**kwargs)
    _event_types = None


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """Rasa's `Event.resolve_by_type`, the same answers and errors, from the table."""
    cls = _event_type_table().get(type_name)
    if cls is not None:
        return cls
    if type_name == "topic":
        return None  # backwards compatibility to support old TopicSet evts
    elif default is not None:
        return default
    else:
        raise ValueError(f"Unknown event name '{type_name}'.")


# 3. The intent classifier's weights.

_load_logistic_regression = LogisticRegressionClassifier.load.__func__  # type: ignore[attr-defined]


def _column_major_weights(component: LogisticRegressionClassifier) -> LogisticRegressionClassifier:
    coef = getattr(getattr(component, "clf", None), "coef_", None)
    if isinstance(coef, np.ndarray) and coef.ndim == 2 and not coef.T.flags.c_contiguous:
        component.clf.coef_ = np.asfortranarray(coef)
    return component


def _load_logistic_regression_column_major(cls: type, *args: Any, **kwargs: Any) -> Any:
    return _column_major_weights(_load_logistic_regression(cls, *args, **kwargs))


# 4. The tracker of the turn.


class SavedTracker:
    """The tracker Rasa saved last while a `keep_saved_tracker()` block was open, or None."""

    tracker: DialogueStateTracker | None = None


_keeping: ContextVar[SavedTracker | None] = ContextVar("collect_keeping_saved_tracker", default=None)
_save_tracker = MessageProcessor.save_tracker


@contextmanager
def keep_saved_tracker() -> Iterator[SavedTracker]:
    """Within the block, in this task only (a context per asyncio task), keep what Rasa saves."""
    kept = SavedTracker()
    token = _keeping.set(kept)
    try:
        yield kept
    finally:
        _keeping.reset(token)


async def _save_tracker_and_keep(self: MessageProcessor, tracker: DialogueStateTracker) -> None:
    await _save_tracker(self, tracker)
    kept = _keeping.get()
    if kept is not None:
        kept.tracker = tracker


# 5. Slot copies.


@cache
def _plain(cls: type) -> bool:
    """Copied by `copy.copy` through object's own `__reduce_ex__`: a new instance, the same dict."""
    return (
        cls not in copyreg.dispatch_table
        and cls.__reduce_ex__ is object.__reduce_ex__
        and cls.__reduce__ is object.__reduce__
        and getattr(cls, "__getstate__", object.__getstate__) is object.__getstate__
        and not hasattr(cls, "__setstate__")
        and not copyreg._slotnames(cls)  # type: ignore[attr-defined]  # no slot holds state
    )


def _copy_slot(self: Slot) -> Slot:
    cls = type(self)
    if not _plain(cls):  # what copy.copy does for a class without __copy__
        reductor = copyreg.dispatch_table.get(cls)
        reduced = reductor(self) if reductor else self.__reduce_ex__(4)
        return copy._reconstruct(self, None, *reduced)  # type: ignore[attr-defined]
    new = cls.__new__(cls)
    new.__dict__.update(self.__dict__)
    return new


# 6. The classifier's input.


def _sparse_sentence_features(message: Message) -> Any:
    """`message.get_sparse_features(TEXT)[1]`, without combining the sequence features first."""
    _, sentence_features = message._filter_sparse_features(TEXT, [])
    return Message._combine_features(sentence_features, [])


def _create_X(self: LogisticRegressionClassifier, messages: list[Message]) -> csr_matrix:
    """Rasa's `LogisticRegressionClassifier._create_X` (3.6), only the sparse sentence features."""
    X = []
    for e in messages:
        sparse_feats = _sparse_sentence_features(e)
        dense_feats = e.get_dense_features(attribute=TEXT)[1]
        together = hstack(
            [
                csr_matrix(sparse_feats.features if sparse_feats else []),
                csr_matrix(dense_feats.features if dense_feats else []),
            ]
        )
        X.append(together)
    return vstack(X)


# 7. The graph runs.

# (graph shape, targets) -> the node names in the order dask ran them the first time
_run_orders: dict[tuple[Any, ...], tuple[str, ...]] = {}
_RUN_ORDERS_MAX = 256


def _shape(graph: dict[Any, Any], targets: list[str]) -> tuple[Any, ...] | None:
    """What decides dask's order: each node and the nodes it takes. None: a graph not of Rasa's form."""
    nodes = []
    for key, value in graph.items():
        if not isinstance(key, str) or type(value) is not tuple or not value:
            return None
        if callable(value[0]):  # a node: its inputs are the outputs of other nodes, by name
            needs = value[1:]
            if not all(isinstance(need, str) and need in graph and need != key for need in needs):
                return None
            nodes.append((key, needs))
        elif len(value) == 2 and value[0] == key:  # an input, `(name, value)`, as Rasa adds it
            nodes.append((key, None))
        else:
            return None
    if not all(isinstance(target, str) and target in graph for target in targets):
        return None
    return (tuple(sorted(nodes, key=lambda node: node[0])), tuple(targets))


def _dask_get_recording(graph: dict[Any, Any], targets: list[str], shape: tuple[Any, ...]) -> Any:
    order: list[str] = []
    with dask.callbacks.Callback(pretask=lambda key, dsk, state: order.append(key)):
        result = dask.get(graph, targets)
    if len(_run_orders) >= _RUN_ORDERS_MAX:
        _run_orders.clear()
    _run_orders[shape] = tuple(order)
    return result


def _replay(graph: dict[Any, Any], targets: list[str], order: tuple[str, ...]) -> Any:
    """What `dask.get` computes: inputs as they are, each node called on its inputs' outputs, in
    the order dask chose for this graph; the targets' outputs as a tuple."""
    outputs = {key: value for key, value in graph.items() if not callable(value[0])}
    for key in order:
        node, *needs = graph[key]
        outputs[key] = node(*[outputs[need] for need in needs])
    return tuple(outputs[target] for target in targets)


def _run_graph(
    self: DaskGraphRunner, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
) -> dict[str, Any]:
    """Rasa's `DaskGraphRunner.run` (3.6), dask's scheduling replayed instead of redone."""
    run_targets = targets if targets else self._graph_schema.target_names
    minimal_schema = self._graph_schema.minimal_graph_schema(run_targets)
    run_graph = self._build_dask_graph(minimal_schema)

    if inputs:
        self._add_inputs_to_graph(inputs, run_graph)

    if logger.isEnabledFor(logging.DEBUG):  # Rasa formats this line even when it is not logged
        logger.debug(
            f"Running graph with inputs: {inputs}, targets: {targets} and {self._execution_context}."
        )

    try:
        shape = _shape(run_graph, run_targets)
        if shape is None:
            dask_result = dask.get(run_graph, run_targets)
        elif shape in _run_orders:
            dask_result = _replay(run_graph, run_targets, _run_orders[shape])
        else:
            dask_result = _dask_get_recording(run_graph, run_targets, shape)
        return dict(dask_result)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


# 8. The action server's connections.

KEEPALIVE_SECONDS = 2.0
_request = EndpointConfig.request


def _kept_session(self: EndpointConfig) -> aiohttp.ClientSession:
    """This endpoint's session for the running loop, as Rasa's `session()` makes it, kept open."""
    loop = asyncio.get_running_loop()
    kept = self.__dict__.get("_collect_session")
    if kept is not None and kept[0] is loop and not kept[1].closed:
        return kept[1]
    auth = (
        aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
        if self.basic_auth
        else None
    )
    session = aiohttp.ClientSession(
        headers=self.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
        json_serialize=json_dumps,
    )
    self.__dict__["_collect_session"] = (loop, session)
    return session


class _Unclosed:
    """What `async with self.session()` sees: the kept session, not closed when the block ends."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc: object) -> None:
        return None


async def _request_on_kept_session(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
    # Rasa's request, whose `self.session()` now hands over the kept session.
    view = copy.copy(self)
    view.session = lambda: _Unclosed(_kept_session(self))  # type: ignore[method-assign]
    return await _request(view, *args, **kwargs)


# 9. JSON written with ujson.


def json_dumps(value: Any) -> str:
    """`json.dumps(value)` as ujson writes it: the same JSON document, without the spaces."""
    return ujson.dumps(value, escape_forward_slashes=False)


def _serialise_tracker(tracker: DialogueStateTracker) -> str:
    # Rasa's SerializedTrackerAsText.serialise_tracker with ujson.
    return json_dumps(tracker.as_dialogue().as_dict())


def apply() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[assignment]
    Event.__init_subclass__ = classmethod(_forget_event_types)  # type: ignore[assignment]
    LogisticRegressionClassifier.load = classmethod(_load_logistic_regression_column_major)  # type: ignore[assignment]
    MessageProcessor.save_tracker = _save_tracker_and_keep  # type: ignore[method-assign]
    Slot.__copy__ = _copy_slot  # type: ignore[attr-defined]
    LogisticRegressionClassifier._create_X = _create_X  # type: ignore[method-assign]
    DaskGraphRunner.run = _run_graph  # type: ignore[method-assign]
    EndpointConfig.request = _request_on_kept_session  # type: ignore[method-assign]
    SerializedTrackerAsText.serialise_tracker = staticmethod(_serialise_tracker)  # type: ignore[method-assign]
