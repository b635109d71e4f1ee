-- Move a staged batch into the store: once per (ns, event_id), owner resolved from the
-- account or the run. Returns the number of rows written.
WITH batch AS (
    SELECT DISTINCT ON (ns, event_id) *
    FROM event_staging
    ORDER BY ns, event_id, stream_seq
), fresh AS (
    INSERT INTO event_keys (ns, event_id)
    SELECT ns, event_id FROM batch
    ON CONFLICT DO NOTHING
    RETURNING ns, event_id
), run_owner AS (
    -- Once per namespace in the batch, not once per row.
    SELECT DISTINCT ON (ns) ns, user_id
    FROM runs
    WHERE ns IN (SELECT DISTINCT ns FROM event_staging)
    ORDER BY ns, started_at
), written AS (
    INSERT INTO events (ns, event_id, kind, symbol, account_id, owner_id,
                        ts_exchange_ms, ts_local_ns, stream_seq, subject, payload)
    SELECT b.ns, b.event_id, b.kind, b.symbol, b.account_id,
           COALESCE(a.user_id, r.user_id),
           b.ts_exchange_ms, b.ts_local_ns, b.stream_seq, b.subject, b.payload
    FROM batch b
    JOIN fresh f ON f.ns = b.ns AND f.event_id = b.event_id
    LEFT JOIN accounts a ON a.account_id = b.account_id
    LEFT JOIN run_owner r ON r.ns = b.ns
    RETURNING 1
)
SELECT count(*) FROM written
