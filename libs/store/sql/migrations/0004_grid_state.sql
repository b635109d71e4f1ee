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
