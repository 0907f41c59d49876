-- 0010 terminal_sessions.final_text (writer: booterm). What the pane showed when
-- its terminal ended: scrollback (up to 2000 lines) and the screen, plain text
-- as `tmux capture-pane -p -J` prints it. Kept so an exited terminal's last
-- output can still be read (Snapshot); NULL when booterm could not capture it
-- (the tmux session had vanished) and for rows that ended before this column.
ALTER TABLE terminal_sessions ADD COLUMN final_text text;

COMMENT ON COLUMN terminal_sessions.final_text IS
    'Plain text of the pane (scrollback + screen) when the terminal ended; NULL if not captured.';
