"""Bybit V5 base URLs (spec §1.1, §3.1) and the local simulator's layout."""

from __future__ import annotations

import enum

import msgspec


class Environment(enum.StrEnum):
    MAINNET = "mainnet"
    TESTNET = "testnet"
    DEMO = "demo"


class BybitUrls(msgspec.Struct, frozen=True, kw_only=True):
    """One REST base URL and the two websocket URLs the adapter uses (linear only)."""

    rest: str
    ws_public: str
    ws_private: str


MAINNET = BybitUrls(
    rest="https://api.bybit.com",
    ws_public="wss://stream.bybit.com/v5/public/linear",
    ws_private="wss://stream.bybit.com/v5/private",
)
TESTNET = BybitUrls(
    rest="https://api-testnet.bybit.com",
    ws_public="wss://stream-testnet.bybit.com/v5/public/linear",
    ws_private="wss://stream-testnet.bybit.com/v5/private",
)
#: Demo trading has private streams only; public market data comes from mainnet.
DEMO = BybitUrls(
    rest="https://api-demo.bybit.com",
    ws_public="wss://stream.bybit.com/v5/public/linear",
    ws_private="wss://stream-demo.bybit.com/v5/private",
)

_BY_ENVIRONMENT = {
    Environment.MAINNET: MAINNET,
    Environment.TESTNET: TESTNET,
    Environment.DEMO: DEMO,
}


def urls_for(environment: Environment) -> BybitUrls:
    return _BY_ENVIRONMENT[environment]


def sim_urls(host: str, port: int) -> BybitUrls:
    """The URLs of a local simulator serving Bybit's paths over plain HTTP/WS."""
    return BybitUrls(
        rest=f"http://{host}:{port}",
        ws_public=f"ws://{host}:{port}/v5/public/linear",
        ws_private=f"ws://{host}:{port}/v5/private",
    )
