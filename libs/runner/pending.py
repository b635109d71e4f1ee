"""Intents already on their way: not re-published until their outcome is known.

gridcore is level-triggered: every tick re-emits each missing grid order. Between a
publish and the order event that puts the order in the book, those re-emissions would
reach the executor as duplicates (which its gate rejects, but at a cost on every tick).
This filter holds each place back while it is in flight, and a gate-rejected place until
something that may change the gate's answer happens or a back-off passes. Missing
outcomes expire, so a lost intent is re-published: the grid heals itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import msgspec

import proto
from gridcore import order_link_prefix


class PendingState(msgspec.Struct, frozen=True, kw_only=True):
    """What the filter holds, on its clock: places by client order id and cancels by
    order id until a time, and the places a gate refused (a seeded replay starts with
    live's, ``replay.inflight``)."""

    places: dict[str, float] = msgspec.field(default_factory=dict)
    cancels: dict[str, float] = msgspec.field(default_factory=dict)
    gate_rejected: frozenset[str] = frozenset()


class PendingIntents:
    def __init__(
        self,
        inflight_s: float,
        reject_backoff_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inflight_s = inflight_s
        self._reject_s = reject_backoff_s
        self._clock = clock
        self._places: dict[str, float] = {}  # client_order_id → hold until
        self._cancels: dict[str, float] = {}  # order_id → hold until
        self._gate_rejected: set[str] = set()

    def state(self) -> PendingState:
        return PendingState(
            places=dict(self._places),
            cancels=dict(self._cancels),
            gate_rejected=frozenset(self._gate_rejected),
        )

    def restore(self, state: PendingState) -> None:
        self._places = dict(state.places)
        self._cancels = dict(state.cancels)
        self._gate_rejected = set(state.gate_rejected)

    def holds_place(self, client_order_id: str) -> bool:
        """Is this place held back now? (``allow_place`` without taking the slot.)"""
        until = self._places.get(client_order_id)
        return until is not None and self._clock() < until

    def allow_place(self, client_order_id: str) -> bool:
        until = self._places.get(client_order_id)
        if until is not None and self._clock() < until:
            return False
        self._places[client_order_id] = self._clock() + self._inflight_s
        self._gate_rejected.discard(client_order_id)
        return True

    def allow_cancel(self, order_id: str) -> bool:
        until = self._cancels.get(order_id)
        if until is not None and self._clock() < until:
            return False
        self._cancels[order_id] = self._clock() + self._inflight_s
        return True

    def on_order(self, update: proto.OrderUpdate) -> None:
        """An order event settles the place that made it and any cancel of it."""
        prefix = order_link_prefix(update.order_link_id)
        if prefix is not None:
            self._places.pop(prefix, None)
        if update.status not in (proto.OrderStatus.NEW, proto.OrderStatus.PARTIALLY_FILLED):
            self._cancels.pop(update.order_id, None)

    def on_result(self, message: proto.ExecResult | proto.ExecReject) -> None:
        key = message.client_order_id
        if isinstance(message, proto.ExecResult):
            return  # placed: held until its order event (or the in-flight timeout)
        if message.action == "cancel":
            return  # a refused cancel is retried when its hold expires
        if message.reason == proto.RejectReason.DUPLICATE:
            return  # the order exists; its order event settles it
        self._places[key] = self._clock() + self._reject_s
        self._gate_rejected.add(key)

    def on_position_change(self) -> None:
        """A new position size may let a rejected reduce-only order through now."""
        for key in self._gate_rejected:
            self._places.pop(key, None)
        self._gate_rejected.clear()
