"""/metrics and /healthz over real HTTP."""

from __future__ import annotations

import aiohttp
from prometheus_client import CollectorRegistry, Counter

from obs.metrics import MetricsServer


async def test_metrics_and_health_endpoints() -> None:
    registry = CollectorRegistry()
    written = Counter("events_written", "rows committed", registry=registry)
    healthy = {"ok": True}
    async with (
        MetricsServer(registry, health=lambda: healthy["ok"]) as server,
        aiohttp.ClientSession() as http,
    ):
        written.inc(42)
        base = f"http://127.0.0.1:{server.port}"
        async with http.get(f"{base}/metrics") as r:
            assert r.status == 200
            assert "events_written_total 42.0" in await r.text()
        async with http.get(f"{base}/healthz") as r:
            assert (r.status, await r.text()) == (200, "ok")
        healthy["ok"] = False
        async with http.get(f"{base}/healthz") as r:
            assert r.status == 503
