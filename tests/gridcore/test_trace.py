"""§15 trace harness: ``python -m gridcore.trace`` reproduces the spec's E-11 first tick."""

import json
import subprocess
import sys

import pytest

from gridcore.trace import TraceError, trace_lines

CONFIG = (
    '{"t":"config","symbol":"BTCUSDT","tick_size":"0.1","grid_count":50,"grid_step":0.2,'
    '"rebalance_threshold":0.3,"strat_id":"btcusdt_test","anchor_price":null}'
)
FIRST_TICK = (
    '{"t":"ticker","ts":1767225600000,"last_price":"100000","orders":{"long":[],"short":[]}}'
)

# §15 output-line example and the E-11 golden vectors, rendered in the §15 format.
SPEC_JSON_LINES = {
    0: '{"i":0,"k":"place","direction":"long","side":"Buy","price":"99800.0","reduce_only":false,"grid_level":24,"id":"5913771b821dadb9"}',  # noqa: E501
    1: '{"i":0,"k":"place","direction":"long","side":"Sell","price":"100200.0","reduce_only":true,"grid_level":26,"id":"d41f83a04dee75ba"}',  # noqa: E501
    2: '{"i":0,"k":"place","direction":"long","side":"Buy","price":"99600.4","reduce_only":false,"grid_level":23,"id":"c9b815573ab311c0"}',  # noqa: E501
    3: '{"i":0,"k":"place","direction":"long","side":"Sell","price":"100400.4","reduce_only":true,"grid_level":27,"id":"0c0bfb510d08dc21"}',  # noqa: E501
    4: '{"i":0,"k":"place","direction":"long","side":"Buy","price":"99401.2","reduce_only":false,"grid_level":22,"id":"4019447674df449a"}',  # noqa: E501
    48: '{"i":0,"k":"place","direction":"long","side":"Buy","price":"95118.2","reduce_only":false,"grid_level":0,"id":"9339dcde1fecb4e1"}',  # noqa: E501
    49: '{"i":0,"k":"place","direction":"long","side":"Sell","price":"105121.8","reduce_only":true,"grid_level":50,"id":"ef1b9d3dc043e7a3"}',  # noqa: E501
    50: '{"i":0,"k":"place","direction":"short","side":"Buy","price":"99800.0","reduce_only":true,"grid_level":24,"id":"3f379268492a569d"}',  # noqa: E501
    51: '{"i":0,"k":"place","direction":"short","side":"Sell","price":"100200.0","reduce_only":false,"grid_level":26,"id":"93d443a2ec45a0de"}',  # noqa: E501
    99: '{"i":0,"k":"place","direction":"short","side":"Sell","price":"105121.8","reduce_only":false,"grid_level":50,"id":"652e45b1b811d431"}',  # noqa: E501
}

# E-11 list exactly as the spec prints it (the elided "…" rows are not vectors).
SPEC_E11_ROWS = {
    0: "#0  long  Buy  99800.0  ro=F lvl=24 id=5913771b821dadb9",
    1: "#1  long  Sell 100200.0 ro=T lvl=26 id=d41f83a04dee75ba",
    2: "#2  long  Buy  99600.4  ro=F lvl=23 id=c9b815573ab311c0",
    3: "#3  long  Sell 100400.4 ro=T lvl=27 id=0c0bfb510d08dc21",
    4: "#4  long  Buy  99401.2  ro=F lvl=22 id=4019447674df449a",
    48: "#48 long  Buy  95118.2  ro=F lvl=0  id=9339dcde1fecb4e1",
    49: "#49 long  Sell 105121.8 ro=T lvl=50 id=ef1b9d3dc043e7a3",
    50: "#50 short Buy  99800.0  ro=T lvl=24 id=3f379268492a569d",
    51: "#51 short Sell 100200.0 ro=F lvl=26 id=93d443a2ec45a0de",
    99: "#99 short Sell 105121.8 ro=F lvl=50 id=652e45b1b811d431",
}


def run_trace(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gridcore.trace", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def e11_row(n: int, line: str) -> str:
    row = json.loads(line)
    ro = "T" if row["reduce_only"] else "F"
    return (
        f"{'#' + str(n):<4}{row['direction']:<6}{row['side']:<5}{row['price']:<9}"
        f"{'ro=' + ro} {'lvl=' + str(row['grid_level']):<7}id={row['id']}"
    )


def test_E11_trace_first_tick_matches_spec_byte_for_byte() -> None:
    result = run_trace(f"{CONFIG}\n{FIRST_TICK}\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("\n")
    lines = result.stdout.split("\n")[:-1]
    assert len(lines) == 100
    for n, expected in SPEC_JSON_LINES.items():
        assert lines[n] == expected, n
    for n, expected in SPEC_E11_ROWS.items():
        assert e11_row(n, lines[n]) == expected, n
    assert len({line for line in lines}) == 100


def test_15_grid_flag_prints_the_grid_after_each_event() -> None:
    result = run_trace(f"{CONFIG}\n{FIRST_TICK}\n", "--grid")
    assert result.returncode == 0, result.stderr
    last = json.loads(result.stdout.splitlines()[-1])
    assert last["i"] == 0 and last["k"] == "grid"
    assert last["levels"][0] == ["Buy", "95118.2"]
    assert last["levels"][25] == ["Wait", "100000.0"]
    assert last["levels"][-1] == ["Sell", "105121.8"]
    assert result.stdout.splitlines()[-1].startswith(
        '{"i":0,"k":"grid","levels":[["Buy","95118.2"],'
    )


def test_15_spec_example_session_with_execution_order_and_cancel() -> None:
    lines = [
        CONFIG,
        "",
        '{"t":"ticker","ts":1767225600000,"last_price":"100000","orders":{"long":[{"orderId":"o1","price":"99800.0","side":"Sell"}],"short":[]}}',
        '{"t":"execution","ts":1767225601000,"price":"99800.0","side":"Buy","qty":"0.001","order_id":"o1","order_link_id":"5913771b821dadb9-1767225600000","leaves_qty":"0"}',
        '{"t":"order","ts":1767225601000,"order_id":"o1","order_link_id":"5913771b821dadb9-1767225600000","status":"Filled"}',
        '{"t":"ticker","ts":1767225602000,"last_price":"100250"}',
    ]
    out = list(trace_lines(lines, show_grid=True))
    assert (
        out[0] == '{"i":0,"k":"cancel","direction":"long","order_id":"o1","reason":"side_mismatch"}'
    )
    kinds = [(json.loads(o)["i"], json.loads(o)["k"]) for o in out]
    assert kinds.count((1, "grid")) == 1 and kinds.count((2, "grid")) == 1
    assert (1, "place") not in kinds and (2, "place") not in kinds
    last_grid = json.loads([o for o in out if json.loads(o)["i"] == 2][-1])
    assert last_grid["levels"][24] == ["Wait", "99800.0"]
    assert all(
        json.loads(o)["i"] == 3
        for o in out[out.index(json.dumps(last_grid, separators=(",", ":"))) + 1 :]
    )


def test_15_restored_grid_and_anchor_config_fields() -> None:
    config = json.loads(CONFIG)
    config["anchor_price"] = "29086.0"
    config["restored_grid"] = [["Buy", "99000.0"], ["Wait", "100000.0"], ["Sell", "101000.0"]]
    out = list(trace_lines([json.dumps(config), FIRST_TICK], show_grid=True))
    assert json.loads(out[-1])["levels"] == [
        ["Buy", "99000.0"],
        ["Wait", "100000.0"],
        ["Sell", "101000.0"],
    ]
    assert len(out) == 5
    config["restored_grid"] = None
    out = list(trace_lines([json.dumps(config), FIRST_TICK], show_grid=True))
    assert json.loads(out[-1])["levels"][25] == ["Wait", "29086.0"]


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        '{"t":"ticker","ts":1}',
        '{"t":"bogus","ts":1}',
        '{"t":"ticker","ts":1,"last_price":"abc"}',
        '{"t":"ticker","ts":1,"last_price":"0"}',
    ],
)
def test_15_malformed_or_failing_line_stops_with_its_line_number(bad: str) -> None:
    result = run_trace(f"{CONFIG}\n\n{FIRST_TICK}\n{bad}\n{FIRST_TICK}\n")
    assert result.returncode != 0
    assert "line 4" in result.stderr
    assert len(result.stdout.splitlines()) == 100
    assert all(json.loads(line)["i"] == 0 for line in result.stdout.splitlines())


def test_15_engine_error_prints_no_partial_intents_for_that_line() -> None:
    config = json.loads(CONFIG)
    config["tick_size"] = "0.01"
    with pytest.raises(TraceError) as info:
        list(trace_lines([json.dumps(config), '{"t":"ticker","ts":1,"last_price":"1.0"}']))
    assert info.value.line == 2
    assert "duplicate prices" in str(info.value)


def test_15_bad_config_names_line_1() -> None:
    config = json.loads(CONFIG)
    config["grid_step"] = -1
    result = run_trace(json.dumps(config) + "\n")
    assert result.returncode == 1
    assert "line 1" in result.stderr and "grid_step" in result.stderr
