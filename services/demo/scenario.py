"""Who trades in a live run: users, their sim accounts and strategies, seeded into the
tenancy tables exactly as ``gridtwin admin`` would."""

from __future__ import annotations

import asyncpg
import msgspec

import tenants
from tenants import AccountSpec, MasterKey, StrategySpec


class AccountSeed(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    api_key: str
    api_secret: str
    strategies: list[StrategySpec]


class UserSeed(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    accounts: list[AccountSeed]


class Scenario(msgspec.Struct, frozen=True, kw_only=True):
    users: list[UserSeed]
    namespace: str = "live"

    @property
    def accounts(self) -> list[AccountSeed]:
        return [a for u in self.users for a in u.accounts]

    @property
    def strategies(self) -> list[StrategySpec]:
        return [s for a in self.accounts for s in a.strategies]

    @property
    def symbols(self) -> list[str]:
        return sorted({s.symbol for s in self.strategies})

    def owner_of(self, account_id: str) -> str:
        return next(u.name for u in self.users for a in u.accounts if a.account_id == account_id)


async def seed(conn: asyncpg.Connection, scenario: Scenario, master: MasterKey) -> None:
    for user in scenario.users:
        user_id = await tenants.create_user(conn, user.name)
        for account in user.accounts:
            spec = AccountSpec(
                account_id=account.account_id,
                user=user.name,
                api_key=account.api_key,
                name=account.account_id,
                environment="sim",
            )
            await tenants.create_account(conn, spec, account.api_secret, master)
            for strategy in account.strategies:
                await tenants.create_strategy(conn, user_id, strategy)
