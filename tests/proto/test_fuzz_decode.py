"""Garbage never escapes the decoder as anything but ``ProtoDecodeError``."""

from __future__ import annotations

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

import proto
from tests.fixtures.events import execution, trade_frame

families = st.sampled_from([None, *proto.Family])

json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats()
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)


def _decode_or_typed_error(data: bytes, family: proto.Family | None) -> None:
    try:
        proto.decode(data, family)
    except proto.ProtoDecodeError as exc:
        assert exc.reason


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200), family=families)
def test_random_bytes_give_typed_error(data: bytes, family: proto.Family | None) -> None:
    _decode_or_typed_error(data, family)


@settings(max_examples=300, deadline=None)
@given(value=json_like, family=families)
def test_wellformed_msgpack_of_wrong_shape_gives_typed_error(
    value: object, family: proto.Family | None
) -> None:
    _decode_or_typed_error(msgspec.msgpack.encode(value), family)


@settings(max_examples=300, deadline=None)
@given(
    cut=st.integers(min_value=0, max_value=400),
    flip=st.integers(min_value=0, max_value=400),
    family=families,
)
def test_truncated_or_corrupted_real_messages_give_typed_error(
    cut: int, flip: int, family: proto.Family | None
) -> None:
    for message in (trade_frame(3), execution(4)):
        data = bytearray(proto.encode(message))
        _decode_or_typed_error(bytes(data[:cut]), family)
        if data:
            data[flip % len(data)] ^= 0xFF
            _decode_or_typed_error(bytes(data), family)


@settings(max_examples=200, deadline=None)
@given(
    fields=st.dictionaries(
        st.sampled_from(["type", "event_id", "symbol", "trades", "ts_exchange_ms", "price"]),
        json_like,
    )
)
def test_tagged_maps_with_bad_field_values_give_typed_error(fields: dict[str, object]) -> None:
    fields.setdefault("type", "trade")
    _decode_or_typed_error(msgspec.msgpack.encode(fields), None)
