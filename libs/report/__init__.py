"""Self-contained HTML reports: one file per backtest, one per live-vs-sim comparison, one
sortable table per sweep.

Every page opens offline: plotly.js is inlined once, nothing is fetched from the network.
"""

from report.backtest import BacktestReport, ReportFill, render_backtest_report
from report.comparison import (
    ComparisonReport,
    ReportCheck,
    ReportMatch,
    ReportPosition,
    ReportTrade,
    render_comparison_report,
)
from report.table import render_results_table

__all__ = [
    "BacktestReport",
    "ComparisonReport",
    "ReportCheck",
    "ReportFill",
    "ReportMatch",
    "ReportPosition",
    "ReportTrade",
    "render_backtest_report",
    "render_comparison_report",
    "render_results_table",
]
