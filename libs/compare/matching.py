"""Matching live and sim trades one to one (V-6, V-7) into three classes (V-8)."""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Literal

import msgspec

from compare.trades import Trade

__all__ = ["MatchMode", "Matching", "Pair", "match_assignment", "match_occurrence", "match_trades"]

MatchMode = Literal["assignment", "occurrence"]
_TIME = attrgetter("ts_ms")


class Pair(msgspec.Struct, frozen=True, gc=False):
    live: Trade
    sim: Trade


class Matching(msgspec.Struct, frozen=True, kw_only=True):
    """Every trade of both sides in exactly one class (V-8); pairs in live-time order,
    the unmatched in time order."""

    mode: MatchMode
    pairs: tuple[Pair, ...]
    live_only: tuple[Trade, ...]
    sim_only: tuple[Trade, ...]


def match_trades(
    live: Sequence[Trade], sim: Sequence[Trade], *, mode: MatchMode, max_time_delta_ms: int
) -> Matching:
    if mode == "occurrence":
        return match_occurrence(live, sim)
    return match_assignment(live, sim, max_time_delta_ms=max_time_delta_ms)


def match_occurrence(live: Sequence[Trade], sim: Sequence[Trade]) -> Matching:
    """V-6, the reference's join on (client id, occurrence): no side, direction or time
    check, so one missed fill shifts every later occurrence of its id."""
    by_key = {(t.client_id, t.occurrence): t for t in sim}
    pairs, live_only = [], []
    for t in live:
        partner = by_key.pop((t.client_id, t.occurrence), None)
        if partner is None:
            live_only.append(t)
        else:
            pairs.append(Pair(t, partner))
    sim_only = [t for t in sim if (t.client_id, t.occurrence) in by_key]
    return Matching(
        mode="occurrence", pairs=tuple(pairs), live_only=tuple(live_only), sim_only=tuple(sim_only)
    )


def match_assignment(
    live: Sequence[Trade], sim: Sequence[Trade], *, max_time_delta_ms: int
) -> Matching:
    """V-7: per client id, the most pairs of the same side and direction within
    ``max_time_delta_ms`` (inclusive), and among those the least Σ|Δt|; a monotone
    assignment (pairs never cross in time), found by a dynamic programme per id."""
    sim_by_id = _by_id(sim)
    partner: dict[int, Trade] = {}  # id(live trade) → its sim trade
    for cid, ls in _by_id(live).items():
        ss = sim_by_id.get(cid)
        if not ss:
            continue
        for chunk_l, chunk_s in _chunks(ls, ss, max_time_delta_ms):
            if len(chunk_l) == len(chunk_s) and _diagonal(chunk_l, chunk_s, max_time_delta_ms):
                found: Iterable[tuple[Trade, Trade]] = zip(chunk_l, chunk_s, strict=True)
            else:
                found = _assign(chunk_l, chunk_s, max_time_delta_ms)
            for a, b in found:
                partner[id(a)] = b
    pairs: list[Pair] = []
    live_only: list[Trade] = []
    get = partner.get
    for t in live:
        b = get(id(t))
        if b is None:
            live_only.append(t)
        else:
            pairs.append(Pair(t, b))
    taken = set(map(id, partner.values()))
    return Matching(
        mode="assignment",
        pairs=tuple(pairs),
        live_only=tuple(live_only),
        sim_only=tuple(t for t in sim if id(t) not in taken),
    )


def _by_id(trades: Sequence[Trade]) -> dict[str, list[Trade]]:
    """Each client id's trades in time order."""
    out: dict[str, list[Trade]] = {}
    get = out.get
    for t in trades:
        group = get(t.client_id)
        if group is None:
            out[t.client_id] = [t]
        else:
            group.append(t)
    for group in out.values():
        group.sort(key=_TIME)  # a no-op pass for aggregate()'s output
    return out


def _chunks(
    live: list[Trade], sim: list[Trade], bound: int
) -> list[tuple[list[Trade], list[Trade]]]:
    """Split one id's time-sorted trades where the merged timeline has a gap > bound: no
    pair can span such a gap, so each chunk is solved alone (keeps the O(n·m) small)."""
    lt = [t.ts_ms for t in live]
    st = [t.ts_ms for t in sim]
    times = sorted(lt + st)
    cuts = [b for a, b in itertools.pairwise(times) if b - a > bound]
    if not cuts:
        return [(live, sim)]
    chunks = []
    li = si = 0
    for c in [*cuts, times[-1] + 1]:
        lj, sj = bisect_left(lt, c, li), bisect_left(st, c, si)
        if lj > li and sj > si:
            chunks.append((live[li:lj], sim[si:sj]))
        li, si = lj, sj
    return chunks


def _diagonal(live: list[Trade], sim: list[Trade], bound: int) -> bool:
    """As many trades on each side and every i-th pair fitting: i ↔ i is then the only
    monotone matching of them all, so no search is needed (the usual chunk)."""
    return all(_fits(a, b, bound) for a, b in zip(live, sim, strict=True))


def _assign(live: list[Trade], sim: list[Trade], bound: int) -> list[tuple[Trade, Trade]]:
    """Non-crossing assignment by DP: a pair costs |Δt| − big, big exceeding any
    matching's Σ|Δt|, so more pairs always win and ties go to less Σ|Δt|."""
    n, m = len(live), len(sim)
    big = min(n, m) * bound + 1
    prev = [0] * (m + 1)
    choices: list[bytearray] = []
    for a in live:
        cur = [0] * (m + 1)
        choice = bytearray(m + 1)  # 0: a unmatched, 1: sim j unmatched, 2: pair
        for j, b in enumerate(sim, 1):
            best, c = prev[j], 0
            if cur[j - 1] < best:
                best, c = cur[j - 1], 1
            if _fits(a, b, bound):
                value = prev[j - 1] + abs(b.ts_ms - a.ts_ms) - big
                if value < best:
                    best, c = value, 2
            cur[j], choice[j] = best, c
        choices.append(choice)
        prev = cur
    found: list[tuple[Trade, Trade]] = []
    i, j = n, m
    while i and j:
        c = choices[i - 1][j]
        if c == 2:
            found.append((live[i - 1], sim[j - 1]))
            i, j = i - 1, j - 1
        elif c == 1:
            j -= 1
        else:
            i -= 1
    return found


def _fits(a: Trade, b: Trade, bound: int) -> bool:
    return a.side == b.side and a.direction == b.direction and abs(b.ts_ms - a.ts_ms) <= bound
