"""A run's folder: ``fills.csv``, ``equity.csv``, ``summary.json``, ``manifest.json`` and
``report.html``, written whole or not at all.

Everything is written into a fresh sibling folder first and renamed into place at the
end, so a failed or interrupted run never leaves a half-written ``--out`` (an earlier
run's folder stays as it was until the new one is complete). Money is written exactly
(decimal text, no exponent); the result hash covers the fills, the equity curve and the
summary, so two runs of the same inputs and config give the same hash.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from backtest.result import BacktestResult

__all__ = ["FILLS_COLUMNS", "code_version", "manifest", "replace_dir", "write_run"]

FILLS_COLUMNS = (
    "ts_ms", "symbol", "side", "direction", "price", "qty", "fee", "realized_pnl",
    "client_order_id", "order_id", "liquidity",
)  # fmt: skip
_JSON = msgspec.json.Encoder(decimal_format="number")
_ROOT = Path(__file__).resolve().parents[2]


def _d(value: Decimal) -> str:
    return format(value, "f")


def fills_csv(result: BacktestResult) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FILLS_COLUMNS)
    for f in result.fills:
        writer.writerow(
            (f.ts_ms, f.symbol, f.side, f.direction, _d(f.price), _d(f.qty), _d(f.fee),
             _d(f.realized_pnl), f.client_order_id, f.order_id, f.liquidity)
        )  # fmt: skip
    return out.getvalue().encode()


def equity_csv(result: BacktestResult) -> bytes:
    """``ts_ms,price,equity,drawdown``: one row per ticker; drawdown below the running
    peak, which starts at the initial balance (B-EQ-2)."""
    curve = result.equity.curve
    peak = result.config.balance
    lines = ["ts_ms,price,equity,drawdown"]
    append = lines.append
    for ts, price, equity in zip(curve.ts_ms, curve.price, curve.equity, strict=True):
        if equity > peak:
            peak = equity
        append(f"{ts},{_d(price)},{_d(equity)},{_d(peak - equity)}")
    lines.append("")
    return "\n".join(lines).encode()


def summary_json(result: BacktestResult) -> bytes:
    return msgspec.json.format(_JSON.encode(result.summary), indent=2) + b"\n"


@functools.cache
def code_version() -> dict[str, str]:
    """The package version and, in a git checkout, the commit (``+dirty`` when edited);
    read once per process (a sweep writes many manifests)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = version("gridtwin")
    except PackageNotFoundError:
        package = "unknown"
    commit = "unknown"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        head = subprocess.run(
            ["git", "-C", str(_ROOT), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
        commit = head + ("+dirty" if dirty else "")
    return {"package": package, "commit": commit}


def manifest(result: BacktestResult, result_hash: str) -> dict[str, Any]:
    config = result.config
    return {
        "kind": "backtest",
        "profile": config.profile_name,
        "behaviour": msgspec.to_builtins(config.behaviour),
        "config": msgspec.to_builtins(config),
        "code_version": dict(code_version()),
        "inputs": [msgspec.to_builtins(i) for i in result.inputs],
        "ticks": result.ticks,
        "full_ticks": result.full_ticks,
        "loop_seconds": round(result.seconds, 6),
        "result_hash": result_hash,
    }


def write_run(
    result: BacktestResult,
    out: Path,
    *,
    report: Callable[[BacktestResult, dict[str, Any]], str] | None = None,
) -> str:
    """Write the run's folder atomically; returns the result hash."""
    files = {
        "fills.csv": fills_csv(result),
        "equity.csv": equity_csv(result),
        "summary.json": summary_json(result),
    }
    digest = hashlib.sha256()
    for name in ("fills.csv", "equity.csv", "summary.json"):
        digest.update(name.encode() + b"\0" + files[name])
    result_hash = digest.hexdigest()
    meta = manifest(result, result_hash)
    files["manifest.json"] = msgspec.json.format(_JSON.encode(meta), indent=2) + b"\n"
    if report is not None:
        files["report.html"] = report(result, meta).encode()
    with replace_dir(out) as staging:
        for name, data in files.items():
            (staging / name).write_bytes(data)
    return result_hash


@contextlib.contextmanager
def replace_dir(out: Path) -> Iterator[Path]:
    """A staging folder beside ``out`` that becomes ``out`` when the block succeeds; on
    an error it is removed and ``out`` is left as it was."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield staging
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, old / out.name)
            os.replace(staging, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
