"""Service-level events (subject ``{ns}.sys.{service}.{event}``)."""

from __future__ import annotations

import msgspec

from proto.common import Event


class GapStart(Event, frozen=True, kw_only=True, tag="gap_start"):
    """A stream stopped delivering (disconnect or stale heartbeat) at ``ts_local_ns``."""

    service: str
    stream: str
    reason: str


class GapEnd(Event, frozen=True, kw_only=True, tag="gap_end"):
    """The stream is back; ``started_ns`` is the matching ``GapStart`` time."""

    service: str
    stream: str
    started_ns: int
    backfilled_count: int = 0


class Heartbeat(Event, frozen=True, kw_only=True, tag="heartbeat"):
    service: str
    instance: str
    seq: int


class ReplayStart(Event, frozen=True, kw_only=True, tag="replay_start"):
    run_id: str
    source_namespace: str
    window_start_ms: int | None
    window_end_ms: int | None
    symbols: list[str] = msgspec.field(default_factory=list)
    accounts: list[str] = msgspec.field(default_factory=list)
    speed: float | None = None  # ``None`` = as fast as flow control allows


class ReplayEnd(Event, frozen=True, kw_only=True, tag="replay_end"):
    run_id: str
    events: int


class ResyncRequest(Event, frozen=True, kw_only=True, tag="resync_request"):
    """Asks the collector (NATS request/reply on ``sys.collector.resync_request``) to
    re-publish REST snapshots (open orders, positions, wallet) of ``accounts``, marked
    back-filled. The reply is a :class:`ResyncDone` sent after every snapshot event."""

    requester: str
    accounts: list[str]
    symbols: list[str] = msgspec.field(default_factory=list)


class ResyncDone(Event, frozen=True, kw_only=True, tag="resync_done"):
    """Reply to a :class:`ResyncRequest`: how many events were published, per account."""

    published: dict[str, int]
    failed: dict[str, str] = msgspec.field(default_factory=dict)


class ReconcileReport(Event, frozen=True, kw_only=True, tag="reconcile"):
    """Executor open-order reconciliation of one account (at start and every 61 s)."""

    account_id: str
    instance: str
    open_orders: int
    #: orderLinkIds of exchange orders recognised as ours (I-3 prefix) and adopted.
    adopted: list[str] = msgspec.field(default_factory=list)
    #: orderIds of exchange orders that are not ours (left alone, reported).
    orphans: list[str] = msgspec.field(default_factory=list)
    #: orderLinkIds the executor believed open that the exchange does not have.
    missing: list[str] = msgspec.field(default_factory=list)


class ExecutorLease(Event, frozen=True, kw_only=True, tag="executor_lease"):
    """An executor replica became (``active``) or stopped being the worker of an account."""

    account_id: str
    instance: str
    active: bool


class GridState(Event, frozen=True, kw_only=True, tag="grid_state"):
    """The engine's grid of one strategy after a change (spec S-2's document as a
    message), recorded so a replay can start from the grid live had at any instant."""

    strategy_id: str
    account_id: str
    symbol: str
    #: ``(side, price)`` per level in list order; prices as shortest float text.
    levels: list[tuple[str, str]]
    grid_step: float
    grid_count: int


class EngineProgress(Event, frozen=True, kw_only=True, tag="engine_progress"):
    """A lockstep engine (replays) has handled ``tickers`` ticker messages of its
    namespace and published ``batches`` intent batches in all, every one before this
    (a subscriber that sees intents and progress on separate subscriptions waits for
    that many batches)."""

    instance: str
    tickers: int
    batches: int = 0


class SimProgress(Event, frozen=True, kw_only=True, tag="sim_progress"):
    """The simbroker has consumed ``events`` market-data messages of its feed and
    published everything they caused; ``done`` once the feed has ended and been settled."""

    run_id: str
    events: int
    done: bool = False


class ReplayFinished(Event, frozen=True, kw_only=True, tag="replay_finished"):
    """A seeded replay (engine + simbroker) ended and is registered ``finished`` in
    ``runs``: what the comparator needs to judge it against the namespace it replayed.
    Published on ``{ns}.sys.seeded_replay.replay_finished``, ``ns`` the replay's own."""

    run_id: str
    #: The replay's namespace (``replay.<run>``) and the recorded one it replayed.
    ns: str
    source_ns: str
    #: The judged window ``[start_ms, end_ms)``, exchange time.
    start_ms: int
    end_ms: int
    fill_model: str
    #: ``none``, ``recorded`` or whole milliseconds, as the job gave it.
    latency: str
    #: ``(account, symbol)`` of every strategy replayed.
    strategies: list[tuple[str, str]] = msgspec.field(default_factory=list)
    output_sha256: str = ""


class ComparisonDone(Event, frozen=True, kw_only=True, tag="comparison_done"):
    """The comparator judged one strategy of a replay run and stored the comparison
    (``comparisons``); published on ``{ns}.sys.comparator.comparison_done``."""

    run_id: str
    account_id: str
    symbol: str
    #: ``PASS``, ``FAIL`` or ``SKIP`` (V-14), with its exit code and reason.
    status: str
    exit_code: int
    #: The row in ``comparisons`` (a UUID as text).
    comparison_id: str
    #: The folder of the comparison's files and report.html.
    out_dir: str
    reason: str = ""
