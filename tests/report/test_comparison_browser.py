"""The comparison page in a real headless Chromium: every chart drawn, every trade on the
timeline, the verdict visibly coloured, no script errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from report import render_comparison_report
from tests.fixtures.chromium import CHROMIUM_MISSING, chromium_page, find_chromium
from tests.report.test_comparison_report import PLOTS, synthetic_comparison

pytestmark = pytest.mark.skipif(find_chromium() is None, reason=CHROMIUM_MISSING)

ALL_PLOTS = "Array.from(document.querySelectorAll('.js-plotly-plot'))"
DRAWN = (
    f"{ALL_PLOTS}.length === {len(PLOTS)} && "
    f"{ALL_PLOTS}.every((p) => p.querySelector('.main-svg') !== null)"
)
# Per plot: its div id, how many .main-svg it drew, and per trace: name, meta, point count.
CHART_STATE = f"""{ALL_PLOTS}.map((p) => ({{
  id: p.id,
  svgs: p.querySelectorAll('.main-svg').length,
  traces: p.data.map((t) => ({{name: t.name, meta: t.meta || null, n: (t.x || []).length}})),
}}))"""
STYLE = "(s) => getComputedStyle(document.querySelector(s)).backgroundColor"


async def test_comparison_report_draws_every_chart_and_every_trade_without_errors(
    tmp_path: Path,
) -> None:
    report = synthetic_comparison(points=6_000, matched=50, live_only=5, sim_only=7)
    path = tmp_path / "comparison.html"
    path.write_text(render_comparison_report(report), encoding="utf-8")

    async with chromium_page() as page:
        await page.navigate(path.as_uri())
        await page.wait_for(DRAWN)
        plots = {p["id"]: p for p in await page.evaluate(CHART_STATE)}
        badge = await page.evaluate(f"({STYLE})('.verdict')")
        fail_row = await page.evaluate(f"({STYLE})('#checks tr.fail')")
        errors = list(page.errors)

    assert errors == []
    assert list(plots) == PLOTS
    assert all(p["svgs"] >= 1 for p in plots.values())
    assert badge == "rgb(207, 34, 46)" and fail_row == "rgb(255, 235, 233)"

    timeline = plots["fig-timeline"]["traces"]
    assert timeline[0]["name"] == "price" and 1_000 < timeline[0]["n"] <= 4_000
    trades = [(t["name"], t["n"]) for t in timeline if t["meta"] == "trades"]
    assert trades == [("matched", 50), ("live-only", 5), ("sim-only", 7)]

    # Equity: 6000 points downsampled to at most 4000, the leading Nones left out.
    equity = [(t["name"], t["n"]) for t in plots["fig-equity"]["traces"]]
    assert [name for name, _ in equity] == ["live", "sim", "sim − live"]
    assert all(1_000 < n <= 4_000 for _, n in equity)
    pnl = [(t["name"], t["n"]) for t in plots["fig-pnl"]["traces"]]
    assert pnl == [("live", 55), ("sim", 57)]
    assert [t["n"] for t in plots["fig-deltas"]["traces"]] == [50, 50]
    positions = [(t["name"], t["n"]) for t in plots["fig-positions"]["traces"]]
    diverged = sum(p.diverged for p in report.positions)
    assert [name for name, _ in positions] == ["live", "sim", "diverged"] * 2
    assert diverged > 0 and positions[2] == ("diverged", 0)
    assert positions[5] == ("diverged", diverged)  # the short leg's, every one kept
