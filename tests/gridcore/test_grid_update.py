"""§5 update after a fill: G-11..G-16, worked examples (a)–(e) and quirks Q-G1 / Q-G2."""

from decimal import Decimal

import pytest

from gridcore import EmptyGridError, Grid, GridConfig, GridLevel
from gridcore._levels import too_close


def spec_grid(count: int = 50, calls: list | None = None) -> Grid:
    def record(levels: tuple[GridLevel, ...], ts: int | None) -> None:
        if calls is not None:
            calls.append(levels)

    grid = Grid(Decimal("0.1"), GridConfig(grid_count=count), on_change=record)
    grid.build(100000.0)
    if calls is not None:
        calls.clear()
    return grid


def counts(grid: Grid) -> tuple[int, int, int]:
    return grid.sides.count("Buy"), grid.sides.count("Wait"), grid.sides.count("Sell")


def test_G11_none_fill_or_close_does_nothing() -> None:
    calls: list = []
    grid = spec_grid(calls=calls)
    before = grid.levels
    grid.update(None, 100000.0)
    grid.update(99800.0, None)
    assert grid.levels == before
    assert calls == []


def test_G14_too_close_is_a_quarter_step_of_the_level_price() -> None:
    assert too_close(100000.0, 100049.9, 0.2)
    assert not too_close(100000.0, 100050.0, 0.2)
    assert not too_close(0.0, 0.0, 0.2)
    assert not too_close(100000.0, 100000.0, 0.0)


def test_G13_example_a_buy_fill_no_shift() -> None:
    """(a) F=99800, L=100050: 99800 → Wait, 100000 → Buy, 25/25, no shift."""
    grid = spec_grid()
    grid.update(99800.0, 100050.0)
    assert grid.sides[24] == "Wait"
    assert grid.sides[25] == "Buy"
    assert counts(grid) == (25, 1, 25)
    assert grid.bounds == (95118.2, 105121.8)


def test_G15_example_b_buy_heavy_shift_appends_sell() -> None:
    """(b) F=101611.2, L=101620: 33 Buy / 17 Sell, 16/50 = 0.32 > 0.3 shifts up once."""
    grid = spec_grid()
    grid.update(101611.2, 101620.0)
    assert grid.levels[-1] == GridLevel("Sell", 105332.0)
    assert grid.bounds == (95308.8, 105332.0)
    assert grid.sides.index("Wait") == 32
    assert grid.prices[32] == 101611.2
    assert counts(grid) == (32, 1, 18)
    assert len(grid) == 51


def test_G15_example_c_sell_heavy_shift_prepends_buy() -> None:
    """(c) F=98411.2, L=98400: 17 Buy / 33 Sell, 105121.8 removed, Buy 94928.0 prepended."""
    grid = spec_grid()
    grid.update(98411.2, 98400.0)
    assert grid.levels[0] == GridLevel("Buy", 94928.0)
    assert 105121.8 not in grid.prices
    assert grid.max_grid == 104912.0
    assert counts(grid) == (18, 1, 32)


def test_G12_example_d_out_of_bounds_rebuilds_and_notifies_twice() -> None:
    """(d) F=105121.8, L=105200 > max: rebuild at 105200; centre equals L so stays Wait."""
    calls: list = []
    grid = spec_grid(calls=calls)
    grid.update(105121.8, 105200.0)
    assert grid.bounds == (100064.4, 110588.1)
    assert counts(grid) == (25, 1, 25)
    assert grid.levels[25] == GridLevel("Wait", 105200.0)
    assert len(calls) == 2
    assert calls[-1] == grid.levels


def test_G12_example_e_strict_bound_at_max_rebuilds() -> None:
    """(e) L exactly the max (105121.8) fails ``min < L < max`` and rebuilds."""
    grid = spec_grid()
    grid.update(95118.2, 105121.8)
    assert grid.anchor_price == 105121.8
    assert grid.prices[25] == 105121.8


def test_G12_strict_bound_at_min_rebuilds() -> None:
    grid = spec_grid()
    grid.update(105121.8, 95118.2)
    assert grid.anchor_price == 95118.2


def test_G12_empty_grid_is_built_at_last_close() -> None:
    grid = Grid(Decimal("0.1"), GridConfig())
    grid.update(90000.0, 100000.0)
    assert grid.anchor_price == 100000.0
    assert len(grid) == 51


def test_G13_4_level_equal_to_last_close_keeps_its_side() -> None:
    grid = spec_grid()
    grid.update(101611.2, 100000.0)
    assert grid.sides[25] == "Wait"


def test_G15_threshold_is_strict_0_3_does_not_shift() -> None:
    """13 Buy / 7 Sell is 6/20 = 0.3: no shift. 14 / 6 is 0.4: shift."""
    grid = spec_grid(count=20)
    bottom, top = grid.bounds
    fill = grid.prices[13]
    grid.update(fill, fill + 5)
    assert counts(grid) == (13, 1, 7)
    assert grid.bounds == (bottom, top)
    grid = spec_grid(count=20)
    fill = grid.prices[14]
    grid.update(fill, fill + 5)
    assert grid.prices[0] != bottom
    assert grid.prices[-1] > top


def test_G15_shift_happens_at_most_once_per_update() -> None:
    grid = spec_grid()
    grid.update(104912.0, 104920.0)
    buys, waits, sells = counts(grid)
    assert (buys, waits, sells) == (48, 1, 2)
    assert grid.prices[0] == 95308.8


def test_G16_update_notifies_even_without_change() -> None:
    calls: list = []
    grid = spec_grid(calls=calls)
    grid.update(99800.0, 100050.0)
    grid.update(99800.0, 100050.0)
    assert len(calls) == 2


def test_quirk_QG1_sell_at_zero_is_appended_when_no_sell_remains() -> None:
    """Q-G1: top level Wait, all others Buy → highest_sell = 0 → Sell 0.0 appended."""
    grid = spec_grid()
    grid.update(105121.8, 105100.0)
    assert grid.levels[-3:] == (
        GridLevel("Buy", 104912.0),
        GridLevel("Wait", 105121.8),
        GridLevel("Sell", 0.0),
    )
    assert not grid.is_price_sorted()
    assert grid.bounds == (0.0, 105121.8)


def test_quirk_QG2_lowest_buy_base_creates_duplicate_price() -> None:
    """Q-G2: sell-heavy with grid[0] Wait: the seed uses the lowest Buy (95308.8) as base,
    inserting Buy 95118.2 next to Wait 95118.2; the G-4.7 guard does not run."""
    grid = spec_grid()
    grid.update(95118.2, 95400.0)
    assert grid.levels[:3] == (
        GridLevel("Buy", 95118.2),
        GridLevel("Wait", 95118.2),
        GridLevel("Buy", 95308.8),
    )
    assert 105121.8 not in grid.prices
    assert not grid.is_price_sorted()


def test_G15_sell_heavy_without_buy_uses_grid0_after_removal() -> None:
    """G-15.6: no Buy level → base is grid[0] after the removal."""
    grid = Grid(Decimal("0.1"), GridConfig(grid_count=4))
    assert grid.restore(
        [
            {"side": "Buy", "price": 100.0},
            {"side": "Sell", "price": 200.0},
            {"side": "Sell", "price": 300.0},
        ]
    )
    grid.update(100.0, 150.0)
    assert grid.levels == (
        GridLevel("Buy", 99.8),
        GridLevel("Wait", 100.0),
        GridLevel("Sell", 200.0),
    )


def test_ambiguity_G15_single_level_grid_sell_heavy_shift_has_no_grid0() -> None:
    """§14 undefined edge: with grid_count=1 the rebuilt single level is re-sided; when it
    becomes Sell, the shift removes it and G-15.6 finds no grid[0] (IndexError, as the
    spec's formula implies); when it becomes Buy, Q-G1 leaves a lone Sell 0.0."""
    grid = Grid(Decimal("0.1"), GridConfig(grid_count=1))
    with pytest.raises(EmptyGridError):
        grid.update(90000.0, 100000.06)
    grid = Grid(Decimal("0.1"), GridConfig(grid_count=1))
    grid.update(90000.0, 100000.04)
    assert grid.levels == (GridLevel("Sell", 0.0),)
