-- 0008 terminal_sessions (writer: booterm). One tmux session `bc-<uuid>` per
-- terminal pane. tmux is the source of truth for what is running; booterm
-- reconciles this table with `tmux ls` at start (unknown bc-* sessions are
-- adopted, rows whose tmux session is gone become 'exited').
CREATE TABLE terminal_sessions (
    id                uuid        NOT NULL DEFAULT gen_random_uuid(),
    -- SET NULL: the tmux session keeps running when its workspace session is
    -- deleted; this row is the only handle booterm has on it, so it stays until
    -- booterm kills/reaps it.
    session_id        uuid,
    -- Derived from id so the two can never disagree; insert an explicit id to
    -- adopt an existing tmux session. Do not insert this column.
    tmux_name         text        GENERATED ALWAYS AS ('bc-' || id::text) STORED,
    title             text,
    cwd               text        NOT NULL,
    -- NULL = local shell; otherwise the name of a configured SSH-out target.
    target            text,
    status            text        NOT NULL DEFAULT 'live',
    cols              integer     NOT NULL DEFAULT 80,
    rows              integer     NOT NULL DEFAULT 24,
    exit_code         integer,
    last_attached_at  timestamptz,
    exited_at         timestamptz,
    created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT terminal_sessions_pkey PRIMARY KEY (id),
    CONSTRAINT terminal_sessions_tmux_name_key UNIQUE (tmux_name),
    CONSTRAINT terminal_sessions_session_id_fkey FOREIGN KEY (session_id)
        REFERENCES sessions (id) ON DELETE SET NULL,
    CONSTRAINT terminal_sessions_status_chk CHECK (status IN ('live', 'exited')),
    CONSTRAINT terminal_sessions_cwd_chk CHECK (left(cwd, 1) = '/'),
    CONSTRAINT terminal_sessions_title_chk CHECK (title IS NULL OR char_length(title) <= 200),
    CONSTRAINT terminal_sessions_size_chk CHECK (
        cols BETWEEN 1 AND 1000 AND rows BETWEEN 1 AND 1000
    ),
    CONSTRAINT terminal_sessions_exited_chk CHECK (
        status = 'exited' OR (exit_code IS NULL AND exited_at IS NULL)
    )
);

CREATE INDEX terminal_sessions_session_idx ON terminal_sessions (session_id, created_at)
    WHERE session_id IS NOT NULL;
-- Reconcile at start: live rows only.
CREATE INDEX terminal_sessions_live_idx ON terminal_sessions (created_at)
    WHERE status = 'live';

-- No `WHEN (OLD.* IS DISTINCT FROM NEW.*)` here: Postgres rejects whole-row NEW
-- references in BEFORE-trigger conditions on tables with generated columns.
CREATE TRIGGER terminal_sessions_touch_updated_at
    BEFORE UPDATE ON terminal_sessions
    FOR EACH ROW EXECUTE FUNCTION boo_touch_updated_at();

COMMENT ON TABLE terminal_sessions IS
    'One tmux session (tmux_name = bc-<id>) per terminal pane; reconciled with tmux at booterm start.';
COMMENT ON COLUMN terminal_sessions.status IS 'live | exited';
COMMENT ON COLUMN terminal_sessions.tmux_name IS 'Generated: ''bc-'' || id. Never insert it.';
