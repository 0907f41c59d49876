-- 0013 checkpoints (writer: boocoder). CODER-12.
-- Before each agent turn boocoder records the session worktree's whole state
-- (tracked and untracked files, `.gitignore`d ones left out) as a commit whose
-- parent is the worktree's HEAD, kept alive by the private ref
-- `refs/boo/checkpoints/<session_id>/<n>` in the project repository. One row per
-- checkpoint says which turn it precedes. Restoring one puts the worktree back to
-- it; the refs and rows are pruned when the session's worktree is removed.
CREATE TABLE checkpoints (
    -- CASCADE: a checkpoint only means something in its session (the refs left in
    -- the repository are pruned with the worktree, by name).
    session_id   uuid        NOT NULL,
    -- 1, 2, ... per session, in the order the turns started; the ref's last part.
    n            integer     NOT NULL,
    commit_id    text        NOT NULL,
    -- The turn the checkpoint precedes. SET NULL: deleting a chat (and with it its
    -- tasks and messages) leaves the session's checkpoints restorable.
    task_id      uuid,
    chat_id      uuid,
    -- The assistant message of that turn (NULL for a chat-less one-shot task).
    message_id   uuid,
    -- Copied from the task so the list still reads after the task is gone.
    agent        text        NOT NULL,
    -- The first line of the user's prompt, cut to 200 characters.
    prompt_line  text        NOT NULL DEFAULT '',
    -- When the owner last restored the worktree to this checkpoint (the agents of
    -- the session are told on their next turn).
    restored_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT checkpoints_pkey PRIMARY KEY (session_id, n),
    CONSTRAINT checkpoints_session_id_fkey FOREIGN KEY (session_id)
        REFERENCES sessions (id) ON DELETE CASCADE,
    CONSTRAINT checkpoints_task_id_fkey FOREIGN KEY (task_id)
        REFERENCES tasks (id) ON DELETE SET NULL,
    CONSTRAINT checkpoints_chat_id_fkey FOREIGN KEY (chat_id)
        REFERENCES chats (id) ON DELETE SET NULL,
    CONSTRAINT checkpoints_message_id_fkey FOREIGN KEY (message_id)
        REFERENCES messages (id) ON DELETE SET NULL,
    CONSTRAINT checkpoints_n_chk CHECK (n >= 1),
    CONSTRAINT checkpoints_commit_id_chk CHECK (commit_id ~ '^[0-9a-f]{40}([0-9a-f]{24})?$'),
    CONSTRAINT checkpoints_agent_chk CHECK (agent ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    CONSTRAINT checkpoints_prompt_line_chk CHECK (
        char_length(prompt_line) <= 200 AND position(E'\n' IN prompt_line) = 0
    )
);

-- The timeline finds a turn's checkpoint by its task.
CREATE INDEX checkpoints_task_idx ON checkpoints (task_id) WHERE task_id IS NOT NULL;
-- The note after a restore: the session's latest restore.
CREATE INDEX checkpoints_restored_idx ON checkpoints (session_id, restored_at DESC)
    WHERE restored_at IS NOT NULL;

COMMENT ON TABLE checkpoints IS
    'Worktree state before each agent turn (CODER-12): commit under refs/boo/checkpoints/<session_id>/<n>; restorable, pruned with the worktree.';
COMMENT ON COLUMN checkpoints.commit_id IS
    'Commit whose tree is the worktree''s files (tracked + untracked, ignored left out, bytes as on disk) and whose parent is the worktree HEAD then.';
COMMENT ON COLUMN checkpoints.restored_at IS
    'Last restore to this checkpoint; the session''s agents are told on their next turn.';
