"""The comparison page as text (sections, verdict, checks, escaping, empty data) and its
builder from a real ``compare.compare`` result."""

from __future__ import annotations

import math
import random
import subprocess
import sys
from decimal import Decimal
from itertools import accumulate

import msgspec
import pytest
from plotly.offline import get_plotlyjs

import compare
from report import (
    ComparisonReport,
    ReportCheck,
    ReportMatch,
    ReportPosition,
    ReportTrade,
    render_comparison_report,
)
from tests.compare.helpers import equity, fill, ms, side

PLOTLY_BANNER = "* plotly.js v"  # the bundle's licence header: once per inlined copy
START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
STEP_MS = 60_000
TICK = 0.1
SECTIONS = [
    "overview", "checks", "equity", "pnl", "timeline", "deltas", "positions", "summary",
    "manifests",
]  # fmt: skip
PLOTS = ["fig-equity", "fig-pnl", "fig-timeline", "fig-deltas", "fig-positions"]
ATTACK = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _trade(rng: random.Random, ts: int, price: float) -> ReportTrade:
    return ReportTrade(
        ts_ms=ts,
        price=price,
        side=rng.choice(["Buy", "Sell"]),
        qty=0.001,
        direction=rng.choice(["long", "short"]),
        client_id=f"c{ts % 97}",
    )


def _match(rng: random.Random, ts: int, price: float) -> ReportMatch:
    ticks, dt = rng.choice([0, 0, 0, 1, -1, 2]), round(rng.uniform(-2, 2), 3)
    return ReportMatch(
        live_ts_ms=ts,
        sim_ts_ms=ts + round(dt * 1000),
        live_price=price,
        sim_price=price + ticks * TICK,
        price_ticks=float(ticks),
        dt_s=dt,
        side=rng.choice(["Buy", "Sell"]),
        direction="long",
        client_id=f"c{ts % 97}",
    )


def _positions(ts: list[int]) -> list[ReportPosition]:
    """Both legs on every tenth point; the short leg's sim runs one lot ahead mid-run."""
    out = []
    for k, t in enumerate(ts[::10]):
        size = 0.001 * (k % 7)
        lagging = len(ts) // 30 <= k < len(ts) // 20
        out.append(
            ReportPosition(ts_ms=t, leg="long", live_size=size, sim_size=size, diverged=False)
        )
        out.append(
            ReportPosition(
                ts_ms=t,
                leg="short",
                live_size=size,
                sim_size=size + (0.001 if lagging else 0.0),
                diverged=lagging,
            )
        )
    return out


def _pnl(trades: list[tuple[int, float]]) -> tuple[list[int], list[float]]:
    trades = sorted(trades)
    return [t for t, _ in trades], list(accumulate(p for _, p in trades))


def synthetic_comparison(
    points: int = 6_000,
    matched: int = 50,
    live_only: int = 5,
    sim_only: int = 7,
    *,
    subtitle: str = "demo-a BTCUSDT · strict_cross · latency recorded",
    seed: int = 3,
) -> ComparisonReport:
    """A random-walk price on a one-minute grid, live equity from the third point on and
    sim equity from the fifth (the leading Nones), trades spread over the run."""
    rng = random.Random(seed)
    ts = [START_MS + i * STEP_MS for i in range(points)]
    price, p = [], 42_000.0
    for _ in ts:
        p += rng.gauss(0, 5)
        price.append(round(p / TICK) * TICK)
    live_eq = [None if i < 2 else 10_000 + 0.01 * i + 3 * math.sin(i / 90) for i in range(points)]
    sim_eq = [None if e is None or i < 4 else e + rng.gauss(0, 0.2) for i, e in enumerate(live_eq)]
    at = lambda k, n, off: (k * points + off) // max(n, 1)  # noqa: E731 (spread indices)
    pairs = [_match(rng, ts[i], price[i]) for i in (at(k, matched, 0) for k in range(matched))]
    lonly = [_trade(rng, ts[i], price[i]) for i in (at(k, live_only, 7) for k in range(live_only))]
    sonly = [_trade(rng, ts[i], price[i]) for i in (at(k, sim_only, 13) for k in range(sim_only))]
    live_pnl = _pnl([(m.live_ts_ms, 0.5) for m in pairs] + [(t.ts_ms, 0.25) for t in lonly])
    sim_pnl = _pnl([(m.sim_ts_ms, 0.5) for m in pairs] + [(t.ts_ms, 0.25) for t in sonly])
    return ComparisonReport(
        title="demo-a vs sim",
        subtitle=subtitle,
        status="FAIL",
        reason="failed: coverage",
        window_start_ms=ts[0],
        window_end_ms=ts[-1] + STEP_MS,
        checks=[
            ReportCheck(
                name="coverage",
                status="FAIL",
                value=matched / (matched + live_only),
                op=">=",
                threshold=0.95,
                unit="ratio",
            ),
            ReportCheck(
                name="price", status="PASS", value=1.0, op="<=", threshold=2.0, unit="ticks"
            ),
            ReportCheck(
                name="state",
                status="SKIP",
                value=None,
                op="<=",
                threshold=0.01,
                unit="ratio",
                reason="n/a: no grid point where both sides have positions",
            ),
        ],
        summary={"matched": matched, "match rate": matched / (matched + live_only), "x": None},
        equity_ts_ms=ts,
        live_equity=live_eq,
        sim_equity=sim_eq,
        live_pnl_ts_ms=live_pnl[0],
        live_pnl=live_pnl[1],
        sim_pnl_ts_ms=sim_pnl[0],
        sim_pnl=sim_pnl[1],
        price_ts_ms=list(ts),
        price=price,
        matched=pairs,
        live_only=lonly,
        sim_only=sonly,
        positions=_positions(ts),
    )


@pytest.fixture(scope="module")
def page() -> str:
    return render_comparison_report(synthetic_comparison())


def test_page_has_every_section_and_plot_once_in_order(page: str) -> None:
    positions = [page.find(f'id="{section}"') for section in SECTIONS]
    assert all(p >= 0 for p in positions), dict(zip(SECTIONS, positions, strict=True))
    assert positions == sorted(positions)
    plots = [page.find(f'id="{div}"') for div in PLOTS]
    assert all(page.count(f'id="{div}"') == 1 for div in PLOTS)
    assert plots == sorted(plots)


def test_plotly_js_is_inlined_exactly_once_and_nothing_is_fetched(page: str) -> None:
    assert page.count(PLOTLY_BANNER) == 1
    assert page.count("Plotly.newPlot(") == len(PLOTS)
    assert "<script src" not in page and "http" not in page.replace(get_plotlyjs(), "")


def test_overview_shows_the_verdict_badge_window_and_reason(page: str) -> None:
    overview = page[page.index('id="overview"') : page.index('id="checks"')]
    assert "verdict-fail" in overview and "background:#cf222e" in overview
    assert ">FAIL</span>" in overview and "failed: coverage" in overview
    assert "demo-a BTCUSDT · strict_cross · latency recorded" in overview
    assert "window 2024-01-01T00:00:00.000Z → 2024-01-05T04:00:00.000Z" in overview
    assert "matched <b>50</b> · live-only <b>5</b> · sim-only <b>7</b>" in overview


@pytest.mark.parametrize(("status", "color"), [("PASS", "#1a7f37"), ("SKIP", "#6e7781")])
def test_the_badge_is_green_for_pass_and_grey_for_skip(status: str, color: str) -> None:
    page = render_comparison_report(ComparisonReport(title="t", status=status))
    assert f'verdict-{status.lower()}"' in page and f"background:{color}" in page


def test_the_failing_check_row_is_highlighted_and_only_it(page: str) -> None:
    checks = page[page.index('id="checks"') : page.index('id="equity"')]
    rows = checks.split("<tr")[2:]  # after the header row
    assert [r.split('scope="row">')[1].split("<")[0] for r in rows] == [
        "coverage",
        "price",
        "state",
    ]
    fail, ok, skipped = rows
    assert fail.startswith(' class="fail" style="background:#ffebe9"') and ">FAIL<" in fail
    assert ">0.9091<" in fail and "<td>&gt;=</td>" in fail and ">0.9500<" in fail
    assert "fail" not in ok and "fail" not in skipped
    assert ">—<" in skipped and "n/a: no grid point" in skipped


def test_text_from_the_data_is_escaped() -> None:
    trade = ReportTrade(
        ts_ms=START_MS, price=1.0, side=ATTACK, qty=1.0, direction=ATTACK, client_id=ATTACK
    )
    report = msgspec.structs.replace(
        synthetic_comparison(points=100, matched=3, live_only=1, sim_only=1),
        title=ATTACK,
        subtitle=ATTACK,
        reason=ATTACK,
        checks=[
            ReportCheck(
                name=ATTACK,
                status="FAIL",
                value=1.0,
                op=ATTACK,
                threshold=0.0,
                unit=ATTACK,
                reason=ATTACK,
            )
        ],
        summary={ATTACK: ATTACK},
        live_only=[trade],
        sim_only=[trade],
        positions=[
            ReportPosition(ts_ms=START_MS, leg=ATTACK, live_size=1.0, sim_size=0.0, diverged=True)
        ],
    )
    page = render_comparison_report(report)
    assert ATTACK not in page
    assert f'<p class="meta">{ESCAPED}</p>' in page and f"<h1>{ESCAPED}</h1>" in page
    assert f"<title>{ESCAPED}" in page
    # In the figures' JSON (whose "<" plotly writes as \u003c), escaped too: plotly renders
    # trace names and hover text as HTML.
    assert "\\u003cscript" not in page and "&lt;script&gt;" in page.split("Plotly.newPlot(")[3]


def test_empty_report_renders_without_charts_or_scripts() -> None:
    page = render_comparison_report(ComparisonReport(title="nothing", status="SKIP"))
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page and PLOTLY_BANNER not in page
    for text in (
        "No checks.",
        "No equity data.",
        "No realised PnL: no trades.",
        "No price data and no trades.",
        "No matched trades.",
        "No position data.",
        "No metrics.",
        "window —",
    ):
        assert text in page
    assert all(f'id="{section}"' in page for section in SECTIONS)


def test_trades_without_price_or_equity_still_draw_the_timeline() -> None:
    trade = ReportTrade(ts_ms=START_MS, price=42_000.0, side="Buy", qty=0.001)
    page = render_comparison_report(ComparisonReport(title="t", status="FAIL", live_only=[trade]))
    assert 'id="fig-timeline"' in page and page.count(PLOTLY_BANNER) == 1
    assert "No equity data." in page and "No matched trades." in page


def test_equity_only_on_one_side_still_draws() -> None:
    report = ComparisonReport(
        title="t",
        status="SKIP",
        equity_ts_ms=[START_MS, START_MS + 1],
        live_equity=[1.0, 2.0],
        sim_equity=[None, None],
    )
    page = render_comparison_report(report)
    assert 'id="fig-equity"' in page and page.count("Plotly.newPlot(") == 1


def test_mismatched_series_and_unknown_statuses_are_rejected() -> None:
    with pytest.raises(ValueError, match="2 equity timestamps, 2 live values, 1 sim values"):
        ComparisonReport(
            title="t", status="PASS", equity_ts_ms=[1, 2], live_equity=[1.0, 2.0], sim_equity=[1.0]
        )
    with pytest.raises(ValueError, match="1 sim_pnl timestamps, 0 values"):
        ComparisonReport(title="t", status="PASS", sim_pnl_ts_ms=[1])
    with pytest.raises(ValueError, match="got 'OK'"):
        ComparisonReport(title="t", status="OK")
    check = ReportCheck(name="c", status="maybe", value=None, op="<=", threshold=1.0, unit="s")
    with pytest.raises(ValueError, match="got 'maybe'"):
        ComparisonReport(title="t", status="PASS", checks=[check])


def test_importing_compare_does_not_import_plotly() -> None:
    code = "import sys, compare; sys.exit('plotly' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


# --- compare.comparison_report on a real comparison ------------------------------------

WINDOW = compare.CompareOptions(start_ms=ms(0), end_ms=ms(600))


def _real() -> tuple[compare.Comparison, compare.Verdict]:
    """Live "c" never happened in the sim; sim "x" never happened live; "b" filled 2
    ticks higher and 1.5 s later in the sim."""
    live = [fill(10, "a"), fill(100, "b", side="Sell", pnl="1"), fill(200, "c", pnl="0.5")]
    sim = [fill(10, "a"), fill(101.5, "b", side="Sell", price="100.2", pnl="1.2"), fill(300, "x")]
    curve = [equity(0, "1000", "100"), equity(100, "1001", "100.1")]
    sim_curve = [equity(0, "1000"), equity(100, "1001.25")]
    c = compare.compare(side(live, curve), side(sim, sim_curve), WINDOW)
    return c, compare.judge(c)


def test_comparison_report_from_a_real_comparison() -> None:
    c, verdict = _real()
    price = [(ms(0), 100.0), (ms(300), 100.3)]
    report = compare.comparison_report(c, verdict, title="run", subtitle="demo", price=price)

    assert (report.status, verdict.status) == ("FAIL", "FAIL")
    # The missing and the extra trade fail coverage and phantoms, and through them the
    # realised PnL and the position state.
    failed = ["coverage", "no_phantoms", "pnl", "state"]
    assert report.reason == f"failed: {', '.join(failed)}"
    assert [k.name for k in report.checks if k.status == "FAIL"] == failed
    assert len(report.matched) == 2 and len(report.live_only) == 1 and len(report.sim_only) == 1
    assert [t.client_id for t in report.live_only] == ["c"]
    assert [t.client_id for t in report.sim_only] == ["x"]
    b = report.matched[1]
    assert (b.client_id, b.side, b.live_price, b.sim_price) == ("b", "Sell", 100.0, 100.2)
    assert b.price_ticks == pytest.approx(2.0) and b.dt_s == pytest.approx(1.5)
    assert (report.window_start_ms, report.window_end_ms) == (ms(0), ms(600))
    # Realised PnL from 0 at the window's start, one step per trade in time order, held
    # to the window's last millisecond.
    assert report.live_pnl_ts_ms == [ms(0), ms(10), ms(100), ms(200), ms(600) - 1]
    assert report.live_pnl == [0.0, 0.0, 1.0, 1.5, 1.5]
    assert report.sim_pnl_ts_ms == [ms(0), ms(10), ms(101.5), ms(300), ms(600) - 1]
    assert report.sim_pnl == [0.0, 0.0, 1.2, 1.2, 1.2]
    assert report.live_pnl[-1] == float(c.trades["all"].live_realized)
    assert len(report.equity_ts_ms) == len(c.equity_rows) == 10
    assert report.sim_equity[-1] == 1001.25 and report.live_equity[-1] == 1001.0
    assert len(report.positions) == len(c.position_rows) > 0
    assert {p.leg for p in report.positions} == {"long", "short"}
    assert (report.price_ts_ms, report.price) == ([ms(0), ms(300)], [100.0, 100.3])
    summary = report.summary
    assert (summary["matched"], summary["live-only"], summary["sim-only"]) == (2, 1, 1)
    assert summary["match rate"] == pytest.approx(2 / 3)
    assert summary["price |Δ| p95 (ticks)"] == pytest.approx(c.trades["all"].price.p95)
    assert summary["equity max |Δ| (USDT)"] == float(c.equity.max_abs_delta or Decimal(-1))

    assert report.manifests == c.manifests and set(report.manifests) == {"live", "sim"}
    page = render_comparison_report(report)
    assert "failed: coverage, no_phantoms, pnl, state" in page
    assert '<section id="manifests">' in page
    assert all(f'id="{div}"' in page for div in PLOTS)


def test_comparison_report_of_a_skipped_run_keeps_its_reason() -> None:
    c = compare.compare(side([]), side([fill(10, "a")]), WINDOW)
    report = compare.comparison_report(c, compare.judge(c), title="idle")
    assert report.status == "SKIP" and report.reason == "no live executions in the window"
    assert report.matched == [] and len(report.sim_only) == 1 and report.live_pnl == []
    assert "no live executions in the window" in render_comparison_report(report)
