"""Checks and verdicts (V-13, V-14), thresholds files."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from compare import (
    CompareConfigError,
    CompareOptions,
    Thresholds,
    compare,
    exit_code,
    judge,
    load_thresholds,
)
from tests.compare.helpers import equity, fill, ms, side

WINDOW = CompareOptions(start_ms=ms(0), end_ms=ms(600))


def _run(live_pnl: str = "1", sim_pnl: str = "1", sim_fee: str = "0.02", *, extra: bool = False):  # type: ignore[no-untyped-def]
    live = [fill(10, "a", fee="0.02"), fill(100, "b", side="Sell", fee="0.02", pnl=live_pnl)]
    sim = [fill(10, "a", fee="0.02"), fill(100, "b", side="Sell", fee=sim_fee, pnl=sim_pnl)]
    if extra:
        sim.append(fill(200, "x"))
    curve = [equity(0, "1000"), equity(100, "1001")]
    return compare(side(live, curve), side(sim, curve), WINDOW)


def _statuses(verdict) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k.name: k.status for k in verdict.checks}


def test_identical_runs_pass_every_check() -> None:
    """V-13 defaults, V-14: everything within thresholds → PASS, exit 0."""
    verdict = judge(_run())
    assert set(_statuses(verdict).values()) == {"PASS"}
    assert list(_statuses(verdict)) == [
        "coverage", "no_phantoms", "price", "timing.mean", "timing.p95", "pnl", "fees",
        "equity", "state",
    ]  # fmt: skip
    assert (verdict.status, verdict.exit_code) == ("PASS", 0)


def test_a_phantom_trade_fails_and_fail_wins() -> None:
    """V-13 no phantoms: 1 sim-only of 3 sim trades > 0.05 → FAIL, exit 1."""
    verdict = judge(_run(extra=True))
    assert _statuses(verdict)["no_phantoms"] == "FAIL"
    check = next(k for k in verdict.checks if k.name == "no_phantoms")
    assert check.value == pytest.approx(1 / 3) and check.threshold == 0.05 and check.op == "<="
    assert (verdict.status, verdict.exit_code) == ("FAIL", 1)


def test_pnl_tolerance_is_the_larger_of_absolute_and_relative() -> None:
    """V-13 PnL: |Δ realised| ≤ max(0.01, 5 % × |live|): live 10 → 0.5 allowed."""
    ok = judge(_run("10", "10.4"))
    bad = judge(_run("10", "10.6"))
    assert _statuses(ok)["pnl"] == "PASS" and _statuses(bad)["pnl"] == "FAIL"
    check = next(k for k in bad.checks if k.name == "pnl")
    assert (check.value, check.threshold) == (Decimal("0.6"), Decimal("0.50"))


def test_fees_are_compared_in_decimal() -> None:
    """V-13 fees: |Δ fees| ≤ 0.01 USDT exactly: 0.01 passes, 0.011 fails."""
    assert _statuses(judge(_run(sim_fee="0.03")))["fees"] == "PASS"
    assert _statuses(judge(_run(sim_fee="0.031")))["fees"] == "FAIL"


def test_no_live_executions_is_skip_never_pass() -> None:
    """V-14: a window without live executions: every check SKIP with the reason, exit 2."""
    verdict = judge(compare(side([]), side([fill(1, "a")]), WINDOW))
    assert set(_statuses(verdict).values()) == {"SKIP"}
    assert verdict.reason == "no live executions in the window"
    assert (verdict.status, verdict.exit_code) == ("SKIP", 2)
    nothing = judge(compare(side([]), side([]), WINDOW))
    assert nothing.status == "SKIP"


def test_a_data_problem_is_skip_with_its_reason_never_fail() -> None:
    """V-14 (differs): a data-health gap or a missing seed → SKIP, even where checks
    would fail."""
    verdict = judge(_run(extra=True), skip_reason="seed: no wallet before start")
    assert set(_statuses(verdict).values()) == {"SKIP"}
    assert all(k.reason == "seed: no wallet before start" for k in verdict.checks)
    assert (verdict.status, verdict.exit_code) == ("SKIP", 2)


def test_a_check_without_data_is_skip() -> None:
    """V-11, V-14: no equity on either side → the equity and state checks are n/a and
    the verdict is SKIP, not PASS."""
    live = [fill(10, "a")]
    verdict = judge(compare(side(live), side(live), WINDOW))
    statuses = _statuses(verdict)
    assert statuses["equity"] == "SKIP" and statuses["coverage"] == "PASS"
    assert next(k for k in verdict.checks if k.name == "equity").reason.startswith("n/a")
    assert verdict.status == "SKIP"


def test_follow_mode_pnl_and_fees_are_not_evidence() -> None:
    """V-13: with the follow fill model the PnL and fee checks restate recorded values:
    they say so and do not decide the verdict."""
    verdict = judge(_run("10", "12", sim_fee="0.5"), follow=True)
    pnl = next(k for k in verdict.checks if k.name == "pnl")
    assert pnl.status == "FAIL" and not pnl.evidence and "restates recorded" in pnl.reason
    assert verdict.status == "PASS" and verdict.follow


def test_thresholds_override_the_defaults() -> None:
    """V-13: a stricter coverage threshold turns the same run into a FAIL."""
    verdict = judge(_run(), Thresholds(coverage_min=1.01))
    assert _statuses(verdict)["coverage"] == "FAIL"


@pytest.mark.parametrize(
    ("statuses", "code"),
    [(["PASS", "PASS"], 0), (["PASS", "SKIP"], 2), (["SKIP", "FAIL", "PASS"], 1), ([], 2)],
)
def test_exit_code(statuses: list[str], code: int) -> None:
    """V-14: any FAIL → 1, else any SKIP → 2, else 0; nothing is not a PASS."""
    assert exit_code(statuses) == code


def test_thresholds_file_toml_and_json(tmp_path: Path) -> None:
    """V-13: thresholds from TOML or JSON; money stays Decimal."""
    toml = tmp_path / "t.toml"
    toml.write_text("coverage_min = 0.9\nequity_abs_max = 2.5\n")
    t = load_thresholds(toml)
    assert (t.coverage_min, t.equity_abs_max, t.fees_abs_max) == (
        0.9, Decimal("2.5"), Decimal("0.01"),
    )  # fmt: skip
    js = tmp_path / "t.json"
    js.write_text(json.dumps({"pnl_rel_max": "0.1"}))
    assert load_thresholds(js).pnl_rel_max == Decimal("0.1")


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("coverage_min = 0.9\ncoverage = 1\n", "coverage", "unknown field"),
        ("equity_abs_max = -1\n", "equity_abs_max", "must be >= 0"),
        ('time_p95_abs_s_max = "soon"\n', "time_p95_abs_s_max", "Expected `float`"),
        ("coverage_min = \n", "thresholds", "not valid"),
    ],
)
def test_a_bad_thresholds_file_names_file_and_field(
    tmp_path: Path, text: str, field: str, reason: str
) -> None:
    """V-13: a frozen Struct; an unknown key or bad value is refused by its name."""
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(CompareConfigError) as caught:
        load_thresholds(path)
    assert caught.value.field == field and reason in caught.value.reason
    assert str(caught.value).startswith(f"{path}: {field}: ")
