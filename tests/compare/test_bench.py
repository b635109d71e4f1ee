"""The figure ``make bench`` prints (no timing asserted here)."""

from __future__ import annotations

from compare import bench


def test_bench_returns_a_figure() -> None:
    """V-7, §3 at scale: the synthetic sim mostly matches, and the figure is well formed."""
    figure = bench.run(2_000)
    assert set(figure) == {"name", "value", "unit", "note"}
    assert figure["unit"] == "fills/s" and figure["value"] > 0
    live, sim = bench.synthetic(2_000)
    assert len(live.fills) >= 2_000 and 0.9 * len(live.fills) < len(sim.fills)
