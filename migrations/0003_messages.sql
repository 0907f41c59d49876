-- 0003 messages and message_parts (writers: boochat for its own turns, boocoder for
-- the assistant messages of the agent turns it runs).
--
-- A message is one row per turn participant; the streamed pieces of an assistant
-- turn (reasoning, text, tool calls and their results) are message_parts ordered
-- by ordinal. messages.content keeps the final visible text so list views and
-- transcripts don't need the parts.

-- ─── messages ────────────────────────────────────────────────────────────────
CREATE TABLE messages (
    id                  uuid        NOT NULL DEFAULT gen_random_uuid(),
    -- CASCADE: a message has no meaning outside its chat.
    chat_id             uuid        NOT NULL,
    -- Global insertion order; the stable sort key inside a chat (timestamps can
    -- tie, seq cannot). Never reused, gaps are normal.
    seq                 bigint      GENERATED ALWAYS AS IDENTITY,
    role                text        NOT NULL,
    status              text        NOT NULL DEFAULT 'complete',
    content             text        NOT NULL DEFAULT '',
    -- Structured extras. Sentinels are role='system' rows whose metadata.kind is
    -- 'cap_hit' (tool budget exhausted) or 'doom_loop' (repeated identical tool
    -- calls); they are UI-only and never sent to the model.
    metadata            jsonb       NOT NULL DEFAULT '{}'::jsonb,
    model               text,       -- model id that produced an assistant row
    agent               text,       -- agent/provider that produced it (NULL = plain chat)
    prompt_tokens       integer,
    completion_tokens   integer,
    tokens_per_second   double precision,
    prompt_ms           double precision,  -- prompt processing time reported by the server
    error               text,       -- why a turn failed/was cancelled
    started_at          timestamptz,       -- generation start (assistant rows)
    finished_at         timestamptz,       -- generation end / when the row became final
    created_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT messages_pkey PRIMARY KEY (id),
    CONSTRAINT messages_seq_key UNIQUE (seq),
    CONSTRAINT messages_chat_id_fkey FOREIGN KEY (chat_id)
        REFERENCES chats (id) ON DELETE CASCADE,
    CONSTRAINT messages_role_chk CHECK (role IN ('user', 'assistant', 'system', 'tool')),
    CONSTRAINT messages_status_chk CHECK (
        status IN ('queued', 'streaming', 'complete', 'cancelled', 'failed')
    ),
    -- queued = a user message sent while the chat was generating (sent when the
    -- current turn ends); streaming = an assistant reply being generated.
    CONSTRAINT messages_status_role_chk CHECK (
        (status <> 'queued' OR role = 'user')
        AND (status <> 'streaming' OR role = 'assistant')
    ),
    CONSTRAINT messages_metadata_chk CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT messages_sentinel_chk CHECK (
        coalesce(metadata->>'kind', '') NOT IN ('cap_hit', 'doom_loop') OR role = 'system'
    ),
    CONSTRAINT messages_agent_chk CHECK (agent IS NULL OR agent ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    CONSTRAINT messages_tokens_chk CHECK (
        (prompt_tokens IS NULL OR prompt_tokens >= 0)
        AND (completion_tokens IS NULL OR completion_tokens >= 0)
        AND (tokens_per_second IS NULL OR tokens_per_second >= 0)
        AND (prompt_ms IS NULL OR prompt_ms >= 0)
    ),
    CONSTRAINT messages_error_chk CHECK (error IS NULL OR status IN ('failed', 'cancelled'))
);

-- Transcript: a chat's messages in order (also serves "last N" with DESC scans).
CREATE INDEX messages_chat_seq_idx ON messages (chat_id, seq);
-- Composer queue: next queued user message of a chat.
CREATE INDEX messages_queued_idx ON messages (chat_id, seq) WHERE status = 'queued';
-- One generation at a time per chat: a second concurrent 'streaming' row is a bug
-- (a message sent while generating must be 'queued'). Also serves the restart
-- sweep (find rows left 'streaming' by a crash) as a tiny partial index.
CREATE UNIQUE INDEX messages_one_streaming_per_chat_key
    ON messages (chat_id) WHERE status = 'streaming';

CREATE TRIGGER messages_touch_updated_at
    BEFORE UPDATE ON messages
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION boo_touch_updated_at();

COMMENT ON TABLE messages IS
    'Chat transcript rows. Order by seq. Assistant turns stream (status streaming) and end complete|cancelled|failed.';
COMMENT ON COLUMN messages.status IS
    'queued (user msg waiting for the current turn) | streaming (assistant reply in progress) | complete | cancelled (Stop) | failed. Nothing may stay streaming across a restart.';
COMMENT ON COLUMN messages.metadata IS
    'jsonb object. metadata.kind in (cap_hit, doom_loop) marks a UI-only sentinel (role=system), never sent to the model.';
COMMENT ON COLUMN messages.seq IS 'Global monotonic insertion order; sort key within a chat.';

-- Fork provenance on chats can now point at messages.
ALTER TABLE chats
    ADD CONSTRAINT chats_forked_from_message_id_fkey FOREIGN KEY (forked_from_message_id)
        REFERENCES messages (id) ON DELETE SET NULL;  -- the fork is a copy; keep it
CREATE INDEX chats_forked_from_message_idx ON chats (forked_from_message_id)
    WHERE forked_from_message_id IS NOT NULL;

-- ─── message_parts ───────────────────────────────────────────────────────────
CREATE TABLE message_parts (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    -- CASCADE: parts are pieces of the message.
    message_id    uuid        NOT NULL,
    ordinal       integer     NOT NULL,   -- position in the turn, 0-based
    kind          text        NOT NULL,
    -- text / reasoning / plan body (accumulated while streaming).
    content       text,
    -- tool_call and tool_result: the tool and the call id pairing them.
    tool_name     text,
    call_id       text,
    args          jsonb,                  -- tool_call: arguments as sent by the model/agent
    result        text,                   -- tool_result: output as stored (maybe truncated)
    result_bytes  integer,                -- tool_result: size of the full output before truncation
    truncated     boolean     NOT NULL DEFAULT false,  -- tool_result: output was cut for the model
    is_error      boolean     NOT NULL DEFAULT false,  -- tool_result: tool reported failure
    duration_ms   integer,                -- tool_result: wall time of the tool execution
    -- Provider extras (ACP tool kind/title/locations/diff content, plan entries ...).
    metadata      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT message_parts_pkey PRIMARY KEY (id),
    CONSTRAINT message_parts_message_id_fkey FOREIGN KEY (message_id)
        REFERENCES messages (id) ON DELETE CASCADE,
    CONSTRAINT message_parts_message_ordinal_key UNIQUE (message_id, ordinal),
    CONSTRAINT message_parts_ordinal_chk CHECK (ordinal >= 0),
    CONSTRAINT message_parts_kind_chk CHECK (
        kind IN ('text', 'reasoning', 'tool_call', 'tool_result', 'plan')
    ),
    -- Tool parts need a tool and a call id; the others must not carry tool fields.
    CONSTRAINT message_parts_tool_fields_chk CHECK (
        CASE WHEN kind IN ('tool_call', 'tool_result')
             THEN tool_name IS NOT NULL AND tool_name <> '' AND call_id IS NOT NULL AND call_id <> ''
             ELSE tool_name IS NULL AND call_id IS NULL
        END
    ),
    CONSTRAINT message_parts_content_chk CHECK (
        kind NOT IN ('text', 'reasoning') OR content IS NOT NULL
    ),
    CONSTRAINT message_parts_args_chk CHECK (args IS NULL OR kind = 'tool_call'),
    CONSTRAINT message_parts_result_chk CHECK (
        kind = 'tool_result'
        OR (result IS NULL AND result_bytes IS NULL AND duration_ms IS NULL
            AND NOT truncated AND NOT is_error)
    ),
    CONSTRAINT message_parts_numbers_chk CHECK (
        (result_bytes IS NULL OR result_bytes >= 0)
        AND (duration_ms IS NULL OR duration_ms >= 0)
    ),
    CONSTRAINT message_parts_metadata_chk CHECK (jsonb_typeof(metadata) = 'object')
);

-- One tool_call and at most one tool_result per call id within a message.
CREATE UNIQUE INDEX message_parts_call_key
    ON message_parts (message_id, call_id, kind) WHERE call_id IS NOT NULL;
-- tool_cost_stats rolling window: latest results per tool.
CREATE INDEX message_parts_tool_result_idx
    ON message_parts (tool_name, created_at DESC) WHERE kind = 'tool_result';

CREATE TRIGGER message_parts_touch_updated_at
    BEFORE UPDATE ON message_parts
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION boo_touch_updated_at();

COMMENT ON TABLE message_parts IS
    'Ordered pieces of a message (reasoning, text, tool_call, tool_result, plan). A tool_result pairs with its tool_call by (message_id, call_id).';
COMMENT ON COLUMN message_parts.kind IS 'text | reasoning | tool_call | tool_result | plan';
COMMENT ON COLUMN message_parts.result_bytes IS
    'Full tool output size in bytes before truncation (result holds what was kept).';
