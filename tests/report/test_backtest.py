"""The backtest page as text: sections, one inlined plotly.js, escaping, numbers, empty runs."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from plotly.offline import get_plotlyjs

from report import BacktestReport, ReportFill, render_backtest_report
from tests.report.helpers import empty_report, synthetic_report

PLOTLY_BANNER = "* plotly.js v"  # the bundle's licence header: once per inlined copy
T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z
SECTIONS = ["overview", "equity", "price", "levels", "summary", "manifest"]


@pytest.fixture(scope="module")
def page() -> str:
    return render_backtest_report(synthetic_report(ticks=20_000, fills=120))


def _small(**overrides: object) -> BacktestReport:
    fields: dict[str, object] = {
        "title": "small",
        "symbol": "BTCUSDT",
        "summary": {"net_pnl": 20.0},
        "manifest": {"code_version": "abc"},
        "equity_ts_ms": [T0, T0 + 1_000, T0 + 2_000, T0 + 3_000],
        "equity": [100.0, 110.0, 90.0, 120.0],
        "price_ts_ms": [T0, T0 + 3_000],
        "price": [42_000.0, 42_100.0],
        "fills": [
            ReportFill(
                ts_ms=T0 + 1_500, side="Buy", direction="long", price=42_050.0,
                qty=0.01, fee=0.1, realized_pnl=0.0, opening=True,
            )
        ],
        "initial_balance": 100.0,
        "profile": "quirky",
    }  # fmt: skip
    fields.update(overrides)
    return BacktestReport(**fields)  # type: ignore[arg-type]


def test_page_has_every_section_in_order(page: str) -> None:
    positions = [page.find(f'id="{section}"') for section in SECTIONS]
    assert all(p >= 0 for p in positions), dict(zip(SECTIONS, positions, strict=True))
    assert positions == sorted(positions)
    for div in ("fig-equity", "fig-price", "fig-levels"):
        assert page.count(f'id="{div}"') == 1


def test_plotly_js_is_inlined_exactly_once_and_nothing_is_fetched(page: str) -> None:
    assert page.count(PLOTLY_BANNER) == 1
    assert page.count("Plotly.newPlot(") == 3
    assert "<script src" not in page and 'src="http' not in page
    # Outside the bundle (whose source mentions URLs it never loads here) no address at all.
    assert "http" not in page.replace(get_plotlyjs(), "")


def test_header_shows_symbol_profile_utc_period_and_headline() -> None:
    page = render_backtest_report(_small())
    assert "symbol <b>BTCUSDT</b>" in page and "profile <b>quirky</b>" in page
    assert "2024-01-01T00:00:00.000Z → 2024-01-01T00:00:03.000Z" in page
    # net +20 on 100 (+20 %), one fill, peak 110 -> 90: drawdown 20, 18.18 % of the peak.
    assert "net PnL <b>+20.0000</b> (+20.0000 %)" in page
    assert "fills <b>1</b>" in page
    assert "max drawdown <b>20.0000</b> (18.1818 %)" in page


def test_strings_from_the_data_are_escaped() -> None:
    attack = "<script>alert(1)</script>"
    report = _small(
        title=attack,
        symbol=attack,
        profile=attack,
        summary={attack: attack},
        manifest={"config": {"name": attack}},
        fills=[
            ReportFill(
                ts_ms=T0 + 1_500, side=attack, direction=attack, price=1.0, qty=1.0,
                fee=0.0, realized_pnl=0.0, opening=False,
            )
        ],
    )  # fmt: skip
    page = render_backtest_report(report)
    assert attack not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<title>&lt;script&gt;" in page


def test_summary_numbers_are_fixed_point_with_sensible_precision(page: str) -> None:
    summary = page[page.index('id="summary"') : page.index('id="manifest"')]
    assert ">0.0000001500<" in summary
    assert ">1,250,000,000,000,000.00<" in summary
    assert ">200<" not in summary and ">120<" in summary  # the int metric, as is
    assert ">true<" in summary and ">—<" in summary
    assert "{&quot;Buy&quot;: 60, &quot;Sell&quot;: 60}" in summary
    assert not re.search(r">[-\d.,]+e[-+]?\d+<", summary)


def test_manifest_is_pretty_printed_json_in_a_pre_block(page: str) -> None:
    manifest = page[page.index('id="manifest"') :]
    assert "<pre>{\n" in manifest
    assert "\n  &quot;code_version&quot;: &quot;abc123&quot;,\n" in manifest
    assert "&quot;sha256&quot;: &quot;" + "00" * 32 in manifest


def test_fifty_thousand_ticks_stay_a_few_megabytes() -> None:
    page = render_backtest_report(synthetic_report(ticks=50_000, fills=200))
    assert len(page.encode()) < 6_000_000


def test_empty_run_renders_a_page_without_charts_or_scripts() -> None:
    page = render_backtest_report(empty_report())
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "No data: no ticks and no fills." in page
    assert "<script" not in page and PLOTLY_BANNER not in page
    assert "period —" in page and "No metrics." in page and "<pre>{}</pre>" in page


def test_fills_without_ticks_still_plot_the_fills() -> None:
    page = render_backtest_report(_small(equity_ts_ms=[], equity=[], price_ts_ms=[], price=[]))
    assert "No equity data." in page
    assert 'id="fig-price"' in page and 'id="fig-levels"' in page
    assert page.count(PLOTLY_BANNER) == 1


def test_series_with_mismatched_lengths_are_rejected() -> None:
    with pytest.raises(ValueError, match="4 equity timestamps, 3 values"):
        _small(equity=[1.0, 2.0, 3.0])


def test_importing_report_does_not_import_plotly() -> None:
    code = "import sys, report; sys.exit('plotly' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
