"""Data health of a trade series: worked examples with every figure checked."""

from __future__ import annotations

import msgspec
import pytest

from marketdata import DataHealth, Gap, assess, format_health

T0 = 1_607_472_000_000  # 2020-12-09T00:00:00Z
S = 1000  # ms per second


def _hole_of_90s() -> list[int]:
    """A trade every 10 s over five minutes, none between 100 s and 190 s."""
    return [T0 + k * 10 * S for k in range(11)] + [T0 + (190 + 10 * k) * S for k in range(11)]


def test_a_90s_hole_is_reported_as_exactly_that_gap() -> None:
    health = assess(_hole_of_90s(), symbol="BTCUSDT", start_ms=T0, end_ms=T0 + 300 * S - 1)
    assert health.gaps == [
        Gap(start_ms=T0 + 100 * S, end_ms=T0 + 190 * S, reason="no trades for 90 s")
    ]
    assert health.gaps[0].seconds == 90.0
    assert (health.first_ms, health.last_ms, health.trades) == (T0, T0 + 290 * S, 22)
    assert not health.ok


def test_coverage_and_trades_per_minute_count_whole_minutes_of_the_window() -> None:
    health = assess(_hole_of_90s(), symbol="BTCUSDT", start_ms=T0, end_ms=T0 + 300 * S - 1)
    # Minutes from the window start: 6, 5, 0, 5 and 6 trades.
    assert (health.minutes, health.minutes_with_trades) == (5, 4)
    assert health.coverage == pytest.approx(0.8)
    assert health.trades_per_minute == {"min": 0.0, "median": 5.0, "mean": 4.4, "max": 6.0}


def test_a_partial_last_minute_is_not_a_minute_but_its_trades_count() -> None:
    ts = [T0 + k * S for k in range(90)]  # 1.5 minutes of a trade per second
    health = assess(ts, symbol="X", start_ms=T0, end_ms=T0 + 90 * S - 1)
    assert (health.trades, health.minutes, health.minutes_with_trades) == (90, 1, 1)
    assert health.trades_per_minute["max"] == 60.0


def test_holes_at_the_window_start_and_end_are_gaps() -> None:
    ts = [T0 + s * S for s in range(70, 131)]  # trades from 70 s to 130 s
    health = assess(ts, symbol="BTCUSDT", start_ms=T0, end_ms=T0 + 240 * S - 1)
    assert health.gaps == [
        Gap(start_ms=T0, end_ms=T0 + 70 * S, reason="no trades for 70 s"),
        Gap(start_ms=T0 + 130 * S, end_ms=T0 + 240 * S - 1, reason="no trades for 109.999 s"),
    ]
    assert (health.minutes, health.minutes_with_trades, health.coverage) == (4, 2, 0.5)


def test_open_bounds_start_and_end_at_the_trades_so_no_edge_holes() -> None:
    health = assess(_hole_of_90s(), symbol="BTCUSDT")
    assert (health.start_ms, health.end_ms) == (None, None)
    assert [(g.start_ms, g.end_ms) for g in health.gaps] == [(T0 + 100 * S, T0 + 190 * S)]
    assert health.minutes == 4  # 290 s + 1 ms from the first trade


def test_a_hole_of_exactly_gap_s_or_shorter_is_no_gap() -> None:
    ts = [T0, T0 + 60 * S, T0 + 150 * S]
    assert assess(ts, symbol="X").gaps == [
        Gap(start_ms=T0 + 60 * S, end_ms=T0 + 150 * S, reason="no trades for 90 s")
    ]
    assert assess(ts, symbol="X", gap_s=90).gaps == []
    assert assess(ts, symbol="X", gap_s=89.5).gaps[0].reason == "no trades for 90 s"


def test_trades_outside_the_window_are_ignored() -> None:
    ts = [T0 - 5 * S, T0, T0 + 30 * S, T0 + 60 * S, T0 + 61 * S]
    health = assess(ts, symbol="X", trade_ids=list("abcde"), start_ms=T0, end_ms=T0 + 60 * S)
    assert (health.trades, health.first_ms, health.last_ms) == (3, T0, T0 + 60 * S)
    assert (health.minutes, health.minutes_with_trades) == (1, 1)


def test_duplicates_and_out_of_order_rows_are_counted() -> None:
    ts = [T0 + 1, T0 + 3, T0 + 2, T0 + 4, T0, T0 + 5]
    ids = ["1", "2", "2", "3", "3", "3"]
    health = assess(ts, symbol="X", trade_ids=ids)
    assert (health.out_of_order, health.duplicates) == (2, 3)
    clean = assess(sorted(ts), symbol="X", trade_ids=[str(i) for i in range(6)])
    assert (clean.out_of_order, clean.duplicates) == (0, 0)


def test_recorded_collector_gaps_overlapping_the_window_are_included() -> None:
    ts = [T0 + s * S for s in range(0, 300, 5)]  # no hole longer than 5 s
    inside = Gap(start_ms=T0 + 10 * S, end_ms=T0 + 14 * S, reason="collector gap: ws closed")
    across_start = Gap(start_ms=T0 - 20 * S, end_ms=T0 + 2 * S, reason="collector gap: restart")
    before = Gap(start_ms=T0 - 90 * S, end_ms=T0 - S, reason="collector gap: stale")
    after = Gap(start_ms=T0 + 300 * S, end_ms=T0 + 400 * S, reason="collector gap: stale")
    health = assess(
        ts,
        symbol="BTCUSDT",
        start_ms=T0,
        end_ms=T0 + 300 * S - 1,
        recorded_gaps=[inside, before, after, across_start],
    )
    assert health.gaps == [across_start, inside]
    assert not health.ok and health.coverage == 1.0


def test_empty_windows_and_no_trades() -> None:
    short = assess([T0, T0 + 10 * S], symbol="X")  # 10 s: no whole minute
    assert (short.minutes, short.coverage, short.ok) == (0, 1.0, True)
    assert short.trades_per_minute == {"min": 0.0, "median": 0.0, "mean": 0.0, "max": 0.0}
    none = assess([], symbol="X", start_ms=T0, end_ms=T0 + 120 * S - 1)
    assert (none.trades, none.minutes, none.coverage, none.ok) == (0, 2, 0.0, False)
    assert none.gaps == [
        Gap(start_ms=T0, end_ms=T0 + 120 * S - 1, reason="no trades for 119.999 s")
    ]
    nothing = assess([], symbol="X")
    assert (nothing.first_ms, nothing.minutes, nothing.coverage, nothing.gaps) == (None, 0, 0.0, [])


def test_bad_arguments_name_the_parameter() -> None:
    with pytest.raises(ValueError, match="gap_s"):
        assess([T0], symbol="X", gap_s=0)
    with pytest.raises(ValueError, match="trade_ids"):
        assess([T0, T0 + 1], symbol="X", trade_ids=["a"])


def test_report_lists_figures_and_gaps_in_utc() -> None:
    health = assess(
        _hole_of_90s(),
        symbol="BTCUSDT",
        trade_ids=[str(i) for i in range(22)],
        start_ms=T0,
        end_ms=T0 + 300 * S - 1,
    )
    text = format_health(health)
    assert text.splitlines()[0] == (
        "BTCUSDT 2020-12-09T00:00:00.000Z .. 2020-12-09T00:04:59.999Z: 22 trades,"
        " 4/5 minutes with trades (coverage 80.0%)"
    )
    assert "trades per minute: min 0, median 5.0, mean 4.4, max 6" in text
    assert "out-of-order rows: 0, duplicate trade ids: 0" in text
    assert "gaps (> 60 s): 1, 90 s in all" in text
    assert "  2020-12-09T00:01:40.000Z .. 2020-12-09T00:03:10.000Z  no trades for 90 s" in text
    assert len(text.splitlines()) <= 8


def test_health_round_trips_as_json() -> None:
    health = assess(_hole_of_90s(), symbol="BTCUSDT", start_ms=T0, end_ms=T0 + 300 * S - 1)
    assert msgspec.json.decode(msgspec.json.encode(health), type=DataHealth) == health
