-- 0002 projects, sessions, chats (writer: boochat).
--
-- Hierarchy: project 1─n session 1─n chat 1─n message 1─n message_part.
-- A session is one working context on a project (one workspace layout, one git
-- worktree in boocoder); a chat is one tab/conversation inside it and is the unit
-- an agent keeps context for.

-- ─── projects ────────────────────────────────────────────────────────────────
CREATE TABLE projects (
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    name        text        NOT NULL,
    -- Absolute, normalised directory on the host (no trailing slash, no . or ..
    -- segments). The path guard resolves everything an agent touches against it.
    path        text        NOT NULL,
    status      text        NOT NULL DEFAULT 'open',
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT projects_pkey PRIMARY KEY (id),
    CONSTRAINT projects_path_key UNIQUE (path),
    CONSTRAINT projects_name_chk CHECK (btrim(name) <> '' AND char_length(name) <= 200),
    CONSTRAINT projects_path_chk CHECK (
        left(path, 1) = '/'
        AND (path = '/' OR right(path, 1) <> '/')
        AND path !~ '(^|/)\.{1,2}(/|$)'
        AND path !~ '//'
    ),
    CONSTRAINT projects_status_chk CHECK (status IN ('open', 'archived'))
);

CREATE INDEX projects_status_name_idx ON projects (status, name);

CREATE TRIGGER projects_touch_updated_at
    BEFORE UPDATE ON projects
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION boo_touch_updated_at();

COMMENT ON TABLE projects IS
    'A code directory on the host that sessions work on. Deleting one is refused while sessions or worktree rows still reference it.';
COMMENT ON COLUMN projects.path IS
    'Absolute normalised host path (unique). Boocoder creates session worktrees from the repository here.';
COMMENT ON COLUMN projects.status IS 'open | archived';

-- ─── sessions ────────────────────────────────────────────────────────────────
CREATE TABLE sessions (
    id              uuid        NOT NULL DEFAULT gen_random_uuid(),
    -- RESTRICT: a session owns chats, pending changes and a git worktree that may
    -- hold unapplied work. Sessions must be deleted one by one through the API,
    -- which runs the WorktreeRisk guard (CHAT-8); a project delete must never
    -- bypass that guard by cascading.
    project_id      uuid        NOT NULL,
    -- NULL = untitled; the auto-namer only fills NULL titles.
    title           text,
    -- true when the current title came from the auto-namer, false when the owner
    -- typed it (or it is still NULL). A manual rename sets it back to false.
    auto_named      boolean     NOT NULL DEFAULT false,
    status          text        NOT NULL DEFAULT 'open',
    tags            text[]      NOT NULL DEFAULT '{}',
    -- WorkspaceState envelope persisted by PATCH /api/sessions/:id/workspace:
    -- {panes, tabNumbers, nextTabNumber, closedPaneStack}. NULL = never saved
    -- (clients start from the default one-pane layout). The API accepts the legacy
    -- bare pane array and stores the envelope, so only objects are allowed here.
    workspace_panes jsonb,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT sessions_pkey PRIMARY KEY (id),
    CONSTRAINT sessions_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE RESTRICT,
    CONSTRAINT sessions_title_chk CHECK (title IS NULL OR char_length(title) <= 500),
    CONSTRAINT sessions_status_chk CHECK (status IN ('open', 'archived')),
    CONSTRAINT sessions_tags_chk CHECK (
        array_position(tags, NULL) IS NULL
        AND array_position(tags, '') IS NULL
        AND cardinality(tags) <= 64
    ),
    CONSTRAINT sessions_workspace_panes_chk CHECK (
        workspace_panes IS NULL OR jsonb_typeof(workspace_panes) = 'object'
    )
);

-- Sidebar: a project's open sessions, most recently touched first.
CREATE INDEX sessions_project_status_updated_idx
    ON sessions (project_id, status, updated_at DESC);
-- Tag filter (tags @> ARRAY['x']).
CREATE INDEX sessions_tags_idx ON sessions USING gin (tags);

CREATE TRIGGER sessions_touch_updated_at
    BEFORE UPDATE ON sessions
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION boo_touch_updated_at();

COMMENT ON TABLE sessions IS
    'One working context on a project: a workspace layout, chats (tabs) and, in boocoder, one shared git worktree.';
COMMENT ON COLUMN sessions.status IS 'open | archived';
COMMENT ON COLUMN sessions.workspace_panes IS
    'WorkspaceState envelope {panes, tabNumbers, nextTabNumber, closedPaneStack}; NULL until first saved. Tab numbers are never reused.';
COMMENT ON COLUMN sessions.auto_named IS
    'true when title was produced by the auto-namer; false when user-set or still NULL.';

-- ─── chats ───────────────────────────────────────────────────────────────────
CREATE TABLE chats (
    id                      uuid        NOT NULL DEFAULT gen_random_uuid(),
    -- CASCADE: a chat is meaningless without its session; the session delete
    -- guard (WorktreeRisk) runs before the session row goes.
    session_id              uuid        NOT NULL,
    title                   text,
    status                  text        NOT NULL DEFAULT 'open',
    -- Agent/provider currently selected for this chat tab (e.g. 'boocode',
    -- 'opencode', 'goose'); NULL = plain boochat LLM chat. The picker is per turn,
    -- each message records the agent that actually produced it.
    agent                   text,
    -- Fork provenance. SET NULL: a fork is a full copy and must survive deletion
    -- of the chat or message it was forked from.
    forked_from_chat_id     uuid,
    forked_from_message_id  uuid,       -- FK added in 0003 once messages exists
    created_at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT chats_pkey PRIMARY KEY (id),
    CONSTRAINT chats_session_id_fkey FOREIGN KEY (session_id)
        REFERENCES sessions (id) ON DELETE CASCADE,
    CONSTRAINT chats_forked_from_chat_id_fkey FOREIGN KEY (forked_from_chat_id)
        REFERENCES chats (id) ON DELETE SET NULL,
    CONSTRAINT chats_title_chk CHECK (title IS NULL OR char_length(title) <= 500),
    CONSTRAINT chats_status_chk CHECK (status IN ('open', 'archived')),
    CONSTRAINT chats_agent_chk CHECK (agent IS NULL OR agent ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    CONSTRAINT chats_fork_self_chk CHECK (forked_from_chat_id IS DISTINCT FROM id)
);

-- Session history pane: open chats and archived chats of a session.
CREATE INDEX chats_session_status_created_idx ON chats (session_id, status, created_at);
CREATE INDEX chats_forked_from_chat_idx ON chats (forked_from_chat_id)
    WHERE forked_from_chat_id IS NOT NULL;

CREATE TRIGGER chats_touch_updated_at
    BEFORE UPDATE ON chats
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION boo_touch_updated_at();

COMMENT ON TABLE chats IS
    'A conversation tab inside a session; the unit an agent keeps its context for (agent_sessions is keyed by chat).';
COMMENT ON COLUMN chats.status IS
    'open | archived (archiving asks boocoder CloseChat: agent sessions closed, worktree released).';
COMMENT ON COLUMN chats.agent IS 'Currently selected agent for the tab; NULL = plain LLM chat.';
