"""The tenant repository (asyncpg): one import for everything stored per user.

Every read and write of a user-owned row runs inside ``store.tenancy.tenant_scope``, so
row-level security decides what a query sees. The only unscoped queries are on ``users``
(creating one, finding one by name, listing them) and ``gridtwin_user_ids()``, which the
services use to visit each user in turn.
"""

from tenants.accounts import create_account, list_accounts, load_credentials, rotate_master_key
from tenants.grid_state import load_grid_states, save_grid_state
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
    "rotate_master_key",
    "save_grid_state",
    "set_strategy_enabled",
    "user_id_by_name",
    "user_ids",
]
