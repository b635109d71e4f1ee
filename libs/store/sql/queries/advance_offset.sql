-- Move a reader's committed offset to $3; when $4 is set, only from $4 (compare and set:
-- a batch committed out of order, or by a second reader of the same name, matches
-- nothing). Waits for a concurrent transaction holding the row, then compares with what
-- it committed. Returns true when moved.
INSERT INTO stream_offsets AS o (reader, stream, last_seq) VALUES ($1, $2, $3)
ON CONFLICT (reader, stream) DO UPDATE
    SET last_seq = EXCLUDED.last_seq, updated_at = now()
    WHERE $4::bigint IS NULL OR o.last_seq = $4::bigint
RETURNING true
