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
    kind        text NOT NULL CHECK (kind IN ('live', 'paper', 'replay', 'backtest')),
    -- The namespace the run's events live in (`live`, `replay.<run_id>` …).
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
