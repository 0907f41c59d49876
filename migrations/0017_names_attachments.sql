-- 0017 chat auto-naming flag and message attachments (writer: boochat).
--
-- Chats get the flag sessions have had since 0002: the auto-namer (CHAT-9) only
-- fills NULL titles (a conditional UPDATE ... WHERE title IS NULL, so a rename
-- that races it wins) and records that it did; a manual rename sets it back.
--
-- Attachments are the files a user message carries (CHAT composer: pasted or
-- dropped text files and images). They live in their own table, not in the
-- message's metadata: the message row travels in every transcript window and in
-- every live frame, and an image as base64 there would add megabytes to each.
-- The message's metadata keeps only a summary of each ({ordinal, kind, name,
-- mime, bytes}); the bytes are read when a turn builds the model request and
-- when a browser shows the file (GET /api/messages/{id}/attachments/{ordinal}).

ALTER TABLE chats ADD COLUMN auto_named boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN chats.auto_named IS
    'true when title was produced by the auto-namer; false when user-set or still NULL.';

CREATE TABLE attachments (
    -- CASCADE: an attachment is part of its message.
    message_id  uuid        NOT NULL,
    -- Position among the message's attachments, from 0.
    ordinal     integer     NOT NULL,
    kind        text        NOT NULL,
    -- The file name as the browser gave it (no directory, one line).
    name        text        NOT NULL,
    mime        text        NOT NULL,
    -- kind 'text': the file's contents (valid UTF-8 by construction).
    text_body   text,
    -- kind 'image': the image's bytes.
    data        bytea,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT attachments_pkey PRIMARY KEY (message_id, ordinal),
    CONSTRAINT attachments_message_id_fkey FOREIGN KEY (message_id)
        REFERENCES messages (id) ON DELETE CASCADE,
    CONSTRAINT attachments_ordinal_chk CHECK (ordinal BETWEEN 0 AND 15),
    CONSTRAINT attachments_kind_chk CHECK (kind IN ('text', 'image')),
    CONSTRAINT attachments_name_chk CHECK (
        btrim(name) <> '' AND char_length(name) <= 255 AND name !~ '[/\r\n]'
    ),
    CONSTRAINT attachments_mime_chk CHECK (char_length(mime) BETWEEN 1 AND 100),
    -- Text files up to 256 KiB, images up to 4 MiB, each in the column of its kind.
    CONSTRAINT attachments_body_chk CHECK (
        (kind = 'text' AND text_body IS NOT NULL AND data IS NULL
            AND octet_length(text_body) <= 262144)
        OR (kind = 'image' AND data IS NOT NULL AND text_body IS NULL
            AND octet_length(data) BETWEEN 1 AND 4194304
            AND mime IN ('image/png', 'image/jpeg', 'image/webp', 'image/gif'))
    )
);

COMMENT ON TABLE attachments IS
    'Files attached to a user message (text sent to the model as fenced context, images as image_url parts). The message metadata holds their summary.';
