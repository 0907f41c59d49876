-- 0018 (writer: boocoder): a warm opencode session whose server was restarted
-- under it is `reattached` when the new server still had it (issue 15); one that
-- was lost is made anew and says `history`, as a lost ACP session does.
ALTER TABLE agent_sessions
    DROP CONSTRAINT agent_sessions_start_kind_chk,
    ADD CONSTRAINT agent_sessions_start_kind_chk CHECK (
        start_kind IS NULL OR start_kind IN ('resumed', 'loaded', 'history', 'new', 'reattached')
    );

COMMENT ON COLUMN agent_sessions.start_kind IS
    'resumed | loaded | history (transcript carried in the first prompt) | new | reattached (the opencode server restarted and still had the session)';
