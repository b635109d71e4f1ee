"""Checks (V-13) and the verdict (V-14): PASS, FAIL or SKIP, never PASS on no data."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

import msgspec

from compare.comparison import Comparison
from compare.options import Thresholds

__all__ = ["Check", "Status", "Verdict", "exit_code", "judge"]

Status = Literal["PASS", "FAIL", "SKIP"]
Number = float | Decimal
_CODES = {"PASS": 0, "FAIL": 1, "SKIP": 2}
_NO_LIVE = "no live executions in the window"
_FOLLOW = "follow: restates recorded values, not evidence about a fill model"


class Check(msgspec.Struct, frozen=True, kw_only=True):
    """One check: passes when ``value op threshold`` (``op`` is "<=" or ">=")."""

    name: str
    status: Status
    value: Number | None
    threshold: Number
    op: str
    unit: str
    reason: str = ""
    #: False for checks that restate recorded values (``follow``): not in the verdict.
    evidence: bool = True


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    status: Status
    checks: tuple[Check, ...]
    reason: str = ""
    follow: bool = False

    @property
    def exit_code(self) -> int:
        return exit_code([self.status])


def exit_code(statuses: Iterable[str]) -> int:
    """Any FAIL → 1, else any SKIP → 2, else 0 (V-14); nothing at all is not a PASS."""
    seen = set(statuses)
    if "FAIL" in seen:
        return 1
    if "SKIP" in seen or not seen:
        return 2
    return 0


def _check(
    name: str, value: Number | None, threshold: Number, op: str, unit: str, *, na: str,
    evidence: bool = True, reason: str = "",
) -> Check:  # fmt: skip
    if value is None:
        return Check(name=name, status="SKIP", value=None, threshold=threshold, op=op,
                     unit=unit, reason=f"n/a: {na}", evidence=evidence)  # fmt: skip
    ok = value <= threshold if op == "<=" else value >= threshold  # type: ignore[operator]
    return Check(name=name, status="PASS" if ok else "FAIL", value=value, threshold=threshold,
                 op=op, unit=unit, reason=reason, evidence=evidence)  # fmt: skip


def _checks(c: Comparison, t: Thresholds, follow: bool) -> list[Check]:
    m = c.trades["all"]
    pnl_limit = max(t.pnl_abs_max, t.pnl_rel_max * abs(m.live_realized))
    mean_dt = m.time.mean_signed
    note = _FOLLOW if follow else ""
    return [
        _check("coverage", m.match_rate, t.coverage_min, ">=", "ratio", na="no live trades"),
        _check("no_phantoms", m.sim_only_rate, t.sim_only_rate_max, "<=", "ratio",
               na="no sim trades"),
        _check("price", m.price.p95, t.price_p95_ticks_max, "<=", "ticks",
               na="no matched trades"),
        _check("timing.mean", None if mean_dt is None else abs(mean_dt), t.time_mean_abs_s_max,
               "<=", "s", na="no matched trades"),
        _check("timing.p95", m.time.p95, t.time_p95_abs_s_max, "<=", "s",
               na="no matched trades"),
        _check("pnl", abs(m.realized_delta), pnl_limit, "<=", "USDT", na="",
               evidence=not follow,
               reason=note or f"threshold max({t.pnl_abs_max}, {t.pnl_rel_max} × |live realised|)"),
        _check("fees", abs(m.fees_delta), t.fees_abs_max, "<=", "USDT", na="",
               evidence=not follow, reason=note),
        _check("equity", c.equity.max_abs_delta, t.equity_abs_max, "<=", "USDT",
               na="no grid point where both equity series have a value"),
        _check("state", c.positions.diverged_share, t.state_share_max, "<=", "ratio",
               na="no grid point where both sides have positions"),
    ]  # fmt: skip


def judge(
    comparison: Comparison,
    thresholds: Thresholds | None = None,
    *,
    follow: bool = False,
    skip_reason: str | None = None,
) -> Verdict:
    """The checks and the verdict over those that count as evidence.

    ``skip_reason``: a data-health or seed problem the caller found (V-14, V-17): every
    check is SKIP with that reason, never FAIL. ``follow``: the fill model replayed the
    recorded executions, so the PnL and fee checks restate them and do not count.
    """
    checks = _checks(comparison, thresholds or Thresholds(), follow)
    reason = skip_reason or (_NO_LIVE if comparison.live_fills == 0 else "")
    if reason:
        checks = [msgspec.structs.replace(k, status="SKIP", reason=reason) for k in checks]
    counted = [k.status for k in checks if k.evidence]
    status: Status = ("PASS", "FAIL", "SKIP")[exit_code(counted)]
    return Verdict(status=status, checks=tuple(checks), reason=reason, follow=follow)
