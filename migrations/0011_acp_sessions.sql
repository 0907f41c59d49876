-- 0011 acp_sessions, acp_history (writer: `boochat acp`, BooCode's own ACP agent).
-- One row per ACP session the agent has opened, and the model-side conversation
-- of each (OpenAI chat messages: user, assistant with tool_calls, tool results), so
-- session/load and session/resume work after the agent process is killed. Kept
-- apart from chats/messages: an ACP session belongs to whatever client drives it
-- (boocoder, an editor), not to a workspace session.
CREATE TABLE acp_sessions (
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    cwd         text        NOT NULL,
    title       text,
    -- ask = read-only tools; code = write and command tools behind permission;
    -- auto = the same without asking.
    mode        text        NOT NULL DEFAULT 'code',
    -- NULL = the agent's model, else llm.default_model, else the server's first.
    model       text,
    -- An AGENTS.md agent, or NULL.
    agent       text,
    closed_at   timestamptz,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT acp_sessions_pkey PRIMARY KEY (id),
    CONSTRAINT acp_sessions_mode_chk CHECK (mode IN ('ask', 'code', 'auto')),
    CONSTRAINT acp_sessions_cwd_chk CHECK (left(cwd, 1) = '/'),
    CONSTRAINT acp_sessions_title_chk CHECK (title IS NULL OR char_length(title) <= 200)
);
CREATE INDEX acp_sessions_cwd_idx ON acp_sessions (cwd, updated_at DESC);

CREATE TABLE acp_history (
    session_id  uuid        NOT NULL,
    seq         integer     NOT NULL,
    -- One OpenAI chat message (role, content, tool_calls / tool_call_id).
    message     jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT acp_history_pkey PRIMARY KEY (session_id, seq),
    CONSTRAINT acp_history_session_id_fkey FOREIGN KEY (session_id)
        REFERENCES acp_sessions (id) ON DELETE CASCADE,
    CONSTRAINT acp_history_message_chk CHECK (jsonb_typeof(message) = 'object')
);
