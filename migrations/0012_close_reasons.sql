-- 0012 why an agent session was closed (writer: boocoder).
-- A chat archived, or its session archived or deleted, closes the chat's agent
-- sessions (their processes stop); the row keeps the reason so the composer chip
-- and an operator can tell a closed session from a crashed or evicted one.
ALTER TABLE agent_sessions
    ADD COLUMN closed_reason text,
    ADD CONSTRAINT agent_sessions_closed_reason_chk CHECK (
        closed_reason IS NULL
        OR (status = 'closed' AND closed_reason IN ('chat_archived', 'session_archived', 'session_deleted'))
    );

COMMENT ON COLUMN agent_sessions.closed_reason IS
    'chat_archived | session_archived | session_deleted while status = closed; NULL otherwise.';
