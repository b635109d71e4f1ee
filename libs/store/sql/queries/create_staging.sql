CREATE TEMP TABLE IF NOT EXISTS event_staging (
    ns text, event_id text, kind text, symbol text, account_id text,
    ts_exchange_ms bigint, ts_local_ns bigint, stream_seq bigint, subject text, payload bytea
) ON COMMIT DELETE ROWS
