"""Property-based tests (hypothesis) for G-4, G-13/G-15, E-4..E-7 and R-6..R-8."""

import itertools
import re
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gridcore import (
    CancelIntent,
    DuplicatePriceError,
    ExecutionEvent,
    Grid,
    GridConfig,
    GridEngine,
    PlaceLimitIntent,
    PositionRiskManager,
    PositionState,
    RestingOrder,
    RiskConfig,
    TickerEvent,
    update_multipliers,
)
from gridcore._placement import centre_index
from gridcore.risk import MULTIPLIER_VALUES
from gridcore.rounding import round_to_tick

TICKS = ["1", "0.5", "0.1", "0.01", "0.001", "0.0001"]

prices = st.floats(min_value=0.5, max_value=200_000, allow_nan=False, allow_infinity=False)
steps = st.sampled_from([0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.5])
counts = st.integers(min_value=2, max_value=80)


def wait_zones(sides: list[str]) -> int:
    return sum(1 for key, _ in itertools.groupby(sides) if key == "Wait")


@settings(max_examples=300, deadline=None, database=None)
@given(price=prices, tick=st.sampled_from(TICKS), step=steps, count=counts)
def test_G4_build_prices_on_tick_sorted_unique_with_one_wait_zone(
    price: float, tick: str, step: float, count: int
) -> None:
    grid = Grid(Decimal(tick), GridConfig(grid_count=count, grid_step=step))
    try:
        grid.build(price)
    except DuplicatePriceError:
        assert len(set(grid.prices)) < len(grid.prices)
        return
    t = float(Decimal(tick))
    half = count // 2
    assert len(grid) == 2 * half + 1
    assert all(round_to_tick(p, t) == p for p in grid.prices)
    assert grid.is_price_sorted()
    assert len(set(grid.prices)) == len(grid.prices)
    assert grid.sides == ["Buy"] * half + ["Wait"] + ["Sell"] * half
    assert wait_zones(grid.sides) == 1
    assert grid.is_grid_correct()
    assert grid.anchor_price == grid.prices[half] == round_to_tick(price, t)


@settings(max_examples=300, deadline=None, database=None)
@given(
    index=st.integers(min_value=0, max_value=50),
    offset=st.floats(-0.04, 0.04),
    drift=st.floats(-0.06, 0.06),
)
def test_G13_G15_fill_update_keeps_length_and_one_wait_zone(
    index: int, offset: float, drift: float
) -> None:
    grid = Grid(Decimal("0.1"), GridConfig())
    grid.build(100000.0)
    fill = grid.prices[index] * (1 + offset / 100)
    last = round(fill * (1 + drift / 100), 2) + 0.001
    assume(last not in grid.prices)
    grid.update(fill, last)
    assert len(grid) == 51
    if grid.is_price_sorted():
        assert wait_zones(grid.sides) <= 1
        assert wait_zones(grid.sides) == 1 or not any(
            abs(p - fill) / p * 100 < 0.05 for p in grid.prices
        )
    counted = grid.sides.count("Buy") + grid.sides.count("Sell")
    assert counted + grid.sides.count("Wait") == 51


# -- engine sessions ----------------------------------------------------------------

ORDER_SHAPE = re.compile(r"D*[MP]*O*")
CODES = {"duplicate": "D", "side_mismatch": "M", "outside_grid": "O", "rebuild": "R"}

moves = st.lists(
    st.tuples(st.floats(min_value=-0.03, max_value=0.03), st.booleans(), st.integers(0, 10_000)),
    min_size=1,
    max_size=25,
)


class Session:
    """Drive one engine with a simulated book (places accepted, cancels removed)."""

    def __init__(self, start: float, structs: bool) -> None:
        self.engine = GridEngine("BTCUSDT", Decimal("0.1"), GridConfig(), "prop")
        self.book: dict[str, list[RestingOrder]] = {"long": [], "short": []}
        self.structs = structs
        self.price = start
        self.serial = 0

    def tick(self) -> list:
        event = TickerEvent(
            symbol="BTCUSDT", exchange_ts=1, local_ts=1, last_price=Decimal(f"{self.price:.1f}")
        )
        book = (
            self.book
            if self.structs
            else {d: [self._as_dict(o) for o in v] for d, v in self.book.items()}
        )
        intents = self.engine.on_event(event, book)
        for intent in intents:
            if isinstance(intent, PlaceLimitIntent):
                self.serial += 1
                self.book[intent.direction].append(
                    RestingOrder(
                        order_id=f"{intent.client_order_id}:{self.serial}",
                        price=str(intent.price),
                        side=intent.side,
                    )
                )
            else:
                self.book[intent.direction] = [
                    o for o in self.book[intent.direction] if o.order_id != intent.order_id
                ]
        return intents

    def fill(self, pick: int) -> None:
        resting = self.book["long"] + self.book["short"]
        if not resting:
            return
        order = resting[pick % len(resting)]
        for direction in ("long", "short"):
            self.book[direction] = [o for o in self.book[direction] if o is not order]
        self.engine.on_event(
            ExecutionEvent(symbol="BTCUSDT", exchange_ts=1, local_ts=1, price=Decimal(order.price))
        )

    @staticmethod
    def _as_dict(order: RestingOrder) -> dict[str, str]:
        return {"orderId": order.order_id, "price": order.price, "side": order.side}


def check_order_rules(intents: list, engine: GridEngine) -> None:
    directions = [i.direction for i in intents]
    assert directions == sorted(directions)  # "long" < "short": all long first (E-4.4)
    grid = engine.grid
    has_duplicates = len(set(grid.prices)) != len(grid.prices)
    for direction in ("long", "short"):
        part = [i for i in intents if i.direction == direction]
        codes = "".join("P" if isinstance(i, PlaceLimitIntent) else CODES[i.reason] for i in part)
        if "R" in codes:
            assert set(codes) == {"R"}  # E-5: nothing else for that direction
            continue
        assert ORDER_SHAPE.fullmatch(codes), codes  # E-6 output order
        cancelled = [i.order_id for i in part if isinstance(i, CancelIntent)]
        places = [i for i in part if isinstance(i, PlaceLimitIntent)]
        if not has_duplicates:
            assert len(cancelled) == len(set(cancelled))
            assert len({p.client_order_id for p in places}) == len(places)
        rebuilt_later = direction == "long" and any(
            isinstance(i, CancelIntent) and i.reason == "rebuild" for i in intents
        )
        if not rebuilt_later:
            centre = centre_index(grid.sides)
            keys = [(abs(p.grid_level - centre), float(p.price)) for p in places]
            assert keys == sorted(keys)  # E-6.3 visit order
            for p in places:
                assert grid.prices[p.grid_level] == float(p.price)
                assert grid.sides[p.grid_level] == p.side


@settings(max_examples=60, deadline=None, database=None)
@given(start=st.floats(min_value=20_000, max_value=120_000), path=moves)
def test_E4_E6_intent_order_rules_and_unique_ids_per_call(start: float, path: list) -> None:
    session = Session(start, structs=True)
    for move, do_fill, pick in path:
        if do_fill:
            session.fill(pick)
        session.price *= 1 + move
        intents = session.tick()
        check_order_rules(intents, session.engine)
        last = session.engine.last_close
        for p in (i for i in intents if isinstance(i, PlaceLimitIntent)):
            d = (last - float(p.price)) / last * 100
            assert (d > 0) if p.side == "Buy" else (d < 0)  # E-7
            assert abs(d) > 0.1


@settings(max_examples=40, deadline=None, database=None)
@given(start=st.floats(min_value=20_000, max_value=120_000), path=moves)
def test_E6_plan_cache_gives_the_same_intents_as_mapping_books(start: float, path: list) -> None:
    cached, plain = Session(start, structs=True), Session(start, structs=False)
    for move, do_fill, pick in path:
        for session in (cached, plain):
            if do_fill:
                session.fill(pick)
            session.price *= 1 + move
        assert cached.tick() == plain.tick()
        assert cached.engine.grid.levels == plain.engine.grid.levels


# -- risk -------------------------------------------------------------------------

decimals = st.decimals(min_value=0, max_value=50_000, allow_nan=False, places=2)
margins = st.decimals(min_value=0, max_value=3, allow_nan=False, places=3)
positions = st.one_of(
    st.none(),
    st.builds(
        PositionState,
        size=st.decimals(min_value=-5, max_value=5, places=3),
        entry_price=st.one_of(st.none(), decimals),
        liquidation_price=decimals,
        margin=margins,
        leverage=st.sampled_from([Decimal(1), Decimal(10), Decimal(25)]),
    ),
)


@settings(max_examples=400, deadline=None, database=None)
@given(
    long=positions,
    short=positions,
    last=st.floats(min_value=0, max_value=60_000),
    flag=st.booleans(),
    low_balance=st.booleans(),
    live=st.booleans(),
)
def test_R6_R7_R8_multipliers_only_take_spec_values(
    long: PositionState | None,
    short: PositionState | None,
    last: float,
    flag: bool,
    low_balance: bool,
    live: bool,
) -> None:
    lm, sm = PositionRiskManager.linked_pair(RiskConfig(increase_same_position_on_low_margin=flag))
    update_multipliers(lm, sm, long, short, last, low_balance=low_balance, live=live)
    values = {*lm.multiplier.values(), *sm.multiplier.values()}
    assert values <= MULTIPLIER_VALUES
