-- 0005 tasks (writer: boocoder). The agent work queue: one row per agent turn
-- (chat-tab turns carry session_id + chat_id; session-less one-shot tasks carry
-- only project_id). Claimed with FOR UPDATE SKIP LOCKED; dispatchers wake on
-- NOTIFY tasks_new (payload = task id) with a poll fallback.
--
-- Lifecycle:  queued -> running -> completed | failed | cancelled
--             running -> blocked (waiting on the owner: permission / elicitation /
--                        question card) -> running | failed | cancelled
--             failed | cancelled | blocked -> queued (retry; fires tasks_new again)
--
-- Claim (oldest first, at most one in-flight task per session):
--   UPDATE tasks SET status = 'running', claimed_by = $1,
--          claimed_at = clock_timestamp(), attempts = attempts + 1
--    WHERE id = (SELECT t.id FROM tasks t
--                 WHERE t.status = 'queued'
--                   AND (t.session_id IS NULL OR NOT EXISTS (
--                        SELECT 1 FROM tasks r WHERE r.session_id = t.session_id
--                           AND r.status IN ('running', 'blocked')))
--                 ORDER BY t.created_at, t.id
--                 FOR UPDATE SKIP LOCKED LIMIT 1)
--   RETURNING *;
-- Two claimers racing for the same session hit tasks_one_active_per_session_key;
-- the loser treats that unique violation as "nothing claimable" and retries.
CREATE TABLE tasks (
    id                  uuid        NOT NULL DEFAULT gen_random_uuid(),
    -- CASCADE: a task only runs against its project's path; without the project
    -- (which can only go once its sessions are gone) it can never run.
    project_id          uuid        NOT NULL,
    -- CASCADE (both): a task is a request to produce a turn in that session/chat.
    -- SET NULL would be wrong: a queued task with session_id NULL would be picked
    -- up as a session-less one-shot task and run against the bare project.
    session_id          uuid,
    chat_id             uuid,
    agent               text        NOT NULL,
    mode_id             text,       -- ACP session mode requested for the turn
    model               text,       -- model override requested for the turn
    prompt              text        NOT NULL,
    status              text        NOT NULL DEFAULT 'queued',
    -- How the turn is/was executed; set when the dispatcher routes it.
    backend             text,
    claimed_by          text,       -- dispatcher instance id (host:pid:boot-uuid)
    claimed_at          timestamptz,
    started_at          timestamptz,
    heartbeat_at        timestamptz,  -- bumped while running; stale = dead worker
    finished_at         timestamptz,
    attempts            integer     NOT NULL DEFAULT 0,
    blocked_reason      text,       -- what the owner must do (shown in human_inbox)
    error               text,
    output_summary      text,       -- short result text for lists / the inbox
    cost_tokens         bigint,
    -- Owner dismissed a failed task from human_inbox.
    inbox_dismissed_at  timestamptz,
    created_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT tasks_pkey PRIMARY KEY (id),
    CONSTRAINT tasks_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT tasks_session_id_fkey FOREIGN KEY (session_id)
        REFERENCES sessions (id) ON DELETE CASCADE,
    CONSTRAINT tasks_chat_id_fkey FOREIGN KEY (chat_id)
        REFERENCES chats (id) ON DELETE CASCADE,
    CONSTRAINT tasks_status_chk CHECK (
        status IN ('queued', 'running', 'completed', 'failed', 'blocked', 'cancelled')
    ),
    CONSTRAINT tasks_chat_session_chk CHECK (chat_id IS NULL OR session_id IS NOT NULL),
    CONSTRAINT tasks_agent_chk CHECK (agent ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    CONSTRAINT tasks_backend_chk CHECK (
        backend IS NULL OR backend IN ('acp_warm', 'acp_oneshot', 'opencode_server', 'pty')
    ),
    CONSTRAINT tasks_attempts_chk CHECK (attempts >= 0),
    CONSTRAINT tasks_cost_tokens_chk CHECK (cost_tokens IS NULL OR cost_tokens >= 0)
);

-- Claim order: oldest queued first (tiny partial index, used by SKIP LOCKED claim).
CREATE INDEX tasks_queued_idx ON tasks (created_at, id) WHERE status = 'queued';
-- Restart sweep / stale-heartbeat reaper: in-flight tasks only.
CREATE INDEX tasks_inflight_idx ON tasks (heartbeat_at) WHERE status IN ('running', 'blocked');
-- One turn at a time per session: at most one running-or-blocked task. A blocked
-- task keeps the session's turn slot until the owner answers, retries or cancels.
CREATE UNIQUE INDEX tasks_one_active_per_session_key
    ON tasks (session_id) WHERE status IN ('running', 'blocked') AND session_id IS NOT NULL;
CREATE INDEX tasks_session_created_idx ON tasks (session_id, created_at DESC)
    WHERE session_id IS NOT NULL;
CREATE INDEX tasks_chat_created_idx ON tasks (chat_id, created_at DESC)
    WHERE chat_id IS NOT NULL;
CREATE INDEX tasks_project_created_idx ON tasks (project_id, created_at DESC);
-- human_inbox: tasks that need the owner.
CREATE INDEX tasks_inbox_idx ON tasks (updated_at)
    WHERE status IN ('blocked', 'failed') AND inbox_dismissed_at IS NULL;

CREATE TRIGGER tasks_touch_updated_at
    BEFORE UPDATE ON tasks
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION boo_touch_updated_at();

-- Lifecycle timestamps: fill the ones a writer left NULL (never overrides an
-- explicit value) and reset the run fields when a task is re-queued.
CREATE FUNCTION tasks_stamp_lifecycle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'running' THEN
        NEW.started_at   := coalesce(NEW.started_at, clock_timestamp());
        NEW.heartbeat_at := coalesce(NEW.heartbeat_at, clock_timestamp());
    ELSIF NEW.status IN ('completed', 'failed', 'cancelled') THEN
        NEW.finished_at  := coalesce(NEW.finished_at, clock_timestamp());
    ELSIF NEW.status = 'queued' AND TG_OP = 'UPDATE' AND OLD.status <> 'queued' THEN
        NEW.claimed_by   := NULL;
        NEW.claimed_at   := NULL;
        NEW.started_at   := NULL;
        NEW.heartbeat_at := NULL;
        NEW.finished_at  := NULL;
        NEW.blocked_reason := NULL;
        NEW.error          := NULL;
        NEW.output_summary := NULL;
        NEW.inbox_dismissed_at := NULL;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER tasks_stamp_lifecycle
    BEFORE INSERT OR UPDATE OF status ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_stamp_lifecycle();

-- Wake dispatchers: NOTIFY tasks_new '<task id>' when a task becomes queued
-- (insert as queued, or any status -> queued). Delivered at commit, so a listener
-- never sees an id it cannot yet read. Dispatchers must still poll: NOTIFY is
-- lost while no connection is listening.
CREATE FUNCTION tasks_notify_new() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'queued'
       AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'queued') THEN
        PERFORM pg_notify('tasks_new', NEW.id::text);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER tasks_new
    AFTER INSERT OR UPDATE OF status ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_notify_new();

COMMENT ON TABLE tasks IS
    'Agent work queue run by boocoder. Claim with FOR UPDATE SKIP LOCKED; LISTEN tasks_new (payload: task id) plus a poll fallback.';
COMMENT ON COLUMN tasks.status IS
    'queued | running | blocked (needs the owner) | completed | failed | cancelled. Restart sweep: running/blocked -> failed.';
COMMENT ON COLUMN tasks.backend IS 'acp_warm | acp_oneshot | opencode_server | pty (NULL until routed).';
COMMENT ON TRIGGER tasks_new ON tasks IS
    'pg_notify(''tasks_new'', id::text) whenever a row becomes queued (insert or re-queue).';

-- Messages produced by a task's turn (written by boocoder) point back at it. The
-- link also tells the restart sweeps apart: boochat finalizes streaming rows with
-- task_id IS NULL, boocoder those with task_id IS NOT NULL.
-- SET NULL: purging old task rows must never delete transcript history.
ALTER TABLE messages ADD COLUMN task_id uuid;
ALTER TABLE messages
    ADD CONSTRAINT messages_task_id_fkey FOREIGN KEY (task_id)
        REFERENCES tasks (id) ON DELETE SET NULL;
CREATE INDEX messages_task_idx ON messages (task_id) WHERE task_id IS NOT NULL;
COMMENT ON COLUMN messages.task_id IS
    'Task whose turn produced this row (boocoder turns); NULL for boochat turns and user rows.';
