"""The standalone CLI (`python -m services.exchange_sim`, `add_parser`) and the benchmark."""

import argparse
import asyncio
import pathlib
import sys

from services.exchange_sim import FileFeed, RandomWalkFeed
from services.exchange_sim.bench import run_bench
from services.exchange_sim.cli import add_parser, build_config, run_cli

REPO = pathlib.Path(__file__).resolve().parents[2]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="gridtwin")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["exchange-sim", *argv])


def test_add_parser_builds_the_config(tmp_path: pathlib.Path) -> None:
    config = tmp_path / "sim.toml"
    config.write_text('seed = 9\n[fees]\nmaker = "0.0001"\n')
    args = parse(
        [
            "--feed",
            "a.csv.gz",
            "--feed",
            "random-walk",
            "--symbol",
            "ETHUSDT",
            "--speed",
            "max",
            "--port",
            "0",
            "--config",
            str(config),
        ]
    )
    assert args.func is run_cli
    cfg = build_config(args)
    assert (cfg.seed, cfg.speed, cfg.port, str(cfg.fees.maker)) == (9, "max", 0, "0.0001")
    assert cfg.feeds == (
        FileFeed(path="a.csv.gz", symbol="ETHUSDT"),
        RandomWalkFeed(symbol="ETHUSDT", n_trades=0),
    )
    assert build_config(parse(["--speed", "2.5"])).speed == 2.5


async def test_module_entry_point_prints_urls_and_test_keys(tmp_path: pathlib.Path) -> None:
    feed = tmp_path / "BTCUSDT_trades.csv"
    feed.write_text(
        "id,price,qty,quote_qty,time,is_buyer_maker\n"
        + "".join(
            f"{i},{60000 + i}.5,0.010,600,{1704067200000 + i * 10},false\n" for i in range(50)
        )
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.exchange_sim",
        "--feed",
        str(feed),
        "--speed",
        "max",
        "--port",
        "0",
        "--exit-when-done",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        out, err = await proc.communicate()
    text = out.decode()
    assert proc.returncode == 0, err.decode()
    assert "REST        http://127.0.0.1:" in text
    assert "/v5/public/linear" in text and "/v5/private" in text
    assert "TEST-ONLY" in text and "api_secret=" in text
    assert "feed done: 50 trades" in text


async def test_bad_cli_config_exits_2(tmp_path: pathlib.Path) -> None:
    config = tmp_path / "bad.json"
    config.write_text('{"sped": 1}')
    assert await run_cli(parse(["--config", str(config)])) == 2


async def test_bench_reports_throughput() -> None:
    rows = await run_bench(None, n_trades=5000)
    names = {r["name"] for r in rows}
    assert {"engine_core_trades_per_s", "sim_feed_trades_per_s", "feed_parse_trades_per_s"} <= names
    for row in rows:
        assert set(row) == {"name", "value", "unit", "note"}
        assert row["value"] > 0 and row["note"]
