-- 0004 settings (writer: boochat). Owner-level key/value settings edited in the UI
-- (CHAT-11). Config-file values (BOO_* / TOML) are not stored here; these are the
-- things the owner changes at runtime (default model, tool budget, task model ...).
CREATE TABLE settings (
    key         text        NOT NULL,
    value       jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT settings_pkey PRIMARY KEY (key),
    -- dotted lower-case keys, e.g. 'chat.default_model', 'tools.max_calls'
    CONSTRAINT settings_key_chk CHECK (key ~ '^[a-z0-9][a-z0-9_.-]{0,127}$')
);

CREATE TRIGGER settings_touch_updated_at
    BEFORE UPDATE ON settings
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION boo_touch_updated_at();

COMMENT ON TABLE settings IS
    'Runtime owner settings as key -> jsonb value. Absent key = built-in default.';
