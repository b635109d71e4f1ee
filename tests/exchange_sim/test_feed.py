"""Feed sources: Binance and Bybit-layout files, the random walk, merging, real data."""

import csv
import gzip
import itertools
import pathlib
from decimal import Decimal

import pytest

from services.exchange_sim import ExchangeSim, FileFeed, RandomWalkFeed
from services.exchange_sim.config import DEFAULT_INSTRUMENTS, data_dir
from services.exchange_sim.feed import FeedReader, random_walk, read_trade_file
from tests.fixtures.exchange import ACCOUNTS, walk_config
from venue.models import OrderRequest

INSTRUMENTS = {i.symbol: i for i in DEFAULT_INSTRUMENTS}
BINANCE_FILE = "binance_um/BTCUSDT_trades_2020-12-09_0000-0100.csv.gz"
BYBIT_LAYOUT_FILE = "binance_um/BTCUSDT_trades_2020-12-09_0000-0100.bybit-schema.csv.gz"
ETH_RAWFEED_FILE = "binance_um_rawfeed/ETHUSDT_trades_2024-07-18T2357_2024-07-19T0005.csv.gz"


def write_gz(path: pathlib.Path, text: str) -> pathlib.Path:
    with gzip.open(path, "wt", newline="") as fh:
        fh.write(text)
    return path


def need_data(relative: str) -> pathlib.Path:
    path = data_dir() / relative
    if not path.exists():
        pytest.skip(f"real data not available: {path} (set GRIDTWIN_DATA_DIR)")
    return path


def test_binance_trades_file(tmp_path: pathlib.Path) -> None:
    path = write_gz(
        tmp_path / "BTCUSDT_trades.csv.gz",
        "id,price,qty,quote_qty,time,is_buyer_maker\n"
        "1,18319.33,0.105,1923.52,1607472000428,false\n"
        "2,18319.30,0.100,1831.93,1607472000428,true\n"
        "3,18319.30,0.120,2198.32,1607472000500,true\n",
    )
    trades = list(read_trade_file(path))
    assert [t.side for t in trades] == ["Buy", "Sell", "Sell"]
    assert [t.tick_direction for t in trades] == ["ZeroPlusTick", "MinusTick", "ZeroMinusTick"]
    assert trades[0].symbol == "BTCUSDT"  # inferred from the file name
    assert (trades[0].price, trades[0].size, trades[0].ts_ms) == (
        Decimal("18319.33"),
        Decimal("0.105"),
        1607472000428,
    )


def test_bybit_dump_layout_is_sorted_and_in_seconds(tmp_path: pathlib.Path) -> None:
    header = (
        "timestamp,symbol,side,size,price,tickDirection,trdMatchID,"
        "grossValue,homeNotional,foreignNotional,RPI\n"
    )
    path = write_gz(
        tmp_path / "anything.csv.gz",
        header
        + "1704067201.5,BTCUSDT,Sell,0.002,42000.5,MinusTick,b,8.4e+09,0.002,84.001,0\n"
        + "1704067200.2296,BTCUSDT,Buy,0.001,42001.0,PlusTick,a,4.2e+09,0.001,42.001,0\n",
    )
    trades = list(read_trade_file(path))
    assert [t.trade_id for t in trades] == ["a", "b"]
    assert trades[0].ts_ms == 1704067200230
    assert trades[1].tick_direction == "MinusTick"


def test_extracted_rawfeed_layout(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "local_recv_ts,event_time_ms,trade_time_ms,trade_id,price,qty,is_buyer_maker,type\n"
        "1,1721347022000,1721347021999,77,3420.10,0.5,false,MARKET\n"
    )
    [trade] = read_trade_file(path, "ETHUSDT")
    assert (trade.symbol, trade.ts_ms, trade.trade_id, trade.side) == (
        "ETHUSDT",
        1721347021999,
        "77",
        "Buy",
    )


def test_unknown_header_is_rejected(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "BTCUSDT.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="unknown trade file header"):
        list(read_trade_file(path))


def test_random_walk_is_seeded_and_on_the_tick_grid() -> None:
    cfg = RandomWalkFeed(symbol="BTCUSDT", n_trades=500)
    first = list(random_walk(cfg, INSTRUMENTS["BTCUSDT"], seed=3))
    again = list(random_walk(cfg, INSTRUMENTS["BTCUSDT"], seed=3))
    other = list(random_walk(cfg, INSTRUMENTS["BTCUSDT"], seed=4))
    assert first == again
    assert first != other
    assert len(first) == 500
    assert all(t.price % Decimal("0.10") == 0 and t.size % Decimal("0.001") == 0 for t in first)
    assert all(a.ts_ms <= b.ts_ms for a, b in itertools.pairwise(first))


def test_reader_merges_feeds_by_time() -> None:
    cfg = walk_config(n_trades=300)
    reader = FeedReader(cfg.feeds, INSTRUMENTS, cfg.seed)
    reader.prime()
    trades = reader.next_chunk(10_000)
    reader.close()
    assert len(trades) == 600
    assert {t.symbol for t in trades} == {"BTCUSDT", "ETHUSDT"}
    assert all(a.ts_ms <= b.ts_ms for a, b in itertools.pairwise(trades))
    assert set(reader.initial_prices) == {"BTCUSDT", "ETHUSDT"}


def test_real_binance_and_bybit_layout_files_agree() -> None:
    binance = read_trade_file(need_data(BINANCE_FILE))
    bybit = read_trade_file(need_data(BYBIT_LAYOUT_FILE))
    for _ in range(2000):
        a, b = next(binance), next(bybit)
        assert (a.ts_ms, a.side, a.price, a.size, a.trade_id) == (
            b.ts_ms,
            b.side,
            b.price,
            b.size,
            b.trade_id,
        )
    binance.close()
    bybit.close()


def test_default_instruments_match_the_shared_instrument_file() -> None:
    path = need_data("instrument_info.csv")
    with path.open(newline="") as fh:
        rows = {r["symbol"]: r for r in csv.DictReader(fh) if r["market"] == "bybit"}
    for inst in DEFAULT_INSTRUMENTS:
        row = rows[inst.symbol]
        assert Decimal(row["minimum_price_variation"]) == inst.tick_size
        assert Decimal(row["lot_size"]) == inst.qty_step
        assert Decimal(row["minimum_order_size"]) == inst.min_qty


async def test_real_eth_feed_plays_through_resting_orders_at_max_speed() -> None:
    path = need_data(ETH_RAWFEED_FILE)
    cfg = walk_config(feeds=(FileFeed(path=str(path), symbol="ETHUSDT"),), accounts=ACCOUNTS)
    async with ExchangeSim(cfg) as sim:
        ex = sim.exchange
        start = ex.markets["ETHUSDT"].last_price
        assert start is not None
        for i in range(1, 6):
            for side, idx, sign in (("Buy", 1, -1), ("Sell", 2, 1)):
                price = (start + sign * Decimal("0.50") * i).quantize(Decimal("0.01"))
                ex.place(
                    "TESTKEYA",
                    OrderRequest("ETHUSDT", side, "Limit", Decimal("0.10"), price, "GTC", idx),
                )
        await sim.start_feed()
        played = await sim.feed_done()
        assert played == 13_655
        executions = sim.executions("TESTKEYA")
        assert executions, "the 8-minute ETH window should cross some of the ±2.5 USDT levels"
        trades = [e for e in executions if e["execType"] == "Trade"]
        long = sim.position("TESTKEYA", "ETHUSDT", 1)
        bought = sum(Decimal(e["execQty"]) for e in trades if e["side"] == "Buy")
        assert Decimal(long["size"]) == bought
        # the window spans 2024-07-19 00:00 UTC: open positions pay or receive funding then
        funding = [e for e in executions if e["execType"] == "Funding"]
        assert {e["execTime"] for e in funding} <= {"1721347200000"}
