-- Store the staged events whose keys `insert_new_keys` claimed in this transaction,
-- owner resolved from the account or the run.
WITH run_owner AS (
    -- Once per namespace in the batch, not once per row.
    SELECT DISTINCT ON (ns) ns, user_id
    FROM runs
    WHERE ns IN (SELECT DISTINCT ns FROM event_staging)
    ORDER BY ns, started_at
)
INSERT INTO events (ns, event_id, kind, symbol, account_id, owner_id,
                    ts_exchange_ms, ts_local_ns, stream_seq, subject, payload)
SELECT b.ns, b.event_id, b.kind, b.symbol, b.account_id,
       COALESCE(a.user_id, r.user_id),
       b.ts_exchange_ms, b.ts_local_ns, b.stream_seq, b.subject, b.payload
FROM event_staging b
LEFT JOIN accounts a ON a.account_id = b.account_id
LEFT JOIN run_owner r ON r.ns = b.ns
