"""Tenants: users, their accounts (with envelope-encrypted API secrets), strategies, runs
and saved grid state, all behind PostgreSQL row-level security.

Every read and write of a user-owned row runs inside ``store.tenancy.tenant_scope``, so
row-level security decides what a query sees. The only unscoped queries are on ``users``
(creating one, finding one by name, listing them) and ``gridtwin_user_ids()``, which the
services use to visit each user in turn."""

from tenants.accounts import create_account, list_accounts, load_credentials, rotate_master_key
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
from tenants.parsing import StrategyFileResult, load_strategy_file, parse_account, parse_strategy
from tenants.rows import AccountRow, RunKind, RunRow, UserRow
from tenants.runs import create_run, finish_run, list_runs
from tenants.strategies import (
    create_strategies,
    create_strategy,
    list_strategies,
    load_strategies,
    set_strategy_enabled,
)
from tenants.users import create_user, list_users, user_id_by_name, user_ids

__all__ = [
    "AccountRow",
    "AccountSpec",
    "ApiCredentials",
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
    "StrategyFileResult",
    "StrategySpec",
    "TenantError",
    "UserRow",
    "create_account",
    "create_run",
    "create_strategies",
    "create_strategy",
    "create_user",
    "finish_run",
    "list_accounts",
    "list_runs",
    "list_strategies",
    "list_users",
    "load_credentials",
    "load_grid_states",
    "load_strategies",
    "load_strategy_file",
    "parse_account",
    "parse_strategy",
    "rewrap",
    "rotate_master_key",
    "save_grid_state",
    "seal",
    "set_strategy_enabled",
    "unseal",
    "user_id_by_name",
    "user_ids",
]
