"""§13 / §14: kept bbu2 quirks and resolved ambiguities, one visible test each.

Quirks tested elsewhere: Q-G1 / Q-G2 (test_grid_update), lowercase ``wait`` (test_grid_build),
``last_close == 0`` crash (test_engine_tick), partial fills (test_engine_fills), short
liquidation rule (test_risk).
"""

from decimal import Decimal

from gridcore import (
    GridConfig,
    GridEngine,
    PositionRiskManager,
    PositionState,
    RiskConfig,
    TickerEvent,
    update_multipliers,
)
from gridcore.risk import early_imbalance_qty


def tick(engine: GridEngine, price: str) -> list:
    event = TickerEvent(symbol="BTCUSDT", exchange_ts=1, local_ts=1, last_price=Decimal(price))
    return engine.on_event(event)


def test_quirk_update_bounds_strict_but_tick_guard_inclusive() -> None:
    """G-12 rebuilds at L == max; E-4.2 does not rebuild at last_close == max."""
    engine = GridEngine("BTCUSDT", Decimal("0.1"), GridConfig(), "s")
    tick(engine, "100000")
    tick(engine, "105121.8")
    assert engine.grid.anchor_price == 100000.0
    engine.grid.update(99800.0, 105121.8)
    assert engine.grid.anchor_price == 105121.8


def test_quirk_R11_early_imbalance_is_long_dominant_only() -> None:
    long, short = PositionRiskManager.linked_pair(RiskConfig())
    long.observe(PositionState(size=Decimal("0.2")))
    short.observe(PositionState(size=Decimal("0.5")))
    assert early_imbalance_qty(Decimal("0.002"), 2.0, long, short) == Decimal("0.002")


def test_quirk_max_margin_is_never_read() -> None:
    states = (
        PositionState(size=Decimal(1), entry_price=Decimal(100), margin=Decimal("9")),
        PositionState(size=Decimal(1), entry_price=Decimal(100), margin=Decimal("0.5")),
    )
    results = []
    for max_margin in (0.0, 8.0, 1000.0):
        long, short = PositionRiskManager.linked_pair(RiskConfig(max_margin=max_margin))
        update_multipliers(long, short, *states, 100.0)
        results.append((dict(long.multiplier), dict(short.multiplier)))
    assert results[0] == results[1] == results[2]


def test_quirk_R5_equal_band_uses_shared_long_over_short_ratio() -> None:
    """§13.12: long/short = 0.943 is ``equal`` for both branches (short/long = 1.06 is not)."""
    long, short = PositionRiskManager.linked_pair(RiskConfig())
    states = (
        PositionState(size=Decimal(1), entry_price=Decimal(100), margin=Decimal("0.05")),
        PositionState(size=Decimal(1), entry_price=Decimal(100), margin=Decimal("0.053")),
    )
    update_multipliers(long, short, *states, 100.0)
    assert long.multiplier == {"Buy": 1.0, "Sell": 0.5}
    assert short.multiplier == {"Buy": 0.5, "Sell": 1.0}


def test_ambiguity_one_sided_position_live_empty_vs_backtest_zero_state() -> None:
    """§14: live passes no short (None), backtest a zero-size short: same multipliers."""
    own = PositionState(size=Decimal(1), entry_price=Decimal(105), margin=Decimal("0.1"))
    zero_short = PositionState(size=Decimal(0), entry_price=Decimal(0))
    live_long, live_short = PositionRiskManager.linked_pair(RiskConfig())
    update_multipliers(live_long, live_short, own, None, 100.0, live=True)
    back_long, back_short = PositionRiskManager.linked_pair(RiskConfig())
    update_multipliers(back_long, back_short, own, zero_short, 100.0)
    assert live_long.multiplier == back_long.multiplier == {"Buy": 1.0, "Sell": 1.0}
    assert live_long.position_ratio == back_long.position_ratio == 0.1 / 0.0001


def test_ambiguity_E6_duplicate_non_wait_levels_each_get_a_place() -> None:
    """After Q-G2 two levels can share a price and side; E-6 visits each level, so both
    emit a place with the same client_order_id (literal rule, not the §6 'consequence')."""
    engine = GridEngine("BTCUSDT", Decimal("0.1"), GridConfig(), "s")
    tick(engine, "100000")
    engine.grid.update(95118.2, 95400.0)  # Q-G2: Buy 95118.2, Wait 95118.2
    engine.grid.update(100000.0, 100050.0)  # both 95118.2 levels become Buy
    assert engine.grid.sides[:2] == ["Buy", "Buy"]
    places = [
        i for i in tick(engine, "100050") if i.direction == "long" and str(i.price) == "95118.2"
    ]
    assert [p.grid_level for p in places] == [1, 0]  # nearer the centre first (E-6.3)
    assert places[0].client_order_id == places[1].client_order_id


def test_ambiguity_I1_empty_strat_id_is_still_a_prefix() -> None:
    """I-1 omits the prefix only for ``strat_id=None``; ``""`` gives a leading ``_``."""
    from gridcore import client_order_id

    assert client_order_id("B", "Buy", Decimal("1.0"), "long", "") != client_order_id(
        "B", "Buy", Decimal("1.0"), "long", None
    )
