"""Tenants: users, their accounts (with envelope-encrypted API secrets), strategies, runs,
saved grid state and stored comparisons, all behind PostgreSQL row-level security.

Every read and write of a user-owned row runs inside ``store.tenancy.tenant_scope``, so
row-level security decides what a query sees. The only unscoped queries are on ``users``
(creating one, finding one by name, listing them) and ``gridtwin_user_ids()``, which the
services use to visit each user in turn."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tenants.accounts import create_account, list_accounts, load_credentials, rotate_master_key
    from tenants.comparisons import (
        ComparisonStatus,
        StoredComparison,
        get_comparison,
        list_comparisons,
        save_comparison,
    )
    from tenants.crypto import MasterKey, SealedSecret, rewrap, seal, unseal
    from tenants.errors import (
        ConfigFieldError,
        KeyRotationError,
        MasterKeyError,
        SecretDecryptError,
        TenantError,
    )
    from tenants.grid_state import load_grid_states, save_grid_state
    from tenants.models import AccountSpec, ApiCredentials, Environment, RiskSettings, StrategySpec
    from tenants.parsing import (
        StrategyFileResult,
        load_strategy_file,
        parse_account,
        parse_strategy,
    )
    from tenants.rows import AccountRow, RunKind, RunRow, UserRow
    from tenants.runs import create_run, find_run, finish_run, list_runs, reopen_run
    from tenants.strategies import (
        create_strategies,
        create_strategy,
        list_strategies,
        load_strategies,
        set_strategy_enabled,
    )
    from tenants.users import create_user, list_users, user_id_by_name, user_ids

#: Public name → defining module, imported on first use (PEP 562): a command that needs
#: one light name does not pay for every client library of the package.
_EXPORTS = {
    "create_account": "tenants.accounts",
    "list_accounts": "tenants.accounts",
    "load_credentials": "tenants.accounts",
    "rotate_master_key": "tenants.accounts",
    "ComparisonStatus": "tenants.comparisons",
    "StoredComparison": "tenants.comparisons",
    "get_comparison": "tenants.comparisons",
    "list_comparisons": "tenants.comparisons",
    "save_comparison": "tenants.comparisons",
    "MasterKey": "tenants.crypto",
    "SealedSecret": "tenants.crypto",
    "rewrap": "tenants.crypto",
    "seal": "tenants.crypto",
    "unseal": "tenants.crypto",
    "ConfigFieldError": "tenants.errors",
    "KeyRotationError": "tenants.errors",
    "MasterKeyError": "tenants.errors",
    "SecretDecryptError": "tenants.errors",
    "TenantError": "tenants.errors",
    "load_grid_states": "tenants.grid_state",
    "save_grid_state": "tenants.grid_state",
    "AccountSpec": "tenants.models",
    "ApiCredentials": "tenants.models",
    "Environment": "tenants.models",
    "RiskSettings": "tenants.models",
    "StrategySpec": "tenants.models",
    "StrategyFileResult": "tenants.parsing",
    "load_strategy_file": "tenants.parsing",
    "parse_account": "tenants.parsing",
    "parse_strategy": "tenants.parsing",
    "AccountRow": "tenants.rows",
    "RunKind": "tenants.rows",
    "RunRow": "tenants.rows",
    "UserRow": "tenants.rows",
    "create_run": "tenants.runs",
    "find_run": "tenants.runs",
    "finish_run": "tenants.runs",
    "reopen_run": "tenants.runs",
    "list_runs": "tenants.runs",
    "create_strategies": "tenants.strategies",
    "create_strategy": "tenants.strategies",
    "list_strategies": "tenants.strategies",
    "load_strategies": "tenants.strategies",
    "set_strategy_enabled": "tenants.strategies",
    "create_user": "tenants.users",
    "list_users": "tenants.users",
    "user_id_by_name": "tenants.users",
    "user_ids": "tenants.users",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "AccountRow",
    "AccountSpec",
    "ApiCredentials",
    "ComparisonStatus",
    "ConfigFieldError",
    "Environment",
    "KeyRotationError",
    "MasterKey",
    "MasterKeyError",
    "RiskSettings",
    "RunKind",
    "RunRow",
    "SealedSecret",
    "SecretDecryptError",
    "StoredComparison",
    "StrategyFileResult",
    "StrategySpec",
    "TenantError",
    "UserRow",
    "create_account",
    "create_run",
    "create_strategies",
    "create_strategy",
    "create_user",
    "find_run",
    "finish_run",
    "get_comparison",
    "list_accounts",
    "list_comparisons",
    "list_runs",
    "list_strategies",
    "list_users",
    "load_credentials",
    "load_grid_states",
    "load_strategies",
    "load_strategy_file",
    "parse_account",
    "parse_strategy",
    "reopen_run",
    "rewrap",
    "rotate_master_key",
    "save_comparison",
    "save_grid_state",
    "seal",
    "set_strategy_enabled",
    "unseal",
    "user_id_by_name",
    "user_ids",
]
