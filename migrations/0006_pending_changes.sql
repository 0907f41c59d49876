-- 0006 pending_changes (writer: boocoder). File edits staged for the owner's
-- approval instead of being written straight into the project checkout.
--
-- Sources: native write tools (agent 'boocode'), external agents (agent = the
-- task's agent; after each turn the session worktree's diff vs its base commit
-- replaces the session's previous 'pending' rows -- latest wins), and manual
-- creates from the UI (agent NULL, shown as "manual").
--
-- Lifecycle: pending -> approved -> applied -> reverted
--            pending -> applied (approve + apply in one step)
--            pending | approved -> rejected
CREATE TABLE pending_changes (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    -- CASCADE: a staged change only makes sense in its session (it is applied via
    -- the session's worktree/base). Session deletion is already guarded by the
    -- WorktreeRisk check, and the worktree row itself survives (SET NULL there).
    session_id    uuid        NOT NULL,
    -- SET NULL: the change belongs to the session; closing/deleting the chat tab
    -- that produced it must not silently drop staged work. `agent` keeps the
    -- attribution.
    chat_id       uuid,
    -- SET NULL: purging task history must not drop staged work.
    task_id       uuid,
    -- Path relative to the project root / worktree root, '/'-separated, no '..'
    -- segments ('.' = a whole-worktree diff row). The path guard re-checks it
    -- (separator-bounded, symlink-safe) before anything touches disk.
    path          text        NOT NULL,
    kind          text        NOT NULL,
    old_content   text,       -- content before the change (edit/delete); used by revert
    new_content   text,       -- full new content (create, or edit when known)
    diff          text,       -- unified diff (edit; the worktree latest-wins row)
    status        text        NOT NULL DEFAULT 'pending',
    -- Who staged it: 'boocode' (native tools), the external agent's name, or NULL
    -- for a manual UI create.
    agent         text,
    -- Commit the change was computed against (worktree base at staging time).
    base_commit   text,
    error         text,       -- last apply/revert failure
    decided_at    timestamptz,   -- approved or rejected
    applied_at    timestamptz,
    reverted_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT pending_changes_pkey PRIMARY KEY (id),
    CONSTRAINT pending_changes_session_id_fkey FOREIGN KEY (session_id)
        REFERENCES sessions (id) ON DELETE CASCADE,
    CONSTRAINT pending_changes_chat_id_fkey FOREIGN KEY (chat_id)
        REFERENCES chats (id) ON DELETE SET NULL,
    CONSTRAINT pending_changes_task_id_fkey FOREIGN KEY (task_id)
        REFERENCES tasks (id) ON DELETE SET NULL,
    CONSTRAINT pending_changes_kind_chk CHECK (kind IN ('create', 'edit', 'delete')),
    CONSTRAINT pending_changes_status_chk CHECK (
        status IN ('pending', 'approved', 'applied', 'rejected', 'reverted')
    ),
    CONSTRAINT pending_changes_path_chk CHECK (
        path <> ''
        AND left(path, 1) <> '/'
        AND path !~ '(^|/)\.\.(/|$)'
        AND path !~ '\\'
        AND char_length(path) <= 4096
    ),
    -- What each kind must carry.
    CONSTRAINT pending_changes_payload_chk CHECK (
        CASE kind
            WHEN 'create' THEN new_content IS NOT NULL OR diff IS NOT NULL
            WHEN 'edit'   THEN new_content IS NOT NULL OR diff IS NOT NULL
            WHEN 'delete' THEN new_content IS NULL
        END
    ),
    CONSTRAINT pending_changes_agent_chk CHECK (
        agent IS NULL OR agent ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'
    ),
    CONSTRAINT pending_changes_base_commit_chk CHECK (
        base_commit IS NULL OR base_commit ~ '^[0-9a-f]{40}([0-9a-f]{24})?$'
    )
);

-- Diff panel / apply: a session's changes by status in staging order.
CREATE INDEX pending_changes_session_status_idx
    ON pending_changes (session_id, status, created_at);
-- human_inbox: everything awaiting approval.
CREATE INDEX pending_changes_pending_idx ON pending_changes (created_at)
    WHERE status = 'pending';
CREATE INDEX pending_changes_chat_idx ON pending_changes (chat_id) WHERE chat_id IS NOT NULL;
CREATE INDEX pending_changes_task_idx ON pending_changes (task_id) WHERE task_id IS NOT NULL;

CREATE TRIGGER pending_changes_touch_updated_at
    BEFORE UPDATE ON pending_changes
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION boo_touch_updated_at();

-- Fill decision timestamps a writer left NULL.
CREATE FUNCTION pending_changes_stamp_lifecycle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('approved', 'rejected') THEN
        NEW.decided_at := coalesce(NEW.decided_at, clock_timestamp());
    ELSIF NEW.status = 'applied' THEN
        NEW.decided_at := coalesce(NEW.decided_at, clock_timestamp());
        NEW.applied_at := coalesce(NEW.applied_at, clock_timestamp());
    ELSIF NEW.status = 'reverted' THEN
        NEW.reverted_at := coalesce(NEW.reverted_at, clock_timestamp());
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER pending_changes_stamp_lifecycle
    BEFORE INSERT OR UPDATE OF status ON pending_changes
    FOR EACH ROW EXECUTE FUNCTION pending_changes_stamp_lifecycle();

COMMENT ON TABLE pending_changes IS
    'Agent/manual file changes awaiting the owner: approve/apply/reject/revert. agent = attribution (NULL = manual).';
COMMENT ON COLUMN pending_changes.status IS 'pending | approved | applied | rejected | reverted';
COMMENT ON COLUMN pending_changes.kind IS 'create | edit | delete';
COMMENT ON COLUMN pending_changes.path IS
    'Relative to the project/worktree root; ''.'' marks a whole-worktree diff row.';
