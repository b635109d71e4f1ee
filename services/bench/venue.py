"""Exchange-side figures: the simulator's matching and the adapter's REST round trip."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from services.bench.report import Figure
from services.exchange_sim import ExchangeSim, SimConfig
from services.exchange_sim.config import AccountConfig, ManualFeed


async def matching(real: Path | None) -> list[Figure]:
    from services.exchange_sim.bench import run_bench

    return [Figure.from_dict(d) for d in await run_bench(real)]


async def rest_round_trip() -> list[Figure]:
    from bybit.bench import run_bench

    config = SimConfig(
        speed="max",
        accounts=(
            AccountConfig(api_key="BENCHKEY", api_secret="bench-secret", usdt=Decimal(10**6)),
        ),
        feeds=(ManualFeed(symbol="BTCUSDT", start_price=Decimal("60000")),),
    )
    async with ExchangeSim(config) as sim:
        return [Figure.from_dict(d) for d in await run_bench(sim)]
