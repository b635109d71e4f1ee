"""Config decoding: dict, JSON, TOML; unknown fields and bad values fail with a path."""

import json
import pathlib
from decimal import Decimal

import msgspec
import pytest

from services.exchange_sim import FileFeed, RandomWalkFeed, SimConfig, load_config


def test_defaults_run_without_files() -> None:
    cfg = SimConfig()
    btc = cfg.instrument("BTCUSDT")
    eth = cfg.instrument("ETHUSDT")
    assert btc is not None and eth is not None
    assert (btc.tick_size, btc.qty_step, btc.min_qty) == (
        Decimal("0.10"),
        Decimal("0.001"),
        Decimal("0.001"),
    )
    assert (eth.tick_size, eth.qty_step, eth.min_qty) == (
        Decimal("0.01"),
        Decimal("0.01"),
        Decimal("0.01"),
    )
    assert (cfg.fees.maker, cfg.fees.taker) == (Decimal("0.0002"), Decimal("0.00055"))
    assert cfg.funding.interval_hours == 8
    assert len(cfg.accounts) == 2


def test_decode_from_dict_json_and_toml(tmp_path: pathlib.Path) -> None:
    data = {
        "speed": "max",
        "seed": 5,
        "accounts": [{"api_key": "K", "api_secret": "S", "usdt": "2500.5"}],
        "feeds": [
            {"kind": "random_walk", "symbol": "ETHUSDT", "n_trades": 10},
            {"kind": "file", "path": "x.csv.gz", "symbol": "BTCUSDT"},
        ],
        "fees": {"maker": 0.0001, "taker": "0.0006"},
        "faults": {"error_rate": 0.25, "error_kind": "http_5xx"},
    }
    from_dict = load_config(data)
    assert from_dict.speed == "max"
    assert from_dict.accounts[0].usdt == Decimal("2500.5")
    assert from_dict.fees.maker == Decimal("0.0001")
    assert isinstance(from_dict.feeds[0], RandomWalkFeed)
    assert isinstance(from_dict.feeds[1], FileFeed)
    json_path = tmp_path / "sim.json"
    json_path.write_text(json.dumps(data))
    assert load_config(json_path) == from_dict
    toml_path = tmp_path / "sim.toml"
    toml_path.write_text(
        'speed = 50\nseed = 1\n[[accounts]]\napi_key = "K"\napi_secret = "S"\n'
        '[[feeds]]\nkind = "random_walk"\nsymbol = "BTCUSDT"\n[funding]\nrate = "-0.0002"\n'
    )
    from_toml = load_config(toml_path)
    assert from_toml.speed == 50.0
    assert from_toml.funding.rate == Decimal("-0.0002")


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"spede": 1}, "spede"),
        ({"accounts": [{"api_key": "K", "api_secret": "S", "usd": 1}]}, "$.accounts[0]"),
        ({"speed": 0}, "$.speed"),
        ({"speed": "fast"}, "$.speed"),
        ({"faults": {"error_rate": 2}}, "$.faults.error_rate"),
        ({"feeds": [{"kind": "random_walk", "symbol": "DOGEUSDT"}]}, "DOGEUSDT"),
        ({"accounts": [{"api_key": "K", "api_secret": "S", "leverage": "0"}]}, "leverage"),
    ],
)
def test_bad_config_fails_with_the_field(data: dict[str, object], where: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=None) as info:
        load_config(data)
    assert where in str(info.value)


def test_decimal_fields_accept_text_in_code() -> None:
    cfg = SimConfig(seed=1, fees=msgspec.convert({"maker": "0.0003"}, type(SimConfig().fees)))
    assert cfg.fees.maker == Decimal("0.0003")
    feed = RandomWalkFeed(start_price="123.4")  # type: ignore[arg-type]
    assert feed.start_price == Decimal("123.4")
