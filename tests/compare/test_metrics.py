"""Trade metrics by hand (§3): units, percentiles, totals, n/a, breaches, robust stats."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from compare import CompareOptions, compare
from compare.metrics import delta_stats
from tests.compare.helpers import fill, side

# Five matched pairs, the sim's price off by 0, +1, −2, +3, +4 ticks (tick 0.1), one pair
# with 2 lots more; one live-only and one sim-only trade.
LIVE = [
    fill(0, "p0", price="100.0", fee="0.02", pnl="0"),
    fill(60, "p1", price="100.0", fee="0.02", pnl="0.5"),
    fill(120, "p2", side="Sell", price="100.0", fee="0.02", pnl="1.0"),
    fill(180, "p3", direction="short", side="Sell", price="100.0", fee="0.02"),
    fill(240, "p4", direction="short", price="100.0", fee="0.02", pnl="-0.25"),
    fill(300, "lo", price="101.0", qty="0.002", fee="0.04", pnl="2"),
]
SIM = [
    fill(1, "p0", price="100.0", fee="0.02", pnl="0"),
    fill(58, "p1", price="100.1", fee="0.03", pnl="0.5"),
    fill(120, "p2", side="Sell", price="99.8", qty="0.003", fee="0.02", pnl="0.9"),
    fill(183, "p3", direction="short", side="Sell", price="100.3", fee="0.02"),
    fill(240, "p4", direction="short", price="100.4", fee="0.02", pnl="-0.25"),
    fill(400, "so", price="99.0", fee="0.01", pnl="0"),
]


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return compare(side(LIVE), side(SIM))


def test_coverage_rates(result) -> None:  # type: ignore[no-untyped-def]
    """§3 match_rate = matched / n_live, sim_only_rate = sim_only / n_sim."""
    m = result.trades["all"]
    assert (m.n_live, m.n_sim, m.matched, m.live_only, m.sim_only) == (6, 6, 5, 1, 1)
    assert m.match_rate == pytest.approx(5 / 6) and m.sim_only_rate == pytest.approx(1 / 6)


def test_price_deltas_in_ticks_with_interpolated_p95(result) -> None:  # type: ignore[no-untyped-def]
    """§3 price: |Δ| = 0, 1, 2, 3, 4 ticks → mean 2, median 2, p95 at rank 3.8 = 3.8,
    max 4; signed mean 1.2, median 1; robust: std √4.56, spike 4 − 2, 4 above 0."""
    p = result.trades["all"].price
    assert p.unit == "ticks" and p.count == 5
    assert (p.mean, p.median, p.max) == (2.0, 2.0, 4.0)
    assert p.p95 == pytest.approx(3.8)
    assert p.mean_signed == pytest.approx(1.2) and p.median_signed == 1.0
    assert p.std == pytest.approx(math.sqrt(4.56))
    assert (p.spike, p.above, p.threshold) == (2.0, 4, 0.0)


def test_qty_deltas_in_lots(result) -> None:  # type: ignore[no-untyped-def]
    """§3 qty in lots (qty step 0.001): 0.003 − 0.001 = +2 lots on one pair."""
    q = result.trades["all"].qty
    assert (q.unit, q.max, q.mean_signed, q.above) == ("lots", 2.0, pytest.approx(0.4), 1)


def test_time_deltas_signed_and_absolute(result) -> None:  # type: ignore[no-untyped-def]
    """§3 Δt = sim − live on last-fill time: +1, −2, 0, +3, 0 s → signed mean 0.4,
    median 0; |Δt| p95 at rank 3.8 of (0, 0, 1, 2, 3) = 2.8, max 3."""
    t = result.trades["all"].time
    assert t.mean_signed == pytest.approx(0.4) and t.median_signed == 0.0
    assert t.p95 == pytest.approx(2.8) and t.max == 3.0 and t.unit == "s"
    assert result.trades["all"].time_first.mean_signed == pytest.approx(0.4)


def test_fees_and_pnl_over_all_trades_and_over_matched(result) -> None:  # type: ignore[no-untyped-def]
    """§3 (differs): totals over all trades show the missing ones; matched-only too."""
    m = result.trades["all"]
    assert (m.live_fees, m.sim_fees, m.fees_delta) == (
        Decimal("0.14"), Decimal("0.12"), Decimal("-0.02"),
    )  # fmt: skip
    assert (m.live_fees_matched, m.sim_fees_matched, m.fees_delta_matched) == (
        Decimal("0.10"), Decimal("0.11"), Decimal("0.01"),
    )  # fmt: skip
    assert (m.live_realized, m.sim_realized, m.realized_delta) == (
        Decimal("3.25"), Decimal("1.15"), Decimal("-2.10"),
    )  # fmt: skip
    assert m.realized_delta_matched == Decimal("-0.10")


def test_volume_is_notional_per_side(result) -> None:  # type: ignore[no-untyped-def]
    """§3 volume Σ qty·price over all trades."""
    m = result.trades["all"]
    assert m.live_volume == Decimal("0.702")  # 5 × 0.1 + 0.202
    assert m.sim_volume == Decimal("0.7992")  # 0.1 + 0.1001 + 0.2994 + 0.1003 + 0.1004 + 0.099
    assert m.volume_delta == Decimal("0.0972")


def test_every_metric_per_direction(result) -> None:  # type: ignore[no-untyped-def]
    """§3 long / short: pairs by the live trade's direction, unmatched by their own."""
    long, short = result.trades["long"], result.trades["short"]
    assert (long.matched, long.live_only, long.sim_only) == (3, 1, 1)
    assert (short.matched, short.live_only, short.sim_only) == (2, 0, 0)
    assert short.price.max == 4.0 and short.time.max == 3.0
    assert long.price.p95 == pytest.approx(1.9)  # |Δ| 0, 1, 2: rank 1.9
    assert short.live_realized == Decimal("-0.25")
    assert long.breaches + short.breaches == result.trades["all"].breaches


def test_breaches_are_listed_with_tolerances() -> None:
    """§3 breaches: |Δprice| > price_tol_ticks or |Δqty| > qty_tol_lots, as a list."""
    found = compare(side(LIVE), side(SIM)).breaches
    assert [(b.pair.live.client_id, b.price, b.qty) for b in found] == [
        ("p1", True, False), ("p2", True, True), ("p3", True, False), ("p4", True, False),
    ]  # fmt: skip
    loose = compare(side(LIVE), side(SIM), CompareOptions(price_tol_ticks=3, qty_tol_lots=1))
    assert [(b.pair.live.client_id, b.price, b.qty) for b in loose.breaches] == [
        ("p2", False, True), ("p4", True, False),
    ]  # fmt: skip


def test_median_of_an_even_count_averages_the_middle() -> None:
    """§3 median (averaged middle) and p95 by linear interpolation: 1, 2, 3, 10 →
    median 2.5, p95 at rank 2.85 = 3 + 0.85·7 = 8.95."""
    s = delta_stats([1.0, -2.0, 3.0, 10.0], "ticks", 2.5)
    assert s.median == 2.5 and s.p95 == pytest.approx(8.95)
    assert (s.spike, s.above) == (7.5, 2)


def test_no_live_trades_is_not_a_full_match() -> None:
    """§3: match_rate is n/a (None) with no live trades, never 1; stats of no pairs n/a."""
    m = compare(side([]), side([fill(1, "x")])).trades["all"]
    assert m.match_rate is None and m.sim_only_rate == 1.0
    assert (m.price.count, m.price.mean, m.price.p95, m.price.std) == (0, None, None, None)
    empty = compare(side([]), side([])).trades["all"]
    assert empty.match_rate is None and empty.sim_only_rate is None
    assert empty.pnl_correlation is None and empty.pnl_cum_correlation is None


def test_the_all_scope_merged_from_the_legs_equals_the_direct_figures(result) -> None:  # type: ignore[no-untyped-def]
    """§3: "all" is the long and short parts merged; each family's statistics equal
    those computed over all pairs at once."""
    m = result.trades["all"]
    for family, field in (("price", "price_ticks"), ("qty", "qty_lots"), ("time", "dt_s"),
                          ("time_first", "dt_first_s")):  # fmt: skip
        direct = delta_stats(getattr(result.deltas, field), "x", 0.0)
        merged = getattr(m, family)
        for stat in ("mean_signed", "median_signed", "mean", "median", "p95", "max", "std"):
            assert getattr(merged, stat) == pytest.approx(getattr(direct, stat)), (family, stat)
