"""One seeded replay of a recorded run: the engine and the simbroker in the run's own
namespace, fed the recorded market data by the replayer (validation spec §6).

The window ``[start, end)`` starts from the live state at ``start`` (V-16, nothing silent:
V-17); by default at the ticker on which the replayed strategies first traded, so a
replay of a whole run starts where its trading did. The run is registered in ``runs``
(owner: the accounts' user) and finished with its figures and output digest, or failed
with the error. Everything it publishes lives under ``replay.<run>`` (V-19).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

import asyncpg
import msgspec
import structlog

import proto
import tenants
from backtest.outputs import code_version
from bus import Bus
from replay import (
    InFlight,
    RecordedDelivery,
    RecordedLatency,
    Seed,
    load_in_flight,
    load_recorded_delivery,
    load_recorded_executions,
    load_recorded_latency,
    load_seed,
    seed_point,
    trading_start,
)
from runner import Instrument
from services.engine import Engine, EngineConfig
from services.replayer import Replayer, ReplayRequest
from services.replayer.request import feed_namespace
from services.replayer.runs import close_run
from services.simbroker.config import SimBrokerConfig
from services.simbroker.core import SimVenue
from services.simbroker.service import SimBroker
from store import EventWriter, event_row
from tenants.models import StrategySpec
from venue.follow import RecordedTape

__all__ = ["SeededReplay", "SeededResult", "run_seeded_replay"]

log = structlog.get_logger(__name__)

_MD_KINDS = ("trade", "ticker")


class _Recordings(NamedTuple):
    """What the live run recorded that the replay's models take: intents' latency, where
    the engine learnt of each answer, and (``follow``) the executions."""

    latency: RecordedLatency | None
    delivery: RecordedDelivery | None
    tapes: dict[tuple[str, str], RecordedTape] | None
    in_flight: InFlight


class SeededReplay(msgspec.Struct, frozen=True, kw_only=True):
    source_ns: str
    run_id: str
    start_ms: int | None = None
    end_ms: int | None = None
    accounts: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()
    fill_model: str = "strict_cross"
    latency: str = "none"
    max_seed_age_s: float = 900.0


class SeededResult(msgspec.Struct, frozen=True, kw_only=True):
    run_id: str
    ns: str
    start_ms: int
    #: The seed point's stream sequence: the live state up to it seeded the replay.
    after_seq: int
    #: The window's end: as asked, else just after the last market event replayed.
    end_ms: int
    md_events: int
    batches: int
    published: int
    #: sha256 of the market events replayed (subject and bytes, in order).
    input_sha256: str
    output_sha256: str
    seconds: float
    #: ``(account, symbol)`` of every strategy replayed.
    strategies: list[tuple[str, str]] = msgspec.field(default_factory=list)
    #: The run's manifest, as stored in ``runs``: the job and seed (config snapshot), the
    #: code version, the input and output hashes.
    manifest: dict[str, Any] = msgspec.field(default_factory=dict)


async def run_seeded_replay(
    bus: Bus, pool: asyncpg.Pool, job: SeededReplay, *, show_progress: bool = True
) -> SeededResult:
    """Replay ``job``; raises ``replay.SeedMissing`` (nothing started, nothing registered)
    when the window's seed is incomplete."""
    async with pool.acquire() as conn:
        specs = await _strategies(conn, job)
        accounts = sorted({s.account_id for s in specs})
        symbols = sorted({s.symbol for s in specs})
        if job.start_ms is None:
            start = await trading_start(conn, job.source_ns, accounts, symbols)
            if start is None:
                raise ValueError(f"{job.source_ns}: {accounts} never traded {symbols}")
        else:
            start = await seed_point(conn, job.source_ns, job.start_ms)
        seed = await load_seed(
            conn, job.source_ns, start, accounts, symbols, max_seed_age_s=job.max_seed_age_s
        )
        recorded, delivery = None, None
        if job.latency == "recorded":
            recorded = await load_recorded_latency(conn, job.source_ns, accounts, seed.after_seq)
            delivery = await load_recorded_delivery(
                conn, job.source_ns, accounts=accounts, symbols=symbols, md_kinds=_MD_KINDS,
                start_ms=seed.start_ms, end_ms=job.end_ms, after_seq=seed.after_seq,
            )  # fmt: skip
        engine = EngineConfig()  # live's timeouts: the in-flight filter at the seed point
        in_flight = await load_in_flight(
            conn, job.source_ns, specs, upto_seq=seed.after_seq,
            inflight_s=engine.inflight_timeout_s, reject_backoff_s=engine.reject_backoff_s,
        )  # fmt: skip
        tapes = None
        if job.fill_model == "follow":
            tapes = await load_recorded_executions(
                conn, job.source_ns, accounts=accounts, symbols=symbols, end_ms=job.end_ms,
                after_seq=seed.after_seq,
            )  # fmt: skip
        owner = await _owner(conn, accounts)
        ns = f"replay.{job.run_id}"
        params = {**msgspec.to_builtins(job), "start_ms": seed.start_ms,
                  "after_seq": seed.after_seq, "accounts": accounts, "symbols": symbols,
                  "fresh": seed.fresh, "code": code_version()}  # fmt: skip
        await tenants.create_run(conn, owner, job.run_id, "replay", ns, params,
                                 source_ns=job.source_ns)  # fmt: skip
    started = time.monotonic()
    try:
        recordings = _Recordings(recorded, delivery, tapes, in_flight)
        result = await _run(bus, pool, job, specs, seed, recordings, ns, show_progress)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5), pool.acquire() as conn:
                await close_run(conn, owner, job.run_id, "failed", error=str(exc) or repr(exc))
        raise
    outcome = _outcome(result)
    manifest = {"run_id": job.run_id, "ns": ns, **params, **outcome}
    result = msgspec.structs.replace(result, seconds=time.monotonic() - started, manifest=manifest)
    async with pool.acquire() as conn:
        await close_run(conn, owner, job.run_id, "finished", **outcome)
    # For the comparator service, once the run is finished in `runs` (it looks it up).
    finished = proto.ReplayFinished(
        event_id=f"replay_finished:{job.run_id}", ts_exchange_ms=result.end_ms,
        ts_local_ns=time.time_ns(), run_id=job.run_id, ns=ns, source_ns=job.source_ns,
        start_ms=result.start_ms, end_ms=result.end_ms, fill_model=job.fill_model,
        latency=job.latency, strategies=result.strategies, output_sha256=result.output_sha256,
    )  # fmt: skip
    await bus.publish(ns, finished)
    return result


def _outcome(result: SeededResult) -> dict[str, object]:
    return {
        "end_ms": result.end_ms,
        "md_events": result.md_events,
        "batches": result.batches,
        "published": result.published,
        "input_sha256": result.input_sha256,
        "output_sha256": result.output_sha256,
    }


async def _run(
    bus: Bus,
    pool: asyncpg.Pool,
    job: SeededReplay,
    specs: list[StrategySpec],
    seed: Seed,
    recordings: _Recordings,
    ns: str,
    show_progress: bool,
) -> SeededResult:
    recorded, delivery, tapes, in_flight = recordings
    config = SimBrokerConfig(
        namespace=ns,
        feed_namespace=feed_namespace(job.run_id),
        run_id=job.run_id,
        fill_model=job.fill_model,  # type: ignore[arg-type]
        latency=job.latency if job.latency in ("none", "recorded") else int(job.latency),
        lookahead_ms=_lookahead(job.latency, recorded),
    )
    venue = SimVenue(config, seed, recorded, tapes=tapes)
    broker = SimBroker(bus, config, venue, delivery=delivery, in_flight=in_flight.batches)
    instruments = {
        i.symbol: Instrument(symbol=i.symbol, tick_size=i.tick_size, qty_step=i.qty_step,
                             min_qty=i.min_qty, max_qty=i.max_qty)
        for i in config.instruments
    }  # fmt: skip
    saved = {sid: s.document() for sid, s in seed.strategies.items()}
    engine = Engine(
        bus,
        EngineConfig(namespace=ns, instance=f"engine-{job.run_id}", lockstep=True),
        specs,
        instruments,
        saved_grids=saved,
        pending_states=in_flight.pending,
    )
    request = ReplayRequest(
        source_ns=job.source_ns,
        run_id=job.run_id,
        start_ms=seed.start_ms,
        end_ms=job.end_ms,
        after_seq=seed.after_seq,
        symbols=tuple(sorted({s.symbol for s in specs})),
        kinds=_MD_KINDS,
        feed=True,
    )
    stop = asyncio.Event()
    async with asyncio.TaskGroup() as tg:
        broker_task = tg.create_task(broker.run(stop))
        await _first(broker.ready.wait(), broker_task)
        engine_task = tg.create_task(engine.run(stop))
        await _first(engine.ready.wait(), broker_task, engine_task)
        await Replayer(bus, pool).replay(request, show_progress=show_progress, register=False)
        await _first(broker.done.wait(), broker_task, engine_task)
        stop.set()
    stored = await _store(pool, ns, broker.produced)
    log.info("seeded_replay_done", run_id=job.run_id, md_events=broker.stats.md_events,
             batches=broker.stats.batches, stored=stored)  # fmt: skip
    return SeededResult(
        run_id=job.run_id,
        ns=ns,
        start_ms=seed.start_ms,
        after_seq=seed.after_seq,
        end_ms=job.end_ms if job.end_ms is not None else max(broker.last_md_ms, seed.start_ms) + 1,
        md_events=broker.stats.md_events,
        batches=broker.stats.batches,
        published=broker.stats.published,
        input_sha256=broker.input.hexdigest(),
        output_sha256=broker.output.hexdigest(),
        seconds=0.0,
        strategies=sorted({(s.account_id, s.symbol) for s in specs}),
    )


def _lookahead(latency: str, recorded: RecordedLatency | None) -> int:
    if latency == "recorded":
        return recorded.least_delay_ms if recorded is not None else 0
    return 0 if latency == "none" else int(latency)


async def _store(pool: asyncpg.Pool, ns: str, produced: list[proto.Message]) -> int:
    """What the replay produced (account events, results, the batches applied) into the
    event store under its own namespace (V-19; the market data is the source's)."""
    rows = []
    for seq, message in enumerate(produced, start=1):
        subject = proto.subjects.parse(proto.subject_for(ns, message))
        rows.append(event_row(subject, proto.encode(message), seq, message))
    async with pool.acquire() as conn:
        return await EventWriter().write(conn, rows)


async def _first(wanted: object, *watched: asyncio.Task[None]) -> None:
    """Await ``wanted``; a watched task that ends first (failed) raises instead."""
    waiting = asyncio.ensure_future(wanted)  # type: ignore[arg-type]
    done, _ = await asyncio.wait({waiting, *watched}, return_when=asyncio.FIRST_COMPLETED)
    if waiting in done:
        return
    waiting.cancel()
    for task in done:
        task.result()
    raise RuntimeError("a replay service stopped before the replay ended")


async def _strategies(conn: asyncpg.Connection, job: SeededReplay) -> list[StrategySpec]:
    loaded = await tenants.load_strategies(conn, job.source_ns)
    specs = [
        s
        for s in loaded.strategies
        if (not job.accounts or s.account_id in job.accounts)
        and (not job.symbols or s.symbol in job.symbols)
    ]
    if not specs:
        raise ValueError(
            f"{job.source_ns}: no enabled strategy for accounts {list(job.accounts) or 'any'}"
            f" and symbols {list(job.symbols) or 'any'}"
        )
    return specs


async def _owner(conn: asyncpg.Connection, accounts: Sequence[str]) -> uuid.UUID:
    owners: set[uuid.UUID] = set()
    for user in await tenants.user_ids(conn):
        mine = {a.account_id for a in await tenants.list_accounts(conn, user)}
        if mine & set(accounts):
            owners.add(user)
    if len(owners) != 1:
        raise ValueError(f"accounts {list(accounts)} must belong to one user, not {len(owners)}")
    return owners.pop()
