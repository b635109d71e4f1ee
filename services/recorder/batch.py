"""Turning read messages into store rows: decode, check, or dead-letter.

This runs once per recorded event, so per-event work is one full decode (``proto``'s
decoder for the subject's family: a payload is validated exactly as its consumers will
decode it) and a few dictionary lookups. What depends only on the subject, or on the
subject, the message type and the fields a subject is built from, is worked out once and
cached. Rows are plain tuples in ``store``'s column order and decoded messages are
dropped at once, so a batch leaves nothing behind for the garbage collector to scan.
"""

from __future__ import annotations

from typing import Any

import proto
from bus import StreamBatch
from store import DeadLetter

Row = tuple[Any, ...]
#: ``(ns, kind, symbol, account_id)`` of a message that belongs on its subject, or why not.
Head = tuple[str, str, str | None, str | None] | str
_CACHE_LIMIT = 65_536


class _Route:
    """What a subject says about the messages published on it."""

    __slots__ = ("error", "family", "heads", "ns")

    def __init__(self, subject: str) -> None:
        self.heads: dict[tuple[object, ...], Head] = {}
        self.error: str | None = None
        try:
            parsed = proto.subjects.parse(subject)
        except proto.SubjectError as exc:
            self.error = str(exc)
            return
        self.ns = parsed.ns
        self.family = parsed.family

    def head(self, subject: str, message: proto.Message, key: tuple[object, ...]) -> Head:
        if len(self.heads) > _CACHE_LIMIT:
            self.heads.clear()
        kind = proto.kind(message)
        try:
            expected = proto.subject_for(self.ns, message)
        except proto.SubjectError as exc:  # a field that cannot be a subject token
            found: Head = str(exc)
        else:
            if expected == subject:
                found = (self.ns, kind, proto.symbol_of(message), proto.account_of(message))
            else:
                found = f"{kind} message published on {subject}, expected {expected}"
        self.heads[key] = found
        return found


# Pure-function cache (a route is fully determined by its subject), not shared state.
_ROUTES: dict[str, _Route] = {}


def _route(subject: str) -> _Route:
    if len(_ROUTES) > _CACHE_LIMIT:
        _ROUTES.clear()
    route = _ROUTES[subject] = _Route(subject)
    return route


def to_rows(batch: StreamBatch) -> tuple[list[Row], list[DeadLetter]]:
    """Good messages become rows; anything else becomes a dead letter naming why."""
    rows: list[Row] = []
    dead: list[DeadLetter] = []
    add, decode, routes = rows.append, proto.decode, _ROUTES
    for i, (subject, seq, payload) in enumerate(
        zip(batch.subjects, batch.seqs, batch.payloads, strict=True)
    ):
        route = routes.get(subject) or _route(subject)
        if route.error is not None:
            dead.append(DeadLetter(subject, seq, batch.msg_id(i), payload, route.error))
            continue
        try:
            m = decode(payload, route.family)
        except proto.ProtoDecodeError as exc:
            dead.append(DeadLetter(subject, seq, batch.msg_id(i), payload, str(exc)))
            continue
        # Everything a subject is built from besides the namespace (``proto.subject_for``).
        key = (type(m), getattr(m, "symbol", None), getattr(m, "account_id", None),
               getattr(m, "service", None))  # fmt: skip
        head = route.heads.get(key) or route.head(subject, m, key)
        if type(head) is str:
            dead.append(DeadLetter(subject, seq, batch.msg_id(i), payload, head))
            continue
        ns, kind, symbol, account = head
        add((ns, m.event_id, kind, symbol, account,
             m.ts_exchange_ms, m.ts_local_ns, seq, subject, payload))  # fmt: skip
    return rows, dead
