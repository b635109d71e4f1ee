"""``gridtwin compare`` end to end on real backtest folders: the same config matches
itself perfectly; two fill models differ and the verdict says so."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

GRID = ("--symbol", "TESTUSDT", "--tick-size", "0.01", "--qty-step", "0.01", "--min-qty", "0.01",
        "--grid-count", "20", "--grid-step", "1.0", "--amount", "x0.01", "--no-report")  # fmt: skip
# Legs on a 0.01 grid turning exactly on the 1 % grid's levels (99.06, 100.06, 101.06,
# 102.07): trade_through fills on the touch, strict_cross only when crossed.
TURNS = (100.05, 101.06, 99.5, 101.06, 98.0, 102.07, 100.06, 103.5, 101.06, 99.06, 101.5,
         100.06, 102.07, 97.5, 100.06)  # fmt: skip


def gridtwin(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        capture_output=True, text=True, timeout=170,
    )  # fmt: skip


def _touch_walk(path: Path) -> Path:
    rows, price, ts = [], TURNS[0], 1_700_000_000_000
    for target in TURNS[1:]:
        step = 0.01 if target > price else -0.01
        while round(price, 2) != round(target, 2):
            price = round(price + step, 2)
            ts += 100
            rows.append(f"{len(rows) + 1},{price:.2f},0.5,0,{ts},{str(len(rows) % 2 == 0).lower()}")
    with gzip.open(path, "wt", newline="") as fh:
        fh.write("\n".join(["id,price,qty,quote_qty,time,is_buyer_maker", *rows]) + "\n")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    trades = _touch_walk(root / "touch.csv.gz")
    out = {}
    for name, model in (("a", "strict_cross"), ("b", "strict_cross"), ("tt", "trade_through")):
        out[name] = root / name
        done = gridtwin("backtest", "--trades", str(trades), *GRID, "--fill-model", model,
                        "--out", str(out[name]))  # fmt: skip
        assert done.returncode == 0, done.stderr
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def test_the_same_config_twice_matches_fully_and_passes(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    """V-7, V-13, V-14: identical runs → 100 % matched, zero deltas, PASS, exit 0."""
    out = tmp_path / "cmp"
    done = gridtwin("compare", "--live", str(runs["a"]), "--sim", str(runs["b"]), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verdict PASS" in done.stdout and "matched 25 (100.0 %)" in done.stdout
    metrics = json.loads((out / "metrics.json").read_text())["trades"]["all"]
    assert metrics["match_rate"]["value"] == 1.0 and metrics["sim_only"]["value"] == 0
    for family in ("price", "qty", "time", "fee", "pnl"):
        assert metrics[family]["max"]["value"] == 0.0, family
    assert metrics["realized_delta"]["value"] == 0 and metrics["fees_delta"]["value"] == 0
    verdict = json.loads((out / "verdict.json").read_text())
    assert {c["status"] for c in verdict["checks"]} == {"PASS"}
    assert _rows(out / "unmatched.csv") == [] and _rows(out / "breaches.csv") == []


def test_strict_cross_against_trade_through_lists_the_differences(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    """V-8, §3, V-14: the touch fills only trade_through makes are sim-only trades, the
    changed sizes are qty breaches, and checks FAIL: exit 1."""
    out = tmp_path / "cmp"
    done = gridtwin("compare", "--live", str(runs["a"]), "--sim", str(runs["tt"]),
                    "--out", str(out))  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "verdict FAIL" in done.stdout
    unmatched = _rows(out / "unmatched.csv")
    assert unmatched and {r["class"] for r in unmatched} <= {"live_only", "sim_only"}
    assert any(r["class"] == "sim_only" for r in unmatched)
    breaches = _rows(out / "breaches.csv")
    assert breaches and all(r["qty_breach"] == "true" for r in breaches)
    verdict = json.loads((out / "verdict.json").read_text())
    failed = {c["name"] for c in verdict["checks"] if c["status"] == "FAIL"}
    assert {"no_phantoms", "equity", "state"} <= failed
    matched = _rows(out / "matched.csv")
    metrics = json.loads((out / "metrics.json").read_text())["trades"]["all"]
    assert metrics["matched"]["value"] == len(matched)
    assert metrics["sim_only"]["value"] == sum(r["class"] == "sim_only" for r in unmatched)
    # The page carries the same verdict, and every sim-only trade as its own marker.
    page = (out / "report.html").read_text()
    assert 'class="verdict verdict-fail"' in page
    assert f"sim-only <b>{metrics['sim_only']['value']}</b>" in page


def test_occurrence_matching_is_offered(runs: dict[str, Path], tmp_path: Path) -> None:
    """V-6: --match occurrence runs the reference's join and records the mode."""
    out = tmp_path / "cmp"
    done = gridtwin("compare", "--live", str(runs["a"]), "--sim", str(runs["tt"]),
                    "--out", str(out), "--match", "occurrence")  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert json.loads((out / "metrics.json").read_text())["options"]["match"] == "occurrence"


def test_the_real_hour_matches_itself(real_trades: Path, tmp_path: Path) -> None:
    """V-7, V-14 on the real BTCUSDT hour: 51 fills twice → all matched, PASS."""
    flags = ("--symbol", "BTCUSDT", "--grid-count", "50", "--grid-step", "0.2", "--amount",
             "x0.001", "--no-report")  # fmt: skip
    for name in ("a", "b"):
        done = gridtwin("backtest", "--trades", str(real_trades), *flags,
                        "--out", str(tmp_path / name))  # fmt: skip
        assert done.returncode == 0, done.stderr
    done = gridtwin("compare", "--live", str(tmp_path / "a"), "--sim", str(tmp_path / "b"),
                    "--out", str(tmp_path / "cmp"))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "matched 51 (100.0 %)" in done.stdout and "verdict PASS" in done.stdout


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (("--max-time-delta", "0"), 1, "--max-time-delta: '0': must be > 0"),
        (("--match", "nearest"), 1, "--match: 'nearest': choose assignment or occurrence"),
        (("--start", "yesterday"), 1, "--start: 'yesterday' is not an ISO 8601 time or epoch ms"),
        (
            ("--start", "2020-12-09T01:00Z", "--end", "2020-12-09"),
            1,
            "--end: must be after --start",
        ),
        (("--thresholds", "{thresholds}"), 1, "{thresholds}: coverage: unknown field"),
        (("--out", "{live}"), 1, "--out: is the --live folder; choose another"),
    ],
)
def test_bad_configuration_exits_1_naming_the_flag_or_field(
    runs: dict[str, Path], tmp_path: Path, extra: tuple[str, ...], code: int, message: str
) -> None:
    """V-13 thresholds file: unknown keys refused by name; one line, nothing written."""
    thresholds = tmp_path / "t.toml"
    thresholds.write_text("coverage = 0.9\n")
    extra = tuple(a.format(thresholds=thresholds, live=runs["a"]) for a in extra)
    out = tmp_path / "cmp"
    done = gridtwin("compare", "--live", str(runs["a"]), "--sim", str(runs["b"]),
                    "--out", str(out), *extra)  # fmt: skip
    assert done.returncode == code
    expected = message.format(thresholds=thresholds)
    assert done.stderr == f"gridtwin compare: error: {expected}\n" and not out.exists()


def test_a_bad_folder_exits_2_naming_it(runs: dict[str, Path], tmp_path: Path) -> None:
    """V-14: a side that cannot be read is a data error, never a verdict: exit 2, the
    path named."""
    missing = tmp_path / "nowhere"
    done = gridtwin("compare", "--live", str(missing), "--sim", str(runs["b"]),
                    "--out", str(tmp_path / "cmp"))  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == f"gridtwin compare: error: {missing}: --live: no such run folder"
