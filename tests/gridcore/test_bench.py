"""gridcore.bench: shape of the rows, file input, and reference outputs kept identical."""

import gzip
import pathlib

import pytest

from gridcore import bench


def check_rows(rows: list[dict]) -> dict[str, float]:
    assert all(set(row) == {"name", "value", "unit", "note"} for row in rows)
    assert all(isinstance(row["value"], float) and row["value"] >= 0 for row in rows)
    values = {row["name"]: row["value"] for row in rows}
    assert values["steady_state_ticks_per_s"] > 0 and values["overall_ticks_per_s"] > 0
    return values


def test_bench_synthetic_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "SYNTHETIC_TICKS", 3000)
    values = check_rows(bench.run_bench(None))
    assert {"steady_state_ticks_per_s", "us_per_emitted_intent"} <= set(values)


def test_bench_reads_binance_trade_csv(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "trades.csv.gz"
    rows = ["id,price,qty,quote_qty,time,is_buyer_maker"]
    price = 18319.33
    for n in range(400):
        price += (-1) ** (n // 7) * 3.7
        rows.append(f"{n},{price:.2f},0.1,1.0,{1607472000428 + n},false")
    path.write_bytes(gzip.compress(("\n".join(rows) + "\n").encode()))
    result = bench.run_bench(path)
    values = check_rows(result)
    assert "trades.csv.gz; 400 ticks" in result[0]["note"]
    assert values["steady_state_ticks_per_s"] > 0


def test_bench_fill_detection_removes_crossed_orders() -> None:
    book = {
        "long": [bench.RestingOrder(order_id="b", price="99.0", side="Buy")],
        "short": [bench.RestingOrder(order_id="s", price="101.0", side="Sell")],
    }
    assert bench._crossed(book, 100.0) == []
    assert bench._crossed(book, 99.0) == ["99.0"]
    assert book["long"] == [] and len(book["short"]) == 1
