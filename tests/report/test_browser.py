"""The generated pages in a real headless Chromium: every chart drawn, no script errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from report import render_backtest_report, render_results_table
from report._series import drawdown
from tests.fixtures.chromium import CHROMIUM_MISSING, CdpError, chromium_page, find_chromium
from tests.report.helpers import empty_report, synthetic_report

pytestmark = pytest.mark.skipif(find_chromium() is None, reason=CHROMIUM_MISSING)

PLOTS = "Array.from(document.querySelectorAll('.js-plotly-plot'))"
DRAWN = f"{PLOTS}.length === 3 && {PLOTS}.every((p) => p.querySelector('.main-svg') !== null)"
# Per plot: its div id, how many .main-svg it drew, and per trace: name, meta, point count.
CHART_STATE = f"""{PLOTS}.map((p) => ({{
  id: p.id,
  svgs: p.querySelectorAll('.main-svg').length,
  traces: p.data.map((t) => ({{name: t.name, meta: t.meta || null, n: (t.x || []).length}})),
  ymax: p.data.map((t) => Math.max(...(t.y || []))),
}}))"""


def _write(tmp_path: Path, name: str, html: str) -> str:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path.as_uri()


async def test_backtest_report_draws_every_chart_with_all_fills_and_no_errors(
    tmp_path: Path,
) -> None:
    report = synthetic_report(ticks=50_000, fills=200)
    html = render_backtest_report(report)
    assert len(html.encode()) < 6_000_000
    url = _write(tmp_path, "report.html", html)

    async with chromium_page() as page:
        await page.navigate(url)
        await page.wait_for(DRAWN)
        plots = {p["id"]: p for p in await page.evaluate(CHART_STATE)}
        errors = list(page.errors)

    assert errors == []
    assert list(plots) == ["fig-equity", "fig-price", "fig-levels"]
    assert all(p["svgs"] >= 1 for p in plots.values())
    equity, dd = plots["fig-equity"]["traces"]
    assert 1_000 < equity["n"] <= 4_000 and dd["n"] <= 4_000
    # The deepest drawdown survived downsampling all the way into the drawn chart.
    assert plots["fig-equity"]["ymax"][1] == pytest.approx(
        max(drawdown(report.equity, report.initial_balance))
    )
    price_traces = plots["fig-price"]["traces"]
    assert price_traces[0]["name"] == "price" and price_traces[0]["n"] <= 4_000
    fill_traces = [t for t in price_traces if t["meta"] == "fills"]
    assert {t["name"] for t in fill_traces} == {"Buy open", "Buy close", "Sell open", "Sell close"}
    assert sum(t["n"] for t in fill_traces) == 200
    levels = plots["fig-levels"]["traces"]
    assert [t["name"] for t in levels] == ["Buy", "Sell"]
    assert sum(t["n"] for t in levels) == len({(f.side, f.price) for f in report.fills})


async def test_empty_backtest_report_opens_without_errors(tmp_path: Path) -> None:
    url = _write(tmp_path, "empty.html", render_backtest_report(empty_report()))
    async with chromium_page() as page:
        await page.navigate(url)
        text = await page.evaluate("document.body.innerText")
        plots = await page.evaluate(f"{PLOTS}.length")
        errors = list(page.errors)
    assert errors == []
    assert "No data: no ticks and no fills." in text and plots == 0


ROWS = [
    {"run": "run-9", "net_pnl": 9.0, "fills": 3},
    {"run": "run-10", "net_pnl": -5.5, "fills": 100},
    {"run": "run-100", "net_pnl": None, "fills": 20},
    {"run": "run-2", "net_pnl": 10.25, "fills": 4},
]
FIRST_COLUMN = (
    "Array.from(document.querySelectorAll('#results tbody tr'), (r) => r.cells[0].innerText)"
)


def _click(column: int) -> str:
    return (
        f"document.querySelectorAll('#results th')[{column}]"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))"
    )


async def test_results_table_sorts_numerically_then_reverses_on_a_second_click(
    tmp_path: Path,
) -> None:
    links = {i: f"{row['run']}/report.html" for i, row in enumerate(ROWS)}
    html = render_results_table("sweep", ["run", "net_pnl", "fills"], ROWS, links=links)
    url = _write(tmp_path, "results.html", html)

    async with chromium_page() as page:
        await page.navigate(url)
        initial = await page.evaluate(FIRST_COLUMN)
        await page.evaluate(_click(2))  # fills: 3 < 4 < 20 < 100, not "100" < "20" < "3"
        by_fills = await page.evaluate(FIRST_COLUMN)
        await page.evaluate(_click(2))
        by_fills_desc = await page.evaluate(FIRST_COLUMN)
        await page.evaluate(_click(1))  # net_pnl ascending, the missing value last
        by_pnl = await page.evaluate(FIRST_COLUMN)
        await page.evaluate(_click(0))  # text column: natural order of run names
        by_name = await page.evaluate(FIRST_COLUMN)
        sort_state = await page.evaluate(
            "Array.from(document.querySelectorAll('#results th'), (h) => h.ariaSort)"
        )
        href = await page.evaluate(
            "document.querySelector('#results tbody tr a').getAttribute('href')"
        )
        errors = list(page.errors)

    assert errors == []
    assert initial == ["run-9", "run-10", "run-100", "run-2"]
    assert by_fills == ["run-9", "run-2", "run-100", "run-10"]
    assert by_fills_desc == ["run-10", "run-100", "run-2", "run-9"]
    assert by_pnl == ["run-10", "run-9", "run-2", "run-100"]
    assert by_name == ["run-2", "run-9", "run-10", "run-100"]
    assert sort_state == ["ascending", None, None]
    assert href == "run-2/report.html"  # links travel with their row


async def test_browser_driver_reports_console_errors_and_uncaught_exceptions(
    tmp_path: Path,
) -> None:
    url = _write(
        tmp_path,
        "broken.html",
        "<!DOCTYPE html><title>broken</title>"
        "<script>console.error('bad', 42)</script>"
        "<script>throw new Error('boom')</script>",
    )
    async with chromium_page() as page:
        await page.navigate(url)
        with pytest.raises(CdpError, match="nope"):
            await page.evaluate("(() => { throw new Error('nope') })()")
        errors = list(page.errors)
    assert any(e.startswith("console.error: bad 42") for e in errors), errors
    assert any(e.startswith("exception: Error: boom") for e in errors), errors
