"""Reading a side: backtest run folders and live account events (V-1, V-2, V-9)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from compare import (
    RunFolderError,
    equity_point,
    fill_from_execution,
    load_run_folder,
    position_point,
)
from proto.account import ExecType, Execution, Position, Wallet
from proto.common import Side

HEADER = "ts_ms,symbol,side,direction,price,qty,fee,realized_pnl,client_order_id,order_id,liquidity"


def _folder(tmp_path: Path, fills: list[str], instrument: dict | None = None) -> Path:  # type: ignore[type-arg]
    run = tmp_path / "run"
    run.mkdir()
    (run / "fills.csv").write_text("\n".join([HEADER, *fills]) + "\n")
    (run / "equity.csv").write_text("ts_ms,price,equity,drawdown\n1000,100.5,10000,0\n")
    config = {"instrument": instrument or {"tick_size": "0.10", "qty_step": "0.001"}}
    (run / "manifest.json").write_text(json.dumps({"config": config}))
    return run


def test_a_backtest_folder_is_one_side(tmp_path: Path) -> None:
    """V-5: a backtest's fills, equity and instrument units become a Side."""
    run = _folder(tmp_path, ["1000,BTCUSDT,Buy,long,100.0,0.001,0.02,0,abc,o1,maker"])
    got = load_run_folder(run)
    assert (got.tick_size, got.qty_step) == (Decimal("0.10"), Decimal("0.001"))
    assert got.fills[0].client_order_id == "abc" and got.fills[0].price == Decimal("100.0")
    assert got.equity[0].price == Decimal("100.5") and got.positions is None


@pytest.mark.parametrize(
    ("rows", "instrument", "where"),
    [
        (["1000,BTCUSDT,Buy,long,x,0.001,0.02,0,abc,o1,maker"], None, "fills.csv:2:"),
        (["1000,BTCUSDT,Hold,long,1,0.001,0.02,0,abc,o1,maker"], None, "fills.csv:2: side"),
        ([], {"tick_size": "0"}, "manifest.json: config.instrument.tick_size"),
    ],
)
def test_a_bad_folder_names_the_file_and_line(
    tmp_path: Path,
    rows: list[str],
    instrument: dict | None,
    where: str,  # type: ignore[type-arg]
) -> None:
    """V-5: a row that is not a fill, or a manifest without units: the file (and line)."""
    run = _folder(tmp_path, rows, instrument)
    with pytest.raises(RunFolderError, match=where.replace(".", r"\.")):
        load_run_folder(run)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    """V-5, V-9: a folder without its equity curve is refused, the file named."""
    run = _folder(tmp_path, [])
    (run / "equity.csv").unlink()
    with pytest.raises(RunFolderError, match=r"equity\.csv: no such file"):
        load_run_folder(run)


def _execution(exec_type: ExecType, link: str) -> Execution:
    return Execution(
        event_id="e1", ts_exchange_ms=1000, ts_local_ns=0, account_id="a", symbol="BTCUSDT",
        exec_id="x1", exec_type=exec_type, order_id="o9", order_link_id=link, side=Side.SELL,
        price=Decimal("100"), qty=Decimal("0.001"), fee=Decimal("0.02"),
        fee_rate=Decimal("0.0002"), is_maker=True, closed_size=Decimal("0.001"),
        leaves_qty=Decimal(0), exec_pnl=Decimal("0.3"),
    )  # fmt: skip


def test_live_executions_become_fills_only_for_trades() -> None:
    """V-1: funding is no fill; V-2: the client id is the link id's prefix."""
    got = fill_from_execution(_execution(ExecType.TRADE, "a1b2c3-1607472000000"), "long")
    assert got is not None
    assert (got.client_order_id, got.side, got.direction, got.realized_pnl) == (
        "a1b2c3", "Sell", "long", Decimal("0.3"),
    )  # fmt: skip
    assert fill_from_execution(_execution(ExecType.FUNDING, "a1b2c3-1"), "long") is None
    assert fill_from_execution(_execution(ExecType.TRADE, ""), "short").client_order_id == ""  # type: ignore[union-attr]


def test_live_positions_and_wallets() -> None:
    """V-9: equity = wallet balance + unrealised; V-12: position index 2 is the short leg."""
    pos = Position(event_id="p", ts_exchange_ms=5, ts_local_ns=0, account_id="a",
                   symbol="BTCUSDT", position_idx=2, side=Side.SELL, size=Decimal("0.002"),
                   avg_price=Decimal("100"))  # fmt: skip
    assert (position_point(pos).direction, position_point(pos).entry) == ("short", Decimal(100))
    wallet = Wallet(event_id="w", ts_exchange_ms=5, ts_local_ns=0, account_id="a", coin="USDT",
                    equity=Decimal("0"), wallet_balance=Decimal("1000"),
                    available_balance=Decimal("900"), unrealised_pnl=Decimal("-2.5"))  # fmt: skip
    assert equity_point(wallet).equity == Decimal("997.5")
