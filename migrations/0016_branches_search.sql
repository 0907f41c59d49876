-- 0016 message branches and full-text search (writer: boochat; boocoder's inserts
-- are linked by the same trigger). CHAT-9/10/11, issue 16 item 4.
--
-- Branches. A chat's messages form a tree: messages.parent_id is the message a row
-- follows. Editing a user message or regenerating an answer adds a sibling (same
-- parent) instead of overwriting, so the old branch stays reachable. chat_leaves
-- holds each chat's active leaf; the active branch is the leaf and its ancestors,
-- and it is all the transcript shows and all the model sees.
--
-- Writers never compute parents. A BEFORE trigger attaches every new non-queued
-- row under the chat's active leaf (when parent_id is NULL) and makes it the new
-- leaf; a queued user message is attached when it leaves the queue (its turn
-- starts), so it follows the answer it waited for. To branch, a writer first moves
-- the leaf to the branch point (NULL = a new root), then inserts as usual.
--
-- Search. messages.search_tsv is a generated tsvector over content (the visible
-- text: a user's words, an assistant's concatenated text parts) of finished user
-- and assistant rows. Reasoning and tool output are left out on purpose: they
-- are large, noisy and not what a person remembers having read; content already
-- carries every text part, so parts add nothing. 'english' stems ("running" finds
-- "run"); the first 100 000 characters are indexed so a huge answer can never
-- exceed tsvector's size limit and fail its write. Streaming rows have NULL (no
-- reindex on every flush while a turn streams).

-- ─── branches ────────────────────────────────────────────────────────────────
ALTER TABLE messages ADD COLUMN parent_id uuid;
ALTER TABLE messages
    -- CASCADE: a reply has no meaning without what it answers (rows only go with
    -- their chat in practice).
    ADD CONSTRAINT messages_parent_id_fkey FOREIGN KEY (parent_id)
        REFERENCES messages (id) ON DELETE CASCADE,
    ADD CONSTRAINT messages_parent_self_chk CHECK (parent_id IS DISTINCT FROM id);
-- Children of a message (siblings share a parent) in order.
CREATE INDEX messages_parent_seq_idx ON messages (parent_id, seq);

COMMENT ON COLUMN messages.parent_id IS
    'The message this row follows (NULL: a root, or still queued). Siblings = rows of the chat with the same parent; set by the boo_messages_attach trigger.';

CREATE TABLE chat_leaves (
    -- CASCADE: the pointer goes with its chat.
    chat_id   uuid NOT NULL,
    -- NULL: the chat has no messages yet, or a writer is about to insert a new root.
    -- Deferred: the trigger points at the row it is inserting, which exists only
    -- after the trigger returns.
    leaf_id   uuid,
    CONSTRAINT chat_leaves_pkey PRIMARY KEY (chat_id),
    CONSTRAINT chat_leaves_chat_id_fkey FOREIGN KEY (chat_id)
        REFERENCES chats (id) ON DELETE CASCADE,
    CONSTRAINT chat_leaves_leaf_id_fkey FOREIGN KEY (leaf_id)
        REFERENCES messages (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED
);

COMMENT ON TABLE chat_leaves IS
    'The active leaf of each chat''s message tree: the active branch is it and its ancestors.';

-- Existing chats were linear: each row follows the previous one by seq (queued
-- rows are not attached yet), and the last one is the leaf.
UPDATE messages m
   SET parent_id = p.prev
  FROM (SELECT id, lag(id) OVER (PARTITION BY chat_id ORDER BY seq) AS prev
          FROM messages WHERE status <> 'queued') p
 WHERE p.id = m.id AND p.prev IS NOT NULL;

INSERT INTO chat_leaves (chat_id, leaf_id)
SELECT DISTINCT ON (chat_id) chat_id, id
  FROM messages WHERE status <> 'queued'
 ORDER BY chat_id, seq DESC;

CREATE FUNCTION boo_messages_attach() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    leaf uuid;
BEGIN
    IF NEW.status = 'queued' THEN
        RETURN NEW;
    END IF;
    -- One row per chat, locked: concurrent writers of a chat attach in turn.
    INSERT INTO chat_leaves (chat_id) VALUES (NEW.chat_id) ON CONFLICT DO NOTHING;
    SELECT leaf_id INTO leaf FROM chat_leaves WHERE chat_id = NEW.chat_id FOR UPDATE;
    IF NEW.parent_id IS NULL THEN
        NEW.parent_id := leaf;
    END IF;
    UPDATE chat_leaves SET leaf_id = NEW.id WHERE chat_id = NEW.chat_id;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION boo_messages_attach() IS
    'Attach a new (or just dequeued) message under its chat''s active leaf and make it the leaf.';

CREATE TRIGGER messages_attach_insert
    BEFORE INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION boo_messages_attach();
CREATE TRIGGER messages_attach_dequeue
    BEFORE UPDATE OF status ON messages
    FOR EACH ROW WHEN (OLD.status = 'queued' AND NEW.status <> 'queued')
    EXECUTE FUNCTION boo_messages_attach();

-- ─── search ──────────────────────────────────────────────────────────────────
ALTER TABLE messages ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    CASE WHEN role IN ('user', 'assistant') AND status IN ('complete', 'cancelled', 'failed')
         THEN to_tsvector('english'::regconfig, left(content, 100000))
    END
) STORED;
CREATE INDEX messages_search_idx ON messages USING gin (search_tsv);

COMMENT ON COLUMN messages.search_tsv IS
    'Full-text vector (english) of the first 100000 characters of content, finished user/assistant rows only; query with websearch_to_tsquery(''english'', q).';
