-- A recorded run in stream order, filtered; $2/$3 bound the exchange-time window,
-- $4/$5 are NULL or arrays of symbols/accounts, $6 resumes after a stream sequence,
-- $7 is NULL or an array of kinds (trade, ticker, execution ...).
SELECT stream_seq, subject, payload, ts_exchange_ms
FROM events
WHERE ns = $1
  AND ($2::bigint IS NULL OR ts_exchange_ms >= $2)
  AND ($3::bigint IS NULL OR ts_exchange_ms < $3)
  AND ($4::text[] IS NULL OR symbol IS NULL OR symbol = ANY ($4))
  AND ($5::text[] IS NULL OR account_id IS NULL OR account_id = ANY ($5))
  AND stream_seq > $6
  AND ($7::text[] IS NULL OR kind = ANY ($7))
ORDER BY stream_seq
