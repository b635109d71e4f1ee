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
