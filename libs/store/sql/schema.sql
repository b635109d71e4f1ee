-- The whole schema as the migrations leave it, in one file to read.
--
-- Never applied by the system: databases are built only by the forward-only migrations
-- in `migrations/`. tests/store/test_schema.py builds one database from the migrations and
-- one from this file and fails on any difference (tables, columns, constraints, indexes,
-- row-level security, policies, grants, functions). A migration that changes the schema
-- changes this file in the same commit.

-- ---- 0001_tenancy.sql ----
-- Tenancy: users own accounts (with encrypted credentials), strategies and runs.
-- Row-level security scopes every user-owned row to the user in `gridtwin.user_id`,
-- enforced for the non-owner role `gridtwin_app` that tenant-facing queries run as.

DO $$ BEGIN
    CREATE ROLE gridtwin_app NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

CREATE FUNCTION gridtwin_current_user() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('gridtwin.user_id', true), '')::uuid $$;

CREATE TABLE users (
    user_id     uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name <> ''),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
    account_id  text PRIMARY KEY CHECK (account_id ~ '^[A-Za-z0-9_-]+$'),
    user_id     uuid NOT NULL REFERENCES users (user_id),
    name        text NOT NULL,
    environment text NOT NULL CHECK (environment IN ('mainnet', 'testnet', 'sim')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_user_idx ON accounts (user_id);

-- Envelope encryption: `secret_ciphertext` is sealed with a per-secret data key, and the
-- data key is stored only wrapped by the master key (`wrapped_key`, key id `master_key_id`).
CREATE TABLE credentials (
    account_id        text PRIMARY KEY REFERENCES accounts (account_id) ON DELETE CASCADE,
    api_key           text NOT NULL,
    secret_ciphertext bytea NOT NULL,
    wrapped_key       bytea NOT NULL,
    master_key_id     text NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE strategies (
    strategy_id text PRIMARY KEY CHECK (strategy_id ~ '^[A-Za-z0-9_-]+$'),
    user_id     uuid NOT NULL REFERENCES users (user_id),
    account_id  text NOT NULL REFERENCES accounts (account_id),
    symbol      text NOT NULL,
    config      jsonb NOT NULL,
    enabled     boolean NOT NULL DEFAULT true,
    shadow      boolean NOT NULL DEFAULT false,
    namespace   text NOT NULL DEFAULT 'live',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX strategies_user_idx ON strategies (user_id);

CREATE TABLE runs (
    run_id      text PRIMARY KEY CHECK (run_id ~ '^[A-Za-z0-9_-]+$'),
    user_id     uuid REFERENCES users (user_id),
    -- `import`: added by 0005 (the constraint is `runs_kind_check` either way).
    kind        text NOT NULL CHECK (kind IN ('live', 'paper', 'replay', 'backtest', 'import')),
    -- The namespace the run's events live in (`live`, `replay.<run_id>`, `import.<name>` …).
    ns          text NOT NULL,
    source_ns   text,
    params      jsonb NOT NULL DEFAULT '{}',
    status      text NOT NULL DEFAULT 'running',
    started_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz
);
CREATE INDEX runs_ns_idx ON runs (ns);

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE strategies ENABLE ROW LEVEL SECURITY;
ALTER TABLE runs ENABLE ROW LEVEL SECURITY;

CREATE POLICY users_self ON users USING (user_id = gridtwin_current_user());
CREATE POLICY accounts_owner ON accounts USING (user_id = gridtwin_current_user());
CREATE POLICY credentials_owner ON credentials USING (
    EXISTS (SELECT 1 FROM accounts a WHERE a.account_id = credentials.account_id
            AND a.user_id = gridtwin_current_user()));
CREATE POLICY strategies_owner ON strategies USING (user_id = gridtwin_current_user());
CREATE POLICY runs_owner ON runs USING (user_id = gridtwin_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON users, accounts, credentials, strategies, runs
    TO gridtwin_app;

-- ---- 0002_event_store.sql ----
-- The append-only event store.
--
-- `events` is range-partitioned by exchange time (monthly partitions, created by the
-- writer as data arrives). PostgreSQL cannot enforce a unique key on a partitioned table
-- unless it contains the partition key, so idempotency lives in `event_keys`: a row is
-- written to `events` only when its (ns, event_id) was new in `event_keys`, in the same
-- statement.

CREATE TABLE event_keys (
    ns        text NOT NULL,
    event_id  text NOT NULL,
    PRIMARY KEY (ns, event_id)
);

CREATE TABLE events (
    ns              text NOT NULL,
    event_id        text NOT NULL,
    kind            text NOT NULL,
    symbol          text,
    account_id      text,
    -- The user a row belongs to (its account's or its run's); NULL = public market data.
    owner_id        uuid,
    ts_exchange_ms  bigint NOT NULL,
    ts_local_ns     bigint NOT NULL,
    -- JetStream stream sequence: the order in which the live system saw events.
    stream_seq      bigint NOT NULL,
    subject         text NOT NULL,
    -- The message exactly as published, for byte-identical republishing.
    payload         bytea NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
) PARTITION BY RANGE (ts_exchange_ms);

CREATE INDEX events_ns_seq_idx ON events (ns, stream_seq);
CREATE INDEX events_filter_idx ON events (ns, kind, symbol, account_id, ts_exchange_ms);

CREATE TABLE dead_letters (
    id           bigserial PRIMARY KEY,
    subject      text NOT NULL,
    stream_seq   bigint NOT NULL,
    msg_id       text,
    payload      bytea NOT NULL,
    reason       text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subject, stream_seq)
);

ALTER TABLE events ENABLE ROW LEVEL SECURITY;
CREATE POLICY events_owner ON events
    USING (owner_id IS NULL OR owner_id = gridtwin_current_user());
GRANT SELECT ON events TO gridtwin_app;

-- ---- 0003_stream_offsets.sql ----
-- Where each reader of the capture stream stands: the last stream sequence whose batch
-- is committed. Written in the same transaction as the batch, so a crash can neither
-- lose a committed batch's position nor skip an uncommitted one.
CREATE TABLE stream_offsets (
    reader      text NOT NULL,
    stream      text NOT NULL,
    last_seq    bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (reader, stream)
);

-- ---- 0004_grid_state.sql ----
-- Saved grid state per strategy (spec §12), the one cross-tenant read services need, and
-- the ownership checks that 0001's row-level security does not make on its own.

-- The engine's latest saved grid of a strategy (latest wins), owned like the strategy.
CREATE TABLE grid_states (
    strategy_id text PRIMARY KEY REFERENCES strategies (strategy_id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (user_id),
    document    jsonb NOT NULL CHECK (jsonb_typeof(document) = 'object'),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE grid_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY grid_states_owner ON grid_states
    USING (user_id = gridtwin_current_user())
    WITH CHECK (user_id = gridtwin_current_user() AND EXISTS (
        SELECT 1 FROM strategies s WHERE s.strategy_id = grid_states.strategy_id
        AND s.user_id = gridtwin_current_user()));
GRANT SELECT, INSERT, UPDATE, DELETE ON grid_states TO gridtwin_app;

-- Foreign-key checks bypass row-level security: without this a user could attach a
-- strategy to another user's account id, a row they cannot even see.
CREATE POLICY strategies_own_account ON strategies AS RESTRICTIVE
    USING (true)
    WITH CHECK (EXISTS (
        SELECT 1 FROM accounts a WHERE a.account_id = strategies.account_id
        AND a.user_id = gridtwin_current_user()));

-- Services (engine, collector, rotation) read every user's rows one user at a time,
-- each under that user's scope; this lists whom to scope to. SECURITY DEFINER so it
-- works for gridtwin_app too, and it returns nothing but the ids.
CREATE FUNCTION gridtwin_user_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$ SELECT user_id FROM public.users ORDER BY user_id $$;
REVOKE ALL ON FUNCTION gridtwin_user_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gridtwin_user_ids() TO gridtwin_app;

-- ---- 0005_import_runs.sql ----
-- Runs of kind `import` (`gridtwin import`): folded into `runs.kind` above.

-- ---- 0006_comparisons.sql ----
-- Comparisons (validation spec V-21): every comparison's verdict and metrics, beside the
-- files in its output folder. A row belongs to the live run's user and is scoped by
-- row-level security like the runs it compares.
CREATE TABLE comparisons (
    comparison_id   uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (user_id),
    -- What was compared: a run id, a namespace or a folder.
    live_ref        text NOT NULL CHECK (live_ref <> ''),
    sim_ref         text NOT NULL CHECK (sim_ref <> ''),
    -- One account × symbol of a stored run; NULL when a folder side does not say.
    account_id      text,
    symbol          text,
    -- The window compared, [start, end) in exchange ms.
    window_start_ms bigint NOT NULL,
    window_end_ms   bigint NOT NULL CHECK (window_end_ms > window_start_ms),
    status          text NOT NULL CHECK (status IN ('PASS', 'FAIL', 'SKIP')),
    -- The verdict's exit code (V-14), always the status's.
    exit_code       smallint NOT NULL CHECK (
        exit_code = CASE status WHEN 'PASS' THEN 0 WHEN 'FAIL' THEN 1 ELSE 2 END),
    reason          text NOT NULL DEFAULT '',
    -- metrics.json and verdict.json as written to the folder.
    metrics         jsonb NOT NULL CHECK (jsonb_typeof(metrics) = 'object'),
    verdict         jsonb NOT NULL CHECK (jsonb_typeof(verdict) = 'object'),
    out_dir         text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comparisons_user_idx ON comparisons (user_id, created_at);

-- FORCE binds the table's owner too (on managed PostgreSQL it is often no superuser):
-- nothing reads or writes comparisons outside a tenant scope.
ALTER TABLE comparisons ENABLE ROW LEVEL SECURITY;
ALTER TABLE comparisons FORCE ROW LEVEL SECURITY;
CREATE POLICY comparisons_owner ON comparisons USING (user_id = gridtwin_current_user());
-- A comparison is a record: written once, read back, never changed.
GRANT SELECT, INSERT ON comparisons TO gridtwin_app;

-- ---- schema_migrations: created by the migrator itself ----
CREATE TABLE schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
