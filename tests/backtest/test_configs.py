"""Many configurations on real and synthetic data: the bulk skip never changes a result,
the accounting adds up, and the behaviour switches do what they say."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from backtest import BacktestRun
from marketdata import build_ticks
from marketdata.trades import TradeTape
from runner import Instrument
from tests.backtest.helpers import REAL_HOUR, config, run, tape_of

D = Decimal
ETH = Instrument(symbol="ETHUSDT", tick_size=D("0.01"), qty_step=D("0.01"), min_qty=D("0.01"))
HOUR_MS = 3_600_000


@pytest.fixture(scope="module")
def quarter() -> TradeTape:
    """The first 20 minutes of the real hour."""
    from backtest.result import window
    from infra import Settings

    path = Settings.from_env().data_dir / REAL_HOUR
    if not path.is_file():
        pytest.skip(f"real market data not found at {path} (set GRIDTWIN_DATA_DIR)")
    tape = tape_of(path)
    return window(tape, None, tape.ts_ms[0] + 20 * 60_000)


def walk(
    n: int, *, start_ms: int, step_ms: int = 500, price: float = 100.0, swing: int = 150
) -> TradeTape:
    """A deterministic zig-zag (0.01 grid) with trend legs long enough to fill a grid."""
    ts, prices = [], []
    p = price
    for i in range(n):
        direction = 1 if (i // swing) % 3 != 2 else -2
        p = round(p + 0.03 * direction * (1 if i % 7 else -1), 2)
        ts.append(start_ms + i * step_ms)
        prices.append(D(f"{p:.2f}"))
    return TradeTape(
        symbol="BTCUSDT",
        ts_ms=ts,
        price=prices,
        size=[D("0.5")] * n,
        side=["Buy" if i % 2 else "Sell" for i in range(n)],
        trade_id=[str(i + 1) for i in range(n)],
    )


CONFIGS: dict[str, dict[str, Any]] = {
    "ms-reference": {},
    "trade-reference": {"ticks": "trade"},
    "trade-through": {"fill_model": "trade_through"},
    "book-touch": {"fill_model": "book_touch"},
    "last-cross-trade": {"fill_model": "last_cross", "ticks": "trade"},
    "live-profile": {"profile": "live"},
    "usdt-amount-odd-grid": {"amount": "100", "grid_count": 21, "grid_step": 0.1},
    "big-lots-small-balance": {"amount": "x0.2", "balance": D(300), "grid_step": 0.1},
    "early-imbalance": {"risk": {"early_imbalance_multiplier": 2.0}, "grid_step": 0.1},
    "increase-on-low-margin": {
        "risk": {"increase_same_position_on_low_margin": True},
        "grid_step": 0.15,
    },
    "close-all": {"wind_down": "close_all", "grid_step": 0.1},
    "cancels-first": {"overrides": {"intent_order": "cancels_first"}, "grid_step": 0.1},
}


def _check_books(backtest: BacktestRun) -> None:
    """Each leg's size is the signed sum of its fills; realised − fees + funding is the
    wallet's change."""
    for idx, direction, opens in ((1, "long", "Buy"), (2, "short", "Sell")):
        signed = sum(
            (
                f.qty if f.side == opens else -f.qty
                for f in backtest.fills
                if f.direction == direction
            ),
            D(0),
        )
        position = backtest.account.positions.get((backtest.symbol, idx))
        size = abs(position.size) if position is not None else D(0)
        assert size == signed, direction
    realised = sum((f.realized_pnl for f in backtest.fills), D(0))
    fees = sum((f.fee for f in backtest.fills), D(0))
    funding = sum((f.amount for f in backtest.funding), D(0))
    assert backtest.account.wallet == backtest.config.balance + realised - fees + funding


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_skipping_is_invisible_and_the_books_balance(quarter: TradeTape, name: str) -> None:
    cfg = config(**CONFIGS[name])
    fast, summary = run(cfg, quarter)
    slow, slow_summary = run(config(skip_quiet=False, **CONFIGS[name]), quarter)
    assert fast.fills, "a config that never fills tests nothing"
    assert fast.fills == slow.fills
    assert fast.funding == slow.funding
    assert fast.equity.curve == slow.equity.curve
    assert summary == slow_summary
    _check_books(fast)
    if name == "close-all":
        assert summary["unrealized_pnl"] == 0
        assert {f.client_order_id for f in fast.fills[-2:]} <= {"wind_down_long", "wind_down_short"}


def test_eth_lots_round_up_to_the_step() -> None:
    """B-QTY-2: x0.001 of 10,000 at ~100 is 0.1, already a step; at 3,421.56 it would be
    0.00292 → 0.01 (the minimum notional first makes it 5/price)."""
    tape = walk(4000, start_ms=1_700_000_000_000, price=3421.56)
    tape = TradeTape(
        **{**{f: getattr(tape, f) for f in tape.__struct_fields__}, "symbol": "ETHUSDT"}
    )
    backtest, _ = run(config(instrument=ETH, grid_step=0.1), tape)
    assert backtest.fills
    assert {f.qty for f in backtest.fills} == {D("0.01")}


def test_funding_settles_on_the_first_ticker_of_08_utc_at_its_last_price() -> None:
    """B-FUND-1/2 with open legs: once in 08:00–08:59, before that ticker's fills, on the
    ticker's last price, long pays and short receives; not again in the same hour."""
    start = 1_700_006_400_000 + 8 * HOUR_MS - 20 * 60_000  # 2023-11-15 07:40 UTC
    assert start // HOUR_MS % 24 == 7
    tape = walk(6000, start_ms=start, step_ms=400)
    backtest, summary = run(config(grid_step=0.1, amount="x0.01"), tape)
    assert len(backtest.funding) in (1, 2)  # one per open leg
    settled = {f.ts_ms for f in backtest.funding}
    assert len(settled) == 1
    (ts,) = settled
    assert ts // HOUR_MS % 24 == 8
    first_of_hour = next(t for t in tape.ts_ms if t // HOUR_MS % 24 == 8)
    assert ts == first_of_hour
    price = tape.price[tape.ts_ms.index(first_of_hour)]
    for record in backtest.funding:
        expected = record.size * price * D("0.0001")
        assert record.price == price
        assert record.amount == (-expected if record.direction == "long" else expected)
    assert summary["funding"] == sum((f.amount for f in backtest.funding), D(0))
    slow, _ = run(config(grid_step=0.1, amount="x0.01", skip_quiet=False), tape)
    assert slow.funding == backtest.funding and slow.fills == backtest.fills


def test_profiles_differ_where_they_say() -> None:
    """The live profile sends cancels first and sizes on the wallet; on the same data it
    may fill differently, and the manifest's profile name says which ran."""
    tape = walk(6000, start_ms=1_700_000_000_000)
    reference = config(grid_step=0.1)
    live = config(grid_step=0.1, profile="live")
    custom = config(grid_step=0.1, overrides={"intent_order": "cancels_first"})
    assert (reference.profile_name, live.profile_name, custom.profile_name) == (
        "reference", "live", "custom",
    )  # fmt: skip
    assert (
        live.behaviour.sizing_balance == "wallet" and reference.behaviour.risk_refresh == "on_fill"
    )
    for cfg in (reference, live):
        backtest = BacktestRun(cfg, build_ticks(tape, cfg.ticks), tape)
        backtest.run()
        assert backtest.fills
        _check_books(backtest)


def test_equity_at_maintenance_margin_is_reported_as_a_liquidation() -> None:
    """The venue records the first ticker whose equity is at or below the maintenance
    margin of the open legs (it closes nothing); the summary counts it."""
    start = 1_700_000_000_000
    ts = [start + i * 1000 for i in range(3000)]
    prices = [D(f"{100 - i * 0.005:.3f}") for i in range(3000)]  # a 15 % slide
    tape = TradeTape(
        symbol="BTCUSDT", ts_ms=ts, price=prices, size=[D(1)] * 3000,
        side=["Sell"] * 3000, trade_id=[str(i) for i in range(3000)],
    )  # fmt: skip
    backtest, summary = run(config(amount="1000", balance=D(100), grid_step=0.5), tape)
    assert summary["liquidations"] >= 1
    (_, when, equity, mm), *_ = backtest.venue.liquidations
    assert summary["first_liquidation_ms"] == when
    assert mm > 0 and equity <= mm
    point = backtest.equity.curve.ts_ms.index(when)
    assert backtest.equity.curve.equity[point] == equity
    assert all(e > mm for e in backtest.equity.curve.equity[:point] if e is not None) or point == 0
    healthy, healthy_summary = run(config(amount="x0.001", grid_step=0.5), tape)
    assert healthy_summary["liquidations"] == 0 and healthy.fills
