"""§3 build (G-3, G-4) and §4 queries / restore (G-5..G-10)."""

from decimal import Decimal

import pytest

from gridcore import DuplicatePriceError, EmptyGridError, Grid, GridConfig, GridLevel

SPEC_LEVELS = {
    0: ("Buy", 95118.2),
    1: ("Buy", 95308.8),
    2: ("Buy", 95499.8),
    3: ("Buy", 95691.2),
    20: ("Buy", 99004.0),
    21: ("Buy", 99202.4),
    22: ("Buy", 99401.2),
    23: ("Buy", 99600.4),
    24: ("Buy", 99800.0),
    25: ("Wait", 100000.0),
    26: ("Sell", 100200.0),
    27: ("Sell", 100400.4),
    28: ("Sell", 100601.2),
    29: ("Sell", 100802.4),
    30: ("Sell", 101004.0),
    47: ("Sell", 104493.6),
    48: ("Sell", 104702.6),
    49: ("Sell", 104912.0),
    50: ("Sell", 105121.8),
}


def make_grid(count: int = 50, step: float = 0.2, tick: str = "0.1", **kwargs: object) -> Grid:
    return Grid(Decimal(tick), GridConfig(grid_count=count, grid_step=step), **kwargs)  # type: ignore[arg-type]


def test_G4_build_51_levels_for_100000_step_0_2_count_50() -> None:
    grid = make_grid()
    grid.build(100000.0)
    assert len(grid) == 51
    for index, (side, price) in SPEC_LEVELS.items():
        assert (grid.sides[index], grid.prices[index]) == (side, price), index
    assert grid.sides == ["Buy"] * 25 + ["Wait"] + ["Sell"] * 25
    assert grid.anchor_price == 100000.0


def test_G4_count_51_also_gives_51_levels() -> None:
    grid = make_grid(count=51)
    grid.build(100000.0)
    assert len(grid) == 51


def test_G4_count_1_gives_single_wait_level_that_fails_G9() -> None:
    grid = make_grid(count=1)
    grid.build(100000.0)
    assert grid.levels == (GridLevel("Wait", 100000.0),)
    assert not grid.is_grid_correct()


def test_G4_sell_and_buy_sides_start_from_the_unrounded_price() -> None:
    grid = make_grid(count=4)
    grid.build(100000.06)
    assert [(lv.side, lv.price) for lv in grid.levels] == [
        ("Buy", 99600.5),
        ("Buy", 99800.1),
        ("Wait", 100000.1),
        ("Sell", 100200.1),
        ("Sell", 100400.5),
    ]
    assert grid.anchor_price == 100000.1


@pytest.mark.parametrize("price", [None, 0, 0.0])
def test_G3_falsy_price_keeps_existing_grid_and_does_not_notify(price: float | None) -> None:
    calls: list[object] = []
    grid = make_grid(on_change=lambda levels, ts: calls.append(levels))
    grid.build(100000.0)
    before = grid.levels
    grid.build(price)
    assert grid.levels == before
    assert len(calls) == 1


def test_G3_falsy_price_on_empty_grid_sets_no_anchor() -> None:
    grid = make_grid()
    grid.build(0.0)
    assert len(grid) == 0
    assert grid.anchor_price is None


def test_G4_1_rebuild_clears_the_grid_first() -> None:
    grid = make_grid()
    grid.build(100000.0)
    grid.build(50000.0)
    assert len(grid) == 51
    assert grid.wait_center() == 50000.0


def test_G4_7_duplicate_prices_raise_and_leave_grid_duplicated_without_notification() -> None:
    calls: list[object] = []
    grid = make_grid(tick="0.01", on_change=lambda levels, ts: calls.append(levels))
    with pytest.raises(DuplicatePriceError, match="duplicate prices") as info:
        grid.build(1.0)
    assert info.value.price == 1.0
    assert len(grid) == 51
    assert len(set(grid.prices)) < 51
    assert grid.anchor_price == 1.0
    assert calls == []


def test_G4_8_build_sends_one_notification_with_the_levels() -> None:
    calls: list[tuple[tuple[GridLevel, ...], int | None]] = []
    grid = make_grid(on_change=lambda levels, ts: calls.append((levels, ts)))
    grid.build(100000.0)
    assert len(calls) == 1
    assert calls[0][0] == grid.levels
    assert calls[0][1] is None


def test_G5_bounds_include_wait_and_raise_on_empty() -> None:
    grid = make_grid()
    with pytest.raises(EmptyGridError):
        _ = grid.bounds
    grid.build(100000.0)
    assert grid.bounds == (95118.2, 105121.8)
    assert (grid.min_grid, grid.max_grid) == (95118.2, 105121.8)
    single = make_grid(count=1)
    single.build(100.0)
    assert single.bounds == (100.0, 100.0)


def test_G6_anchor_is_none_before_build_and_kept_by_update() -> None:
    grid = make_grid()
    assert grid.anchor_price is None
    grid.build(100000.04)
    assert grid.anchor_price == 100000.0
    grid.update(99800.0, 100050.0)
    assert grid.anchor_price == 100000.0


def test_G7_wait_center_uses_wait_span_else_median() -> None:
    grid = make_grid()
    with pytest.raises(EmptyGridError):
        grid.wait_center()
    assert grid.restore(
        [
            {"side": "Buy", "price": 1.0},
            {"side": "Wait", "price": 2.0},
            {"side": "Wait", "price": 3.0},
            {"side": "Sell", "price": 10.0},
        ]
    )
    assert grid.wait_center() == 2.5
    assert grid.restore([{"side": "Buy", "price": 1.0}, {"side": "Sell", "price": 4.0}])
    assert grid.wait_center() == 2.5
    assert grid.restore(
        [{"side": "Buy", "price": p} for p in (1.0, 2.0)] + [{"side": "Sell", "price": 7.0}]
    )
    assert grid.wait_center() == 2.0


def _restored(items: list[tuple[str, float]]) -> Grid:
    grid = make_grid()
    grid.restore([{"side": side, "price": price} for side, price in items])
    return grid


def test_G8_is_price_sorted_is_strict() -> None:
    grid = make_grid()
    grid.build(100000.0)
    assert grid.is_price_sorted()
    grid.prices[1] = grid.prices[0]
    assert not grid.is_price_sorted()


@pytest.mark.parametrize(
    ("sides", "ok"),
    [
        ("BS", True),
        ("BWS", True),
        ("BBWWWSS", True),
        ("WBS", False),
        ("SBS", False),
        ("BWBS", False),
        ("BSWS", False),
        ("BBB", False),
        ("WWW", False),
        ("", False),
        ("BW", False),
    ],
)
def test_G9_side_shape_is_buy_plus_wait_star_sell_plus(sides: str, ok: bool) -> None:
    names = {"B": "Buy", "W": "Wait", "S": "Sell"}
    items = [(names[c], float(i + 1)) for i, c in enumerate(sides)]
    grid = make_grid()
    assert grid.restore([{"side": s, "price": p} for s, p in items]) is ok
    assert len(grid) == (len(items) if ok else 0)


def test_G10_restore_success_sets_anchor_to_wait_center_and_never_notifies() -> None:
    calls: list[object] = []
    source = make_grid()
    source.build(100000.0)
    grid = make_grid(on_change=lambda levels, ts: calls.append(levels))
    saved = [{"side": lv.side, "price": str(lv.price)} for lv in source.levels]
    assert grid.restore(saved) is True
    assert grid.levels == source.levels
    assert grid.anchor_price == 100000.0
    assert calls == []


@pytest.mark.parametrize(
    "bad_item",
    [
        {"side": "wait", "price": 2.0},
        {"side": "BUY", "price": 2.0},
        {"side": "Buy", "price": "abc"},
        {"side": "Buy", "price": None},
        {"side": "Buy"},
        ("Buy", 2.0),
    ],
)
def test_G10_bad_item_empties_grid_and_returns_false(bad_item: object) -> None:
    grid = make_grid()
    grid.build(100000.0)
    items = [{"side": "Buy", "price": 1.0}, bad_item, {"side": "Sell", "price": 3.0}]
    assert grid.restore(items) is False
    assert len(grid) == 0


def test_G10_unsorted_restore_fails_G9() -> None:
    grid = _restored([("Buy", 2.0), ("Sell", 1.0)])
    assert len(grid) == 0


def test_quirk_bbu2_lowercase_wait_does_not_restore() -> None:
    """§13.18: bbu2 spelled the wait side ``wait``; those files do not restore."""
    grid = _restored([("Buy", 1.0), ("wait", 2.0), ("Sell", 3.0)])
    assert len(grid) == 0


def test_G10_restore_accepts_grid_levels() -> None:
    grid = make_grid()
    assert grid.restore([GridLevel("Buy", 1.0), GridLevel("Sell", 2.0)])
    assert grid.anchor_price == 1.5
