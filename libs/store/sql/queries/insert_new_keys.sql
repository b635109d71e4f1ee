-- Claim the staged events' keys when none is stored yet: the common case, without the
-- dedup work of `insert_events`. A stored (or repeated) (ns, event_id) fails the
-- statement with a unique violation; the caller then runs `insert_events` instead.
INSERT INTO event_keys (ns, event_id)
SELECT ns, event_id FROM event_staging
