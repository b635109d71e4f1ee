"""Synthetic backtest output for the report tests: deterministic, with known extremes."""

from __future__ import annotations

import math
import random

from report import BacktestReport, ReportFill

START_MS = 1_700_000_000_000
TICK_MS = 250
INITIAL = 10_000.0
GRID_STEP = 25.0


def synthetic_report(
    ticks: int = 50_000, fills: int = 200, *, title: str = "BTCUSDT grid", seed: int = 7
) -> BacktestReport:
    """A random-walk price, an equity curve whose deepest trough sits mid-run, and grid fills.

    Equity's drawdown is a smooth dip of ``trough_depth`` centred on tick ``ticks // 3``: the
    report must keep its bottom even though one bucket holds hundreds of ticks.
    """
    rng = random.Random(seed)
    ts = [START_MS + i * TICK_MS for i in range(ticks)]
    price, p = [], 30_000.0
    for _ in range(ticks):
        p += rng.gauss(0, 4)
        price.append(p)
    equity = []
    for i in range(ticks):
        dip = 600.0 * math.exp(-(((i - ticks // 3) / (ticks / 200 + 1)) ** 2))
        equity.append(INITIAL + 0.004 * i + 5 * math.sin(i / 500) - dip)
    report_fills = []
    for k in range(fills):
        i = (k * ticks) // max(fills, 1)
        side = "Buy" if k % 2 == 0 else "Sell"
        report_fills.append(
            ReportFill(
                ts_ms=ts[i],
                side=side,
                direction="long" if k % 4 < 2 else "short",
                price=round(price[i] / GRID_STEP) * GRID_STEP,
                qty=0.001,
                fee=0.0123,
                realized_pnl=0.0 if k % 3 else 1.25,
                opening=k % 3 != 0,
                liquidity="maker" if k % 5 else "taker",
            )
        )
    return BacktestReport(
        title=title,
        symbol="BTCUSDT",
        summary={
            "net_pnl": equity[-1] - INITIAL if equity else 0.0,
            "fills": fills,
            "fees": 0.0123 * fills,
            "tiny": 1.5e-7,
            "huge": 1.25e15,
            "complete": True,
            "note": None,
            "per_side": {"Buy": fills // 2, "Sell": fills - fills // 2},
        },
        manifest={
            "config": {"levels": 40, "step_pct": 0.2},
            "code_version": "abc123",
            "inputs": [{"path": "trades.csv.gz", "sha256": "00" * 32}],
            "result_hash": "ff" * 32,
        },
        equity_ts_ms=ts,
        equity=equity,
        price_ts_ms=list(ts),
        price=price,
        fills=report_fills,
        initial_balance=INITIAL,
        profile="reference",
    )


def empty_report() -> BacktestReport:
    return BacktestReport(
        title="empty run",
        symbol="BTCUSDT",
        summary={},
        manifest={},
        equity_ts_ms=[],
        equity=[],
        price_ts_ms=[],
        price=[],
        fills=[],
        initial_balance=INITIAL,
    )
