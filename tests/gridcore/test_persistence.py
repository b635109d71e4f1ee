"""§12 S-2 saved-grid document: pure JSON encode/decode, legacy form, config mismatch, dedup."""

from decimal import Decimal

import msgspec
import pytest

from gridcore import (
    GridConfig,
    GridEngine,
    GridLevel,
    TickerEvent,
    decode_grid_document,
    encode_grid_document,
    grid_state_key,
    saved_grid,
)

CONFIG = GridConfig()


def built_levels() -> tuple[GridLevel, ...]:
    eng = GridEngine("BTCUSDT", Decimal("0.1"), CONFIG, "s")
    eng.on_event(
        TickerEvent(symbol="BTCUSDT", exchange_ts=1, local_ts=1, last_price=Decimal(100000))
    )
    return eng.grid.levels


def test_S2_round_trip_restores_the_same_grid() -> None:
    levels = built_levels()
    data = encode_grid_document({}, "btc", levels, CONFIG)
    document = decode_grid_document(data)
    assert document["btc"]["grid_step"] == 0.2 and document["btc"]["grid_count"] == 50
    assert document["btc"]["grid"][0] == {"side": "Buy", "price": 95118.2}
    restored = GridEngine(
        "BTCUSDT", Decimal("0.1"), CONFIG, "btc", restored_grid=saved_grid(document, "btc", CONFIG)
    )
    assert restored.grid.levels == levels


def test_S2_encode_keeps_other_strategies_and_latest_write_wins() -> None:
    levels = built_levels()
    first = encode_grid_document({"other": {"grid": []}}, "btc", levels[:3], CONFIG)
    second = encode_grid_document(decode_grid_document(first), "btc", levels, CONFIG)
    document = decode_grid_document(second)
    assert set(document) == {"other", "btc"}
    assert len(document["btc"]["grid"]) == 51


@pytest.mark.parametrize("data", [b"", b"{", b"[1, 2]", b"null", b"\xff\xfe", "not json"])
def test_S2_unreadable_or_non_object_root_is_empty(data: bytes | str) -> None:
    assert decode_grid_document(data) == {}


def test_S2_legacy_anchor_only_entry_is_no_saved_state() -> None:
    document = decode_grid_document(b'{"btc": {"anchor_price": 100000.0}}')
    assert saved_grid(document, "btc", CONFIG) is None
    assert saved_grid(document, "missing", CONFIG) is None


@pytest.mark.parametrize(("step", "count"), [(0.3, 50), (0.2, 40), ("0.2", 50)])
def test_E14_saved_grid_with_other_step_or_count_is_ignored(step: object, count: int) -> None:
    document = {
        "btc": {"grid": [{"side": "Buy", "price": 1.0}], "grid_step": step, "grid_count": count}
    }
    assert saved_grid(document, "btc", CONFIG) is None


def test_S2_invalid_items_are_left_to_G10() -> None:
    document = {"btc": {"grid": [{"side": "wait", "price": 1}], "grid_step": 0.2, "grid_count": 50}}
    assert saved_grid(document, "btc", CONFIG) == [{"side": "wait", "price": 1}]


def test_S2_write_dedup_key_is_exact_pairs_plus_step_and_count() -> None:
    levels = built_levels()
    key = grid_state_key(levels, CONFIG)
    assert key == grid_state_key(list(levels), CONFIG)
    assert key != grid_state_key(levels, GridConfig(grid_step=0.3))
    changed = (GridLevel("Wait", levels[0].price), *levels[1:])
    assert key != grid_state_key(changed, CONFIG)
    assert hash(key) == hash(grid_state_key(levels, CONFIG))


def test_S2_encoded_document_is_plain_json() -> None:
    data = encode_grid_document({}, "btc", [GridLevel("Buy", 1.5)], CONFIG)
    assert msgspec.json.decode(data) == {
        "btc": {"grid": [{"side": "Buy", "price": 1.5}], "grid_step": 0.2, "grid_count": 50}
    }
