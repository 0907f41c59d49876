-- 0014 agent lifecycle (writer: boocoder): how an agent's session started, the
-- chat's config options last applied to it, its plan and commands; "always"
-- permission answers; provider enablement chosen by the owner.

-- ─── agent_sessions: start kind, config, plan, commands ──────────────────────
ALTER TABLE agent_sessions
    -- How the agent's current session began: resumed (session/resume), loaded
    -- (session/load), history (a new session whose first prompt carries the
    -- chat's transcript, because the old one could not be picked up), new (the
    -- agent's first session in this chat). NULL: rows from before 0014.
    ADD COLUMN start_kind text,
    -- The mode and model last applied to (chat, agent): re-applied to a resumed,
    -- loaded or new session so the chat keeps its settings across processes.
    ADD COLUMN mode_id    text,
    ADD COLUMN model      text,
    -- The agent's latest plan: {"message_id": uuid, "entries": [ACP PlanEntry]}.
    ADD COLUMN plan       jsonb,
    -- The agent's latest available commands (ACP AvailableCommand objects).
    ADD COLUMN commands   jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD CONSTRAINT agent_sessions_start_kind_chk CHECK (
        start_kind IS NULL OR start_kind IN ('resumed', 'loaded', 'history', 'new')
    ),
    ADD CONSTRAINT agent_sessions_plan_chk CHECK (
        plan IS NULL OR (jsonb_typeof(plan) = 'object' AND jsonb_typeof(plan -> 'entries') = 'array')
    ),
    ADD CONSTRAINT agent_sessions_commands_chk CHECK (jsonb_typeof(commands) = 'array');

COMMENT ON COLUMN agent_sessions.start_kind IS
    'resumed | loaded | history (transcript carried in the first prompt) | new';

-- ─── permission_always ───────────────────────────────────────────────────────
-- "Always allow" / "always reject" answers to an agent's permission requests,
-- per project + agent + ACP tool kind; answered automatically from then on.
CREATE TABLE permission_always (
    project_id   uuid        NOT NULL,
    agent        text        NOT NULL,
    tool_kind    text        NOT NULL,
    option_kind  text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT permission_always_pkey PRIMARY KEY (project_id, agent, tool_kind),
    CONSTRAINT permission_always_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT permission_always_option_kind_chk CHECK (
        option_kind IN ('allow_always', 'reject_always')
    )
);

CREATE TRIGGER permission_always_touch_updated_at
    BEFORE UPDATE ON permission_always
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION boo_touch_updated_at();

-- ─── provider_overrides ──────────────────────────────────────────────────────
-- The owner's enable/disable of a provider (PATCH /api/providers/{id}), kept
-- apart from the probe snapshot (available_agents, rewritten by every probe)
-- and applied over the config file's `enabled`.
CREATE TABLE provider_overrides (
    name        text        NOT NULL,
    enabled     boolean     NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT provider_overrides_pkey PRIMARY KEY (name),
    CONSTRAINT provider_overrides_name_chk CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$')
);

CREATE TRIGGER provider_overrides_touch_updated_at
    BEFORE UPDATE ON provider_overrides
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION boo_touch_updated_at();

-- ─── terminal_sessions: the session a terminal was opened in ─────────────────
-- (writer: booterm) session_id becomes NULL when the session is deleted, which
-- alone cannot tell a terminal of a deleted session from one that never had a
-- session. origin_session_id keeps the id (no foreign key), so booterm's
-- reconcile kills the tmux sessions of terminals whose session is gone.
ALTER TABLE terminal_sessions ADD COLUMN origin_session_id uuid;
UPDATE terminal_sessions SET origin_session_id = session_id WHERE session_id IS NOT NULL;

CREATE FUNCTION boo_terminal_origin_session() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.session_id IS NOT NULL THEN
        NEW.origin_session_id := NEW.session_id;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER terminal_sessions_origin_session
    BEFORE INSERT OR UPDATE OF session_id ON terminal_sessions
    FOR EACH ROW EXECUTE FUNCTION boo_terminal_origin_session();

-- Live terminals of deleted sessions, for the reconcile.
CREATE INDEX terminal_sessions_orphan_idx ON terminal_sessions (origin_session_id)
    WHERE session_id IS NULL AND origin_session_id IS NOT NULL AND status = 'live';

COMMENT ON COLUMN terminal_sessions.origin_session_id IS
    'The session the terminal was opened in, kept after that session is deleted (session_id NULL): booterm kills such terminals.';
