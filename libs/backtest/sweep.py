"""Parameter sweeps: the cartesian product of ``--sweep key=v1,v2`` axes, one backtest
per combination over a process pool, one output folder (and manifest) per run, and a
results table (CSV and sortable HTML) with the summary metrics side by side.

Keys are strategy fields (``grid_step``, ``grid_count``, ``amount``,
``rebalance_threshold``), risk settings (``risk.<field>``, ``leverage``) and backtest
settings (``balance``, ``maker_fee``, ``taker_fee``, ``funding_rate``, ``fill_model``,
``ticks``, ``fills``, ``profile``, ``wind_down``). Every combination is validated before
any run starts; a bad value names its key. Workers are forked, so the trade tape is read
once and shared, not copied to each worker.
"""

from __future__ import annotations

import csv
import gc
import io
import itertools
import multiprocessing
import os
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from backtest.config import BacktestConfig
from backtest.outputs import code_version, write_run
from backtest.page import render_page
from backtest.result import InputFile, execute
from marketdata import TradeTape

__all__ = ["SweepRun", "parse_axes", "plan_sweep", "run_sweep"]

_STRATEGY_KEYS = frozenset({"grid_step", "grid_count", "amount", "rebalance_threshold"})
_CONFIG_KEYS = frozenset(
    {"balance", "maker_fee", "taker_fee", "funding_rate", "fill_model", "ticks", "fills",
     "profile", "wind_down", "enable_funding"}
)  # fmt: skip
RESULT_COLUMNS = (
    "fills", "wins", "losses", "realized_pnl", "unrealized_pnl", "fees", "funding", "net_pnl",
    "return_pct", "max_drawdown", "max_drawdown_pct", "drawdown_duration", "win_rate",
    "profit_factor", "sharpe", "volume", "turnover", "peak_im", "peak_mm", "liquidations",
)  # fmt: skip


class SweepRun(msgspec.Struct, frozen=True):
    name: str
    params: dict[str, str]
    config: BacktestConfig


def parse_axes(items: Sequence[str]) -> list[tuple[str, list[str]]]:
    axes: list[tuple[str, list[str]]] = []
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip()
        choices = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not key or not choices:
            raise ValueError(f"sweep: {item!r} is not key=value[,value...]")
        sweepable = key in _STRATEGY_KEYS | _CONFIG_KEYS or key == "leverage"
        if not sweepable and not key.startswith("risk."):
            known = ", ".join(sorted(_STRATEGY_KEYS | _CONFIG_KEYS | {"leverage", "risk.*"}))
            raise ValueError(f"sweep: {key}: not a sweepable setting ({known})")
        if any(key == k for k, _ in axes):
            raise ValueError(f"sweep: {key}: given twice")
        axes.append((key, choices))
    return axes


def _apply(base: dict[str, Any], key: str, value: str) -> None:
    if key in _STRATEGY_KEYS:
        base["strategy"][key] = value
    elif key == "leverage":
        base["strategy"].setdefault("risk", {})["leverage"] = value
    elif key.startswith("risk."):
        base["strategy"].setdefault("risk", {})[key.removeprefix("risk.")] = value
    else:
        base[key] = value == "true" if key == "enable_funding" else value


def plan_sweep(base: BacktestConfig, axes: list[tuple[str, list[str]]]) -> list[SweepRun]:
    """Every combination, validated (``ValueError`` names the key and value)."""
    runs: list[SweepRun] = []
    keys = [k for k, _ in axes]
    for number, values in enumerate(itertools.product(*(v for _, v in axes)), start=1):
        data = msgspec.to_builtins(base)
        for key, value in zip(keys, values, strict=True):
            _apply(data, key, value)
        params = dict(zip(keys, values, strict=True))
        try:
            config = msgspec.convert(data, BacktestConfig, strict=False)
        except (msgspec.ValidationError, ValueError) as exc:
            raise ValueError(f"sweep {params}: {exc}") from None
        label = "-".join(f"{k}={v}" for k, v in params.items())
        runs.append(SweepRun(f"run-{number:03d}-{label}", params, config))
    return runs


# Set in the parent before forking: workers read it without a copy per task.
_TAPE: TradeTape | None = None
_INPUTS: list[InputFile] = []


def _one(job: tuple[SweepRun, str, bool]) -> dict[str, Any]:
    run, out, report = job
    assert _TAPE is not None
    result = execute(run.config, _TAPE, inputs=_INPUTS)
    result_hash = write_run(result, Path(out) / run.name, report=render_page if report else None)
    row: dict[str, Any] = {"run": run.name, **run.params}
    row.update({k: result.summary[k] for k in RESULT_COLUMNS})
    row["result_hash"] = result_hash
    return row


def run_sweep(
    runs: Sequence[SweepRun],
    tape: TradeTape,
    inputs: list[InputFile],
    out: Path,
    *,
    workers: int | None = None,
    report: bool = True,
    on_done: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every combination; writes ``results.csv`` and ``results.html`` under ``out``."""
    global _TAPE, _INPUTS
    _TAPE, _INPUTS = tape, inputs
    code_version()  # read once here: forked workers inherit it instead of asking git each
    jobs = [(run, str(out), report) for run in runs]
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    rows: list[dict[str, Any]] = []
    try:
        if workers == 1:
            for job in jobs:
                rows.append(_one(job))
                if on_done is not None:
                    on_done(len(rows), len(jobs))
        else:
            gc.freeze()  # the tape's objects stay shared: no collector pass copies them
            try:
                with multiprocessing.get_context("fork").Pool(workers) as pool:
                    for row in pool.imap_unordered(_one, jobs):
                        rows.append(row)
                        if on_done is not None:
                            on_done(len(rows), len(jobs))
            finally:
                gc.unfreeze()
            rows.sort(key=lambda row: row["run"])
    finally:
        _TAPE, _INPUTS = None, []
    write_results(rows, out, links=report)
    return rows


def _cell(value: Any) -> Any:
    return format(value, "f") if isinstance(value, Decimal) else value


def write_results(rows: list[dict[str, Any]], out: Path, *, links: bool = True) -> None:
    from report import render_results_table

    columns = list(rows[0]) if rows else ["run"]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.csv").write_text(text.getvalue(), encoding="utf-8")
    display = [
        {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()} for row in rows
    ]
    hrefs = {i: f"{row['run']}/report.html" for i, row in enumerate(rows)} if links else None
    page = render_results_table("Backtest sweep", columns, display, links=hrefs)
    (out / "results.html").write_text(page, encoding="utf-8")
