"""The comparison of a live run with its simulation (spec/validation.md V-1..V-14, V-21):
trades per order lifecycle, one-to-one matching, metrics in the instrument's units,
equity and positions on a clock grid, checks and a PASS/FAIL/SKIP verdict, the files
and the HTML report."""

from compare.comparison import Comparison, compare, window_of
from compare.deltas import Breach, Deltas
from compare.equity import EquityMetrics, EquityRow
from compare.errors import CompareConfigError, CompareError, RunFolderError
from compare.folder import load_run_folder
from compare.html import comparison_report, render_report
from compare.live import equity_point, fill_from_execution, position_point
from compare.matching import Matching, MatchMode, Pair, match_assignment, match_occurrence
from compare.metrics import DeltaStats, TradeMetrics
from compare.options import AboveThresholds, CompareOptions, Thresholds, load_thresholds
from compare.outputs import FILES, PNL_FILES, write_outputs, write_pnl_check
from compare.pnl_check import DEFAULT_TOLERANCE, FieldTotal, PnlCheck, PnlRow, check_pnl
from compare.positions import PositionMetrics, PositionRow, derive_positions
from compare.records import EquityPoint, Fill, PositionPoint, Side, Window
from compare.timefmt import iso, parse_time
from compare.trades import Trade, aggregate
from compare.verdict import Check, Verdict, exit_code, judge

__all__ = [
    "DEFAULT_TOLERANCE",
    "FILES",
    "PNL_FILES",
    "AboveThresholds",
    "Breach",
    "Check",
    "CompareConfigError",
    "CompareError",
    "CompareOptions",
    "Comparison",
    "DeltaStats",
    "Deltas",
    "EquityMetrics",
    "EquityPoint",
    "EquityRow",
    "FieldTotal",
    "Fill",
    "MatchMode",
    "Matching",
    "Pair",
    "PnlCheck",
    "PnlRow",
    "PositionMetrics",
    "PositionPoint",
    "PositionRow",
    "RunFolderError",
    "Side",
    "Thresholds",
    "Trade",
    "TradeMetrics",
    "Verdict",
    "Window",
    "aggregate",
    "check_pnl",
    "compare",
    "comparison_report",
    "derive_positions",
    "equity_point",
    "exit_code",
    "fill_from_execution",
    "iso",
    "judge",
    "load_run_folder",
    "load_thresholds",
    "match_assignment",
    "match_occurrence",
    "parse_time",
    "position_point",
    "render_report",
    "window_of",
    "write_outputs",
    "write_pnl_check",
]
