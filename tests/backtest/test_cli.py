"""``gridtwin backtest`` end to end: files in, the run folder out, errors by field or line."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.chromium import CHROMIUM_MISSING, chromium_page, find_chromium

HOUR_FLAGS = ("--symbol", "BTCUSDT", "--grid-count", "50", "--grid-step", "0.2")
FILES = {"fills.csv", "equity.csv", "summary.json", "manifest.json", "report.html"}


def gridtwin(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "backtest", *args],
        capture_output=True,
        text=True,
        timeout=170,
        cwd=cwd,
    )


def write_trades(
    path: Path, rows: list[str], header: str = "id,price,qty,quote_qty,time,is_buyer_maker"
) -> Path:
    with gzip.open(path, "wt", newline="") as fh:
        fh.write("\n".join([header, *rows]) + "\n")
    return path


def walk(n: int = 3000, start: float = 100.0) -> list[str]:
    """A zig-zag on a 0.01 grid that crosses a 1 % grid's levels many times."""
    rows = []
    price = start
    for i in range(n):
        step = 0.05 if (i // 200) % 2 == 0 else -0.05
        price = round(price + step, 2)
        rows.append(
            f"{i + 1},{price:.2f},0.5,0,{1_700_000_000_000 + i * 100},{str(i % 2 == 0).lower()}"
        )
    return rows


def test_real_hour_writes_every_file_with_the_reference_figures(
    real_trades: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    done = gridtwin(
        "--trades", str(real_trades), *HOUR_FLAGS, "--amount", "x0.001", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir()} == FILES
    with (out / "fills.csv").open() as fh:
        fills = list(csv.DictReader(fh))
    assert len(fills) == 51
    assert list(fills[0]) == [
        "ts_ms", "symbol", "side", "direction", "price", "qty", "fee", "realized_pnl",
        "client_order_id", "order_id", "liquidity",
    ]  # fmt: skip
    assert fills[3]["side"] == "Sell" and fills[3]["direction"] == "long"
    assert fills[3]["realized_pnl"] == "0.0366"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["fills"] == 51 and (summary["wins"], summary["losses"]) == (17, 5)
    assert round(summary["net_pnl"], 6) == 0.0876
    for key in ("realized_pnl", "unrealized_pnl", "fees", "funding", "max_drawdown",
                "max_drawdown_pct", "drawdown_duration", "win_rate", "profit_factor", "sharpe",
                "return_pct", "volume", "turnover", "peak_im", "peak_mm", "long", "short",
                "end_positions"):  # fmt: skip
        assert key in summary
    assert summary["end_positions"]["long"]["size"] == "0.007"
    with (out / "equity.csv").open() as fh:
        assert sum(1 for _ in fh) == 36_076 + 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["profile"] == "reference"
    assert manifest["inputs"][0]["sha256"] == (
        "27f7e38cb0a37d1839312bff2206d835b94a3f664222ce20a638526d6d1ea312"
    )
    assert manifest["inputs"][0]["trades"] == 100_311
    assert manifest["config"]["strategy"]["grid_count"] == 50
    assert "commit" in manifest["code_version"]
    again = gridtwin(
        "--trades", str(real_trades), *HOUR_FLAGS, "--out", str(tmp_path / "again"), "--no-report"
    )
    assert again.returncode == 0, again.stderr
    second = json.loads((tmp_path / "again" / "manifest.json").read_text())
    assert second["result_hash"] == manifest["result_hash"]  # same inputs, same outputs


def test_strategy_file_takes_what_admin_takes(tmp_path: Path) -> None:
    trades = write_trades(tmp_path / "t.csv.gz", walk())
    (tmp_path / "s.toml").write_text(
        '[[strategies]]\nstrategy_id = "w1"\naccount_id = "a1"\nsymbol = "BTCUSDT"\n'
        'grid_count = 20\ngrid_step = 1.0\namount = "x0.01"\n'
    )
    by_file = gridtwin(
        "--trades", str(trades), "--strategy-file", str(tmp_path / "s.toml"),
        "--symbol", "BTCUSDT", "--out", str(tmp_path / "a"), "--no-report",
    )  # fmt: skip
    by_flags = gridtwin("--trades", str(trades), "--symbol", "BTCUSDT", "--strategy-id", "w1",
                        "--grid-count", "20", "--grid-step", "1.0", "--amount", "x0.01",
                        "--out", str(tmp_path / "b"), "--no-report")  # fmt: skip
    assert by_file.returncode == by_flags.returncode == 0, by_file.stderr + by_flags.stderr
    fills_a = (tmp_path / "a" / "fills.csv").read_text()
    assert fills_a.count("\n") > 5
    assert fills_a == (tmp_path / "b" / "fills.csv").read_text()


@pytest.mark.parametrize(
    ("rows", "header", "where"),
    [
        ([], "id,price,qty,quote_qty,time,is_buyer_maker", "no BTCUSDT trades"),
        (
            ["1,100.00,0.1,0,1700000000100,false", "2,100.01,0.1,0,1700000000050,true"],
            "id,price,qty,quote_qty,time,is_buyer_maker",
            ":3: unsorted",
        ),
        (["1,100,0.1"], "a,b,c", ":1: unknown trade columns"),
        (
            ["1,abc,0.1,0,1700000000100,false"],
            "id,price,qty,quote_qty,time,is_buyer_maker",
            ":2: malformed",
        ),
    ],
    ids=["empty", "unsorted", "wrong-columns", "bad-number"],
)
def test_bad_data_exits_2_naming_file_and_line_and_writes_nothing(
    tmp_path: Path, rows: list[str], header: str, where: str
) -> None:
    trades = write_trades(tmp_path / "bad.csv.gz", rows, header)
    out = tmp_path / "out"
    done = gridtwin("--trades", str(trades), *HOUR_FLAGS, "--out", str(out))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(trades) in lines[0] and where in lines[0], done.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [trades]  # no staging folder left behind


@pytest.mark.parametrize(
    ("flags", "field"),
    [
        (("--grid-step", "0"), "grid_step"),
        (("--grid-count", "abc"), "grid_count"),
        (("--amount", "b5"), "amount"),
        (("--balance", "-5"), "balance"),
        (("--fill-model", "magic"), "fill_model"),
        (("--ticks", "second"), "ticks"),
        (("--risk", '{"min_liq_ratio": -1}'), "min_liq_ratio"),
        (("--start", "yesterday"), "start"),
        (("--intent-order", "random"), "intent_order"),
        (("--sweep", "grid_step"), "sweep"),
        (("--sweep", "grid_count=20,0"), "grid_count"),
        (("--tick-size", "-0.1"), "tick_size"),
    ],
)
def test_bad_config_exits_1_naming_the_field_and_writes_nothing(
    tmp_path: Path, flags: tuple[str, ...], field: str
) -> None:
    trades = write_trades(tmp_path / "t.csv.gz", walk(50))
    out = tmp_path / "out"
    done = gridtwin("--trades", str(trades), "--symbol", "BTCUSDT", *flags, "--out", str(out))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0], done.stderr
    assert not out.exists()


def test_a_failed_run_leaves_the_previous_output_untouched(tmp_path: Path) -> None:
    trades = write_trades(tmp_path / "t.csv.gz", walk())
    out = tmp_path / "out"
    ok = gridtwin(
        "--trades",
        str(trades),
        "--symbol",
        "BTCUSDT",
        "--grid-step",
        "1.0",
        "--out",
        str(out),
        "--no-report",
    )
    assert ok.returncode == 0, ok.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = write_trades(tmp_path / "bad.csv.gz", ["1,100,0.1,0,5,false", "2,100,0.1,0,4,false"])
    failed = gridtwin("--trades", str(bad), "--symbol", "BTCUSDT", "--out", str(out))
    assert failed.returncode == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_sweep_runs_the_product_with_a_folder_each_and_a_results_table(tmp_path: Path) -> None:
    trades = write_trades(tmp_path / "t.csv.gz", walk())
    out = tmp_path / "sweep"
    done = gridtwin("--trades", str(trades), "--symbol", "BTCUSDT", "--amount", "x0.01",
                    "--sweep", "grid_step=0.5,1.0", "--sweep", "grid_count=10,20",
                    "--workers", "2", "--out", str(out), "--no-report")  # fmt: skip
    assert done.returncode == 0, done.stderr
    runs = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert len(runs) == 4
    for name in runs:
        assert {p.name for p in (out / name).iterdir()} == FILES - {"report.html"}
    with (out / "results.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["grid_step"], r["grid_count"]) for r in rows] == [
        ("0.5", "10"), ("0.5", "20"), ("1.0", "10"), ("1.0", "20"),
    ]  # fmt: skip
    for row in rows:
        summary = json.loads((out / row["run"] / "summary.json").read_text())
        assert int(row["fills"]) == summary["fills"]
        manifest = json.loads((out / row["run"] / "manifest.json").read_text())
        assert manifest["config"]["strategy"]["grid_step"] == float(row["grid_step"])
    assert "<table" in (out / "results.html").read_text()
    assert len({r["fills"] for r in rows}) > 1  # the parameters matter


@pytest.mark.skipif(find_chromium() is None, reason=CHROMIUM_MISSING)
async def test_report_renders_in_chromium_with_every_fill(
    real_trades: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    done = gridtwin("--trades", str(real_trades), *HOUR_FLAGS, "--out", str(out))
    assert done.returncode == 0, done.stderr
    plots = "Array.from(document.querySelectorAll('.js-plotly-plot'))"
    async with chromium_page() as page:
        await page.navigate((out / "report.html").as_uri())
        await page.wait_for(
            f"{plots}.length === 3 && {plots}.every((p) => p.querySelector('.main-svg'))"
        )
        fills = await page.evaluate(
            "document.getElementById('fig-price').data"
            ".filter((t) => (t.name || '').match(/Buy|Sell/))"
            ".reduce((n, t) => n + t.x.length, 0)"
        )
        text = await page.evaluate("document.body.innerText")
        errors = list(page.errors)
    assert errors == []
    assert fills == 51
    assert "strict_cross" in text and "reference" in text and "result_hash" in text
