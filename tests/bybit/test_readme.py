"""The README's example runs against the simulator."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec

import bybit
import proto
from services.exchange_sim import ExchangeSim

README = Path(bybit.__file__).parent / "README.md"


async def test_readme_example_places_watches_and_cancels(exchange_sim: ExchangeSim) -> None:
    (code, *_) = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    namespace: dict[str, Any] = {"__name__": "readme"}
    exec(compile(code, str(README), "exec"), namespace)
    acct = exchange_sim.accounts[0]
    config = msgspec.structs.replace(
        namespace["config"],
        api_key=acct.api_key,
        api_secret=bybit.Secret(acct.api_secret),
        rest_url=exchange_sim.rest_url,
        ws_private_url=exchange_sim.ws_private_url,
        time_sync=False,  # the simulator's server time is virtual (see test_rest_sim)
    )
    update = await namespace["place_and_watch"](config)
    assert update.status is proto.OrderStatus.NEW and update.order_link_id == "grid-1-7"
    assert exchange_sim.open_orders(acct.api_key) == []
