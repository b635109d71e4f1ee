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
