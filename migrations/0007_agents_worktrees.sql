-- 0007 available_agents, worktrees, agent_sessions (writer: boocoder).

-- ─── available_agents ────────────────────────────────────────────────────────
-- Provider snapshot: the built-ins (boocode, opencode, goose, qwen, claude) plus
-- custom ACP providers from the config file, with the result of the last probe
-- (binary -> version -> ACP initialize). Rewritten by probe/refresh; the API
-- serves it while a fresh probe (TTL) runs in the background.
CREATE TABLE available_agents (
    name          text        NOT NULL,   -- stable id used by tasks.agent etc.
    kind          text        NOT NULL,
    display_name  text,
    -- How boocoder drives it.
    transport     text        NOT NULL DEFAULT 'acp',
    command       text        NOT NULL,   -- binary name or absolute path
    args          text[]      NOT NULL DEFAULT '{}',
    install_path  text,                   -- resolved binary from the last probe
    enabled       boolean     NOT NULL DEFAULT true,
    version       text,
    probe_status  text        NOT NULL DEFAULT 'unknown',
    -- From ACP initialize / session/new: arrays as reported by the agent.
    modes         jsonb       NOT NULL DEFAULT '[]'::jsonb,
    models        jsonb       NOT NULL DEFAULT '[]'::jsonb,
    commands      jsonb       NOT NULL DEFAULT '[]'::jsonb,  -- slash commands
    probed_at     timestamptz,
    probe_ms      integer,
    error         text,                   -- last probe failure, human readable
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT available_agents_pkey PRIMARY KEY (name),
    CONSTRAINT available_agents_name_chk CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    CONSTRAINT available_agents_kind_chk CHECK (kind IN ('builtin', 'custom')),
    CONSTRAINT available_agents_transport_chk CHECK (
        transport IN ('acp', 'opencode_server', 'pty')
    ),
    CONSTRAINT available_agents_command_chk CHECK (btrim(command) <> ''),
    CONSTRAINT available_agents_probe_status_chk CHECK (
        probe_status IN ('unknown', 'ready', 'degraded', 'missing', 'error')
    ),
    CONSTRAINT available_agents_json_chk CHECK (
        jsonb_typeof(modes) = 'array'
        AND jsonb_typeof(models) = 'array'
        AND jsonb_typeof(commands) = 'array'
    ),
    CONSTRAINT available_agents_probe_ms_chk CHECK (probe_ms IS NULL OR probe_ms >= 0)
);

CREATE TRIGGER available_agents_touch_updated_at
    BEFORE UPDATE ON available_agents
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION boo_touch_updated_at();

COMMENT ON TABLE available_agents IS
    'Provider snapshot from the last probe: built-in and custom agents, enablement, version, ACP modes/models/commands.';
COMMENT ON COLUMN available_agents.probe_status IS
    'unknown (never probed) | ready (binary+version+ACP initialize ok) | degraded (runs, but no ACP: PTY fallback) | missing (binary not found) | error (probe failed/timed out)';
COMMENT ON COLUMN available_agents.transport IS 'acp | opencode_server | pty';

-- ─── worktrees ───────────────────────────────────────────────────────────────
-- One persistent git worktree per session, shared by every agent and turn in it.
-- The base commit is the baseline for the latest-wins pending diff and is moved
-- forward (re-baselined) after an apply. Rows outlive their session so the reaper
-- can still find and remove the directory.
CREATE TABLE worktrees (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    -- SET NULL: the worktree directory (possibly dirty, unpushed) survives the
    -- session row; the orphan reaper / WorktreeRisk flow removes it, not the DB.
    session_id    uuid,
    -- RESTRICT: deleting the project would lose track of a directory that may hold
    -- unapplied work. Remove live worktrees (and delete their 'removed' rows)
    -- before deleting the project.
    project_id    uuid        NOT NULL,
    path          text        NOT NULL,   -- absolute, under coder.worktree_root
    branch        text        NOT NULL,
    base_commit   text        NOT NULL,
    status        text        NOT NULL DEFAULT 'live',
    last_used_at  timestamptz NOT NULL DEFAULT clock_timestamp(),  -- LRU cap
    removed_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT worktrees_pkey PRIMARY KEY (id),
    CONSTRAINT worktrees_session_id_fkey FOREIGN KEY (session_id)
        REFERENCES sessions (id) ON DELETE SET NULL,
    CONSTRAINT worktrees_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE RESTRICT,
    CONSTRAINT worktrees_status_chk CHECK (status IN ('live', 'removed')),
    CONSTRAINT worktrees_path_chk CHECK (
        left(path, 1) = '/' AND path !~ '(^|/)\.{1,2}(/|$)' AND path <> '/'
    ),
    CONSTRAINT worktrees_branch_chk CHECK (btrim(branch) <> ''),
    CONSTRAINT worktrees_base_commit_chk CHECK (base_commit ~ '^[0-9a-f]{40}([0-9a-f]{24})?$'),
    CONSTRAINT worktrees_removed_chk CHECK (status = 'removed' OR removed_at IS NULL)
);

-- One live worktree per session (a removed one may be followed by a new one).
CREATE UNIQUE INDEX worktrees_session_live_key ON worktrees (session_id)
    WHERE status = 'live' AND session_id IS NOT NULL;
-- A directory hosts at most one live worktree.
CREATE UNIQUE INDEX worktrees_path_live_key ON worktrees (path) WHERE status = 'live';
CREATE INDEX worktrees_session_idx ON worktrees (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX worktrees_project_idx ON worktrees (project_id);
-- LRU cap and orphan reaper: live worktrees by last use.
CREATE INDEX worktrees_live_lru_idx ON worktrees (last_used_at) WHERE status = 'live';

CREATE TRIGGER worktrees_touch_updated_at
    BEFORE UPDATE ON worktrees
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION boo_touch_updated_at();

COMMENT ON TABLE worktrees IS
    'Per-session persistent git worktree (base commit recorded). Survives session deletion (session_id -> NULL) until reaped.';
COMMENT ON COLUMN worktrees.status IS 'live | removed';
COMMENT ON COLUMN worktrees.session_id IS
    'NULL once the session is deleted: an orphan for the reaper (after a risk check).';

-- ─── agent_sessions ──────────────────────────────────────────────────────────
-- One backend session per (chat, agent): a chat tab is the agent's context unit,
-- so two tabs with the same agent are two independent contexts sharing the
-- session's worktree. Holds the agent's own session id (resume handle), the
-- config fingerprint that makes a stale session start fresh, and accumulated
-- usage for the whole conversation.
CREATE TABLE agent_sessions (
    -- CASCADE: the backend session is the chat's context and dies with it.
    chat_id           uuid        NOT NULL,
    agent             text        NOT NULL,
    -- Informational links. SET NULL: they must never delete this row by
    -- themselves (the chat CASCADE does that).
    session_id        uuid,
    worktree_id       uuid,
    backend           text        NOT NULL,
    -- The agent's native session id (ACP sessionId / opencode session id). NULL
    -- = no session created yet (a fresh one starts on the next turn).
    agent_session_id  text,
    server_port       integer,    -- opencode warm server port (ephemeral)
    status            text        NOT NULL DEFAULT 'idle',
    -- Fingerprint of what the session was created with (backend|model|mode ...);
    -- on mismatch the session is discarded and a new one started.
    config_hash       text,
    input_tokens      bigint      NOT NULL DEFAULT 0,  -- incl. cache read+write
    output_tokens     bigint      NOT NULL DEFAULT 0,  -- incl. reasoning
    cache_read_tokens bigint      NOT NULL DEFAULT 0,
    cache_write_tokens bigint     NOT NULL DEFAULT 0,
    cost              numeric(14, 6) NOT NULL DEFAULT 0,  -- provider-reported, USD
    last_used_at      timestamptz NOT NULL DEFAULT clock_timestamp(),  -- idle TTL
    created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT agent_sessions_pkey PRIMARY KEY (chat_id, agent),
    CONSTRAINT agent_sessions_chat_id_fkey FOREIGN KEY (chat_id)
        REFERENCES chats (id) ON DELETE CASCADE,
    CONSTRAINT agent_sessions_session_id_fkey FOREIGN KEY (session_id)
        REFERENCES sessions (id) ON DELETE SET NULL,
    CONSTRAINT agent_sessions_worktree_id_fkey FOREIGN KEY (worktree_id)
        REFERENCES worktrees (id) ON DELETE SET NULL,
    CONSTRAINT agent_sessions_agent_chk CHECK (agent ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    CONSTRAINT agent_sessions_backend_chk CHECK (
        backend IN ('acp_warm', 'opencode_server', 'pty')
    ),
    CONSTRAINT agent_sessions_status_chk CHECK (
        status IN ('active', 'idle', 'evicted', 'crashed', 'closed')
    ),
    CONSTRAINT agent_sessions_server_port_chk CHECK (
        server_port IS NULL OR server_port BETWEEN 1 AND 65535
    ),
    CONSTRAINT agent_sessions_usage_chk CHECK (
        input_tokens >= 0 AND output_tokens >= 0
        AND cache_read_tokens >= 0 AND cache_write_tokens >= 0 AND cost >= 0
    )
);

-- Usage accumulation and resume look rows up by the agent's own session id; two
-- chats can never share one backend session.
CREATE UNIQUE INDEX agent_sessions_agent_session_key
    ON agent_sessions (agent, agent_session_id) WHERE agent_session_id IS NOT NULL;
-- Composer chip: a session's (chat, agent) rows.
CREATE INDEX agent_sessions_session_idx ON agent_sessions (session_id)
    WHERE session_id IS NOT NULL;
CREATE INDEX agent_sessions_worktree_idx ON agent_sessions (worktree_id)
    WHERE worktree_id IS NOT NULL;
-- Idle TTL eviction + restart sweep: rows that claim a live child.
CREATE INDEX agent_sessions_live_idx ON agent_sessions (last_used_at)
    WHERE status IN ('active', 'idle');

CREATE TRIGGER agent_sessions_touch_updated_at
    BEFORE UPDATE ON agent_sessions
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION boo_touch_updated_at();

COMMENT ON TABLE agent_sessions IS
    'Warm backend session per (chat, agent): native session id, config hash, accumulated tokens/cost.';
COMMENT ON COLUMN agent_sessions.status IS
    'active (child live, turn running) | idle (child live, warm) | evicted (child stopped by idle TTL/shutdown; resumable) | crashed (child died; respawn next turn) | closed (chat closed/archived; not resumed)';
COMMENT ON COLUMN agent_sessions.config_hash IS
    'Fingerprint of backend+model(+mode); excludes ephemeral values like ports so resume survives restarts.';
