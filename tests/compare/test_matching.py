"""Matching (V-6, V-7) and the outcome classes (V-8)."""

from __future__ import annotations

import random

from compare import aggregate, match_assignment, match_occurrence
from tests.compare.helpers import fill, ms

BOUND = 300_000


def _motivating() -> tuple[list, list]:
    """One level filled five times live, 600 s apart; the sim misses the first fill and
    is 0.5 s late on the others."""
    live = aggregate([fill(t, "L1") for t in (0, 600, 1200, 1800, 2400)])
    sim = aggregate([fill(t + 0.5, "L1") for t in (600, 1200, 1800, 2400)])
    return live, sim


def test_occurrence_matching_cascades_one_missed_fill() -> None:
    """V-6: the k-th live joins the k-th sim: every pair is 600.5 s apart and the
    live-only trade is the last one, not the one the sim missed."""
    live, sim = _motivating()
    result = match_occurrence(live, sim)
    assert [(p.sim.ts_ms - p.live.ts_ms) for p in result.pairs] == [600_500] * 4
    assert [t.ts_ms for t in result.live_only] == [ms(2400)]
    assert result.sim_only == ()


def test_assignment_matching_isolates_the_missed_fill() -> None:
    """V-7 (differs): per client id, least Σ|Δt| within the bound: four pairs 0.5 s
    apart, the missed fill (t = 0) alone is live-only."""
    live, sim = _motivating()
    result = match_assignment(live, sim, max_time_delta_ms=BOUND)
    assert [(p.sim.ts_ms - p.live.ts_ms) for p in result.pairs] == [500] * 4
    assert [t.ts_ms for t in result.live_only] == [ms(0)]
    assert result.sim_only == ()


def test_pairs_are_bounded_by_max_time_delta_inclusive() -> None:
    """V-7: |Δt| = 300 s pairs; 300.001 s does not, leaving one live-only, one sim-only."""
    at = match_assignment(aggregate([fill(0, "a")]), aggregate([fill(300, "a")]),
                          max_time_delta_ms=BOUND)  # fmt: skip
    assert len(at.pairs) == 1
    over = match_assignment(aggregate([fill(0, "a")]), aggregate([fill(300.001, "a")]),
                            max_time_delta_ms=BOUND)  # fmt: skip
    assert (len(over.pairs), len(over.live_only), len(over.sim_only)) == (0, 1, 1)


def test_pairs_need_the_same_side_and_direction() -> None:
    """V-7: same client id, 1 s apart, but another side or direction: no pair."""
    live = aggregate([fill(0, "a", side="Buy"), fill(100, "b", direction="long")])
    sim = aggregate([fill(1, "a", side="Sell"), fill(101, "b", direction="short")])
    result = match_assignment(live, sim, max_time_delta_ms=BOUND)
    assert (len(result.pairs), len(result.live_only), len(result.sim_only)) == (0, 2, 2)


def test_assignment_takes_the_nearest_partner_not_the_first() -> None:
    """V-7: live at 100 s and 400 s, one sim at 390 s: the pair is 400 ↔ 390 (10 s),
    not the first-come 100 ↔ 390 (290 s)."""
    result = match_assignment(
        aggregate([fill(100, "a"), fill(400, "a")]), aggregate([fill(390, "a")]),
        max_time_delta_ms=BOUND,
    )  # fmt: skip
    assert [(p.live.ts_ms, p.sim.ts_ms) for p in result.pairs] == [(ms(400), ms(390))]
    assert [t.ts_ms for t in result.live_only] == [ms(100)]


def test_assignment_prefers_more_pairs_then_less_total_delta() -> None:
    """V-7: live 0 s, 290 s; sim 280 s, 570 s. Two pairs (Σ|Δt| 560 s) beat the single
    closest pair 290 ↔ 280 (10 s): an unmatched trade is the outcome to avoid."""
    result = match_assignment(
        aggregate([fill(0, "a"), fill(290, "a")]), aggregate([fill(280, "a"), fill(570, "a")]),
        max_time_delta_ms=BOUND,
    )  # fmt: skip
    assert [(p.live.ts_ms, p.sim.ts_ms) for p in result.pairs] == [
        (ms(0), ms(280)), (ms(290), ms(570)),
    ]  # fmt: skip


def test_every_trade_is_in_exactly_one_class() -> None:
    """V-8: over random runs, both matchings put each trade in exactly one class, and
    assignment pairs respect side, direction and the bound."""
    rng = random.Random(7)
    for _ in range(200):

        def trades(n: int, shift: int) -> list:
            return aggregate([
                fill(rng.randrange(0, 3000) + shift, rng.choice("abc"),
                     side=rng.choice(("Buy", "Sell")), direction=rng.choice(("long", "short")))
                for _ in range(n)
            ])  # fmt: skip

        live, sim = trades(rng.randrange(0, 12), 0), trades(rng.randrange(0, 12), 1)
        for result in (match_assignment(live, sim, max_time_delta_ms=BOUND),
                       match_occurrence(live, sim)):  # fmt: skip
            seen_live = [id(p.live) for p in result.pairs] + [id(t) for t in result.live_only]
            seen_sim = [id(p.sim) for p in result.pairs] + [id(t) for t in result.sim_only]
            assert sorted(seen_live) == sorted(map(id, live))
            assert sorted(seen_sim) == sorted(map(id, sim))
        for p in match_assignment(live, sim, max_time_delta_ms=BOUND).pairs:
            assert (p.live.side, p.live.direction) == (p.sim.side, p.sim.direction)
            assert abs(p.sim.ts_ms - p.live.ts_ms) <= BOUND
