"""Stored comparisons (V-21) on a real PostgreSQL: the round trip with exact money, bad
values refused by field, and row-level security between users."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from store import tenant_scope
from tenants import (
    ConfigFieldError,
    create_run,
    create_user,
    get_comparison,
    list_comparisons,
    list_runs,
    save_comparison,
)

METRICS = {
    "window": {"start": "2020-12-09T00:00:00Z", "end": "2020-12-09T01:00:00Z"},
    "trades": {"all": {"realized_delta": {"value": Decimal("-0.00012345"), "unit": "USDT"},
                       "match_rate": {"value": 0.5, "unit": "ratio"},
                       "matched": {"value": 3, "unit": "trades"}}},
}  # fmt: skip
VERDICT = {"status": "FAIL", "exit_code": 1, "reason": "", "follow": False,
           "checks": [{"name": "coverage", "status": "FAIL", "value": 0.5}]}  # fmt: skip


def _fields(**changed: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "live_ref": "live-1", "sim_ref": "rep-1", "account_id": "accA", "symbol": "BTCUSDT",
        "window_start_ms": 1_607_472_000_000, "window_end_ms": 1_607_475_600_000,
        "status": "FAIL", "exit_code": 1, "reason": "", "metrics": METRICS,
        "verdict": VERDICT, "out_dir": "/tmp/cmp",
    }  # fmt: skip
    return fields | changed


async def test_a_comparison_round_trips_with_exact_money(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        alice = await create_user(conn, "alice")
        saved = await save_comparison(conn, alice, **_fields())
        other = await save_comparison(conn, alice, **_fields(sim_ref="rep-2", status="PASS",
                                      exit_code=0, verdict={"status": "PASS"}))  # fmt: skip
        assert [c.comparison_id for c in await list_comparisons(conn, alice)] == [
            saved.comparison_id, other.comparison_id,
        ]  # fmt: skip
        (only,) = await list_comparisons(conn, alice, sim_ref="rep-2")
        assert only == other
        got = await get_comparison(conn, alice, saved.comparison_id)
    assert got == saved and got.user_id == alice and got.created_at is not None
    assert (got.live_ref, got.sim_ref, got.account_id, got.symbol) == (
        "live-1", "rep-1", "accA", "BTCUSDT",
    )  # fmt: skip
    assert (got.status, got.exit_code, got.out_dir) == ("FAIL", 1, "/tmp/cmp")
    metric = got.metrics["trades"]["all"]
    # Money comes back as the Decimal it was, to the last digit; counts stay integers.
    assert metric["realized_delta"]["value"] == Decimal("-0.00012345")
    assert isinstance(metric["realized_delta"]["value"], Decimal)
    assert metric["matched"]["value"] == 3 and metric["match_rate"]["value"] == Decimal("0.5")
    assert got.verdict["checks"][0]["name"] == "coverage"


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        ({"live_ref": ""}, "live_ref"),
        ({"sim_ref": "a\nb"}, "sim_ref"),
        ({"account_id": "acc A"}, "account_id"),
        ({"symbol": "BTC/USDT"}, "symbol"),
        ({"window_start_ms": "0"}, "window_start_ms"),
        ({"window_end_ms": 1_607_472_000_000}, "window_end_ms"),
        ({"status": "MAYBE"}, "status"),
        ({"exit_code": 0}, "exit_code"),
        ({"metrics": [1, 2]}, "metrics"),
        ({"metrics": {"x": object()}}, "metrics"),
        ({"verdict": {"status": "PASS"}}, "verdict"),
        ({"out_dir": ""}, "out_dir"),
    ],
)
async def test_a_bad_value_is_refused_by_its_field(
    pool: asyncpg.Pool, changed: dict[str, Any], field: str
) -> None:
    async with pool.acquire() as conn:
        alice = await create_user(conn, "alice")
        with pytest.raises(ConfigFieldError) as info:
            await save_comparison(conn, alice, **_fields(**changed))
        assert info.value.field == field and str(info.value).startswith(f"{field}: ")
        with pytest.raises(ConfigFieldError, match="owner: no user"):
            await save_comparison(conn, uuid.uuid4(), **_fields())
        assert await conn.fetchval("SELECT count(*) FROM comparisons") == 0


async def test_a_user_cannot_read_another_users_comparisons_or_replay_runs(
    pool: asyncpg.Pool,
) -> None:
    """The acceptance test: alice sees neither bob's comparisons nor his replay runs, by
    the repository or by SQL, and cannot write a comparison in his name."""
    async with pool.acquire() as conn:
        alice, bob = await create_user(conn, "alice"), await create_user(conn, "bob")
        for user, name in ((alice, "A"), (bob, "B")):
            await create_run(conn, user, f"live{name}", "live", "live")
            await create_run(conn, user, f"rep{name}", "replay", f"replay.rep{name}",
                             source_ns="live")  # fmt: skip
        mine = await save_comparison(conn, alice, **_fields(live_ref="liveA", sim_ref="repA"))
        his = await save_comparison(conn, bob, **_fields(live_ref="liveB", sim_ref="repB"))
        assert [c.comparison_id for c in await list_comparisons(conn, alice)] == [
            mine.comparison_id
        ]
        assert await get_comparison(conn, alice, his.comparison_id) is None
        assert await list_comparisons(conn, alice, sim_ref="repB") == []
        assert {r.run_id for r in await list_runs(conn, alice)} == {"liveA", "repA"}
        async with tenant_scope(conn, alice):
            assert await conn.fetchval("SELECT array_agg(sim_ref) FROM comparisons") == ["repA"]
            assert await conn.fetchval(
                "SELECT count(*) FROM runs WHERE kind = 'replay' AND user_id = $1", bob
            ) == 0  # fmt: skip
        # Writing in bob's name is refused by the policy, changing a record by the grants.
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with tenant_scope(conn, alice):
                await conn.execute(
                    "INSERT INTO comparisons (comparison_id, user_id, live_ref, sim_ref,"
                    " window_start_ms, window_end_ms, status, exit_code, metrics, verdict)"
                    " VALUES ($1, $2, 'x', 'y', 0, 1, 'SKIP', 2, '{}', '{}')",
                    uuid.uuid4(),
                    bob,
                )
        for statement in ("UPDATE comparisons SET reason = 'x'", "DELETE FROM comparisons"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                async with tenant_scope(conn, alice):
                    await conn.execute(statement)
        # Forced: the table's owner is bound too, when it is no superuser.
        assert await conn.fetchval(
            "SELECT relrowsecurity AND relforcerowsecurity FROM pg_class"
            " WHERE oid = 'comparisons'::regclass"
        )
        # Without a user in scope the app role sees nothing at all.
        async with conn.transaction():
            await conn.execute("SET LOCAL ROLE gridtwin_app")
            assert await conn.fetchval("SELECT count(*) FROM comparisons") == 0
        assert await conn.fetchval("SELECT count(*) FROM comparisons") == 2
