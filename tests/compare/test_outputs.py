"""The V-21 files."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from compare import FILES, CompareOptions, compare, judge, write_outputs
from tests.compare.helpers import equity, fill, ms, side


def _write(out: Path) -> None:
    live = side(
        [fill(10, "a", price="100.0", fee="0.02"), fill(20, "b", side="Sell", pnl="0.5")],
        [equity(0, "1000", "100"), equity(90, "1000.5", "100.2")],
    )
    sim = side(
        [fill(11.5, "a", price="100.2", fee="0.02"), fill(30, "c")],
        [equity(0, "1000", "100"), equity(90, "1000.1", "100.2")],
    )
    comparison = compare(live, sim, CompareOptions(start_ms=ms(0), end_ms=ms(180)))
    write_outputs(comparison, judge(comparison), out)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def _leaves(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict) and set(node) == {"value", "unit"}:
        return [node]
    if isinstance(node, dict):
        return [leaf for child in node.values() for leaf in _leaves(child)]
    return []


def test_every_file_is_written_with_iso_times(tmp_path: Path) -> None:
    """V-21: the seven files; matched rows with both sides, every delta and Δt; times
    ISO 8601 UTC with Z."""
    out = tmp_path / "cmp"
    _write(out)
    assert {p.name for p in out.iterdir()} == set(FILES)
    (pair,) = _rows(out / "matched.csv")
    assert pair["client_id"] == "a" and pair["occurrence"] == "0"
    assert (pair["live_price"], pair["sim_price"], pair["price_delta_ticks"]) == (
        "100.0", "100.2", "2.0",
    )  # fmt: skip
    assert (pair["live_time"], pair["sim_time"], pair["dt_s"]) == (
        "2020-12-09T00:00:10.000Z", "2020-12-09T00:00:11.500Z", "1.5",
    )  # fmt: skip
    unmatched = _rows(out / "unmatched.csv")
    assert [(r["class"], r["client_id"]) for r in unmatched] == [
        ("live_only", "b"), ("sim_only", "c"),
    ]  # fmt: skip
    (breach,) = _rows(out / "breaches.csv")
    assert (breach["client_id"], breach["price_breach"], breach["qty_breach"]) == (
        "a", "true", "false",
    )  # fmt: skip
    curve = _rows(out / "equity.csv")
    assert curve[1] == {"time": "2020-12-09T00:01:00.000Z", "live": "1000", "sim": "1000",
                        "delta": "0"}  # fmt: skip
    assert curve[2]["delta"] == "-0.4"
    legs = _rows(out / "positions.csv")
    assert {r["leg"] for r in legs} == {"long", "short"} and "diverged" in legs[0]


def test_metrics_carry_units_and_na_is_null(tmp_path: Path) -> None:
    """V-21: every metric with its unit; n/a as null, never 0."""
    out = tmp_path / "cmp"
    _write(out)
    doc = json.loads((out / "metrics.json").read_text())
    leaves = _leaves(doc)
    assert len(leaves) > 100 and all(leaf["unit"] for leaf in leaves)
    trades = doc["trades"]
    assert trades["all"]["price"]["p95"] == {"value": 2.0, "unit": "ticks"}
    assert trades["all"]["match_rate"] == {"value": 0.5, "unit": "ratio"}
    assert trades["short"]["match_rate"] == {"value": None, "unit": "ratio"}
    assert trades["all"]["fees_delta"]["unit"] == "USDT"
    assert doc["window"] == {"start": "2020-12-09T00:00:00.000Z",
                             "end": "2020-12-09T00:03:00.000Z"}  # fmt: skip
    assert doc["positions"]["first_divergence_ms"]["unit"] == "UTC"


def test_verdict_lists_each_check(tmp_path: Path) -> None:
    """V-21: each check with its value, threshold, status and reason."""
    out = tmp_path / "cmp"
    _write(out)
    doc = json.loads((out / "verdict.json").read_text())
    assert (doc["status"], doc["exit_code"]) == ("FAIL", 1)
    coverage = doc["checks"][0]
    assert coverage == {"name": "coverage", "status": "FAIL", "value": 0.5, "threshold": 0.95,
                        "op": ">=", "unit": "ratio", "reason": "", "evidence": True}  # fmt: skip


def test_a_second_write_replaces_the_folder_whole(tmp_path: Path) -> None:
    """V-21: written atomically; a stale file from an earlier run does not survive."""
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    _write(out)
    assert {p.name for p in out.iterdir()} == set(FILES)
