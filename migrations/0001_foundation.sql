-- 0001 foundation: shared helper functions used by later migrations.
--
-- Conventions for the whole schema (read this before adding a migration):
--   * Primary keys are uuid with DEFAULT gen_random_uuid() (core since PG13, no
--     pgcrypto needed), except natural keys (settings.key, available_agents.name,
--     agent_sessions (chat_id, agent)).
--   * Timestamps are timestamptz and default to clock_timestamp(), not now():
--     now() is frozen for the whole transaction, so two rows written in one
--     transaction (a user message and the assistant reply it starts) would tie.
--   * Every CHECK / UNIQUE / FK constraint and unique index carries an explicit
--     name (<table>_<column>_chk, <table>_<what>_key, <table>_<column>_fkey ...)
--     because the daemons map constraint violations to API errors by name.
--   * Status columns are text + a named CHECK listing the allowed set (easier to
--     extend in a later migration than a Postgres enum). The Rust enums in
--     boo-shared must list exactly the same values.
--   * Migrations are forward-only. Never edit a file that has shipped: sqlx keeps
--     a checksum of each applied file and refuses to start on a mismatch.

-- Touch trigger: keeps updated_at honest without every writer remembering it.
CREATE FUNCTION boo_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION boo_touch_updated_at() IS
    'BEFORE UPDATE trigger function: sets NEW.updated_at to clock_timestamp().';
