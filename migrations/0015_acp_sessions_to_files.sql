-- 0015 drop acp_sessions and acp_history (issue 13). `boochat acp`, BooCode's own
-- agent, runs inside the agent sandbox and holds no database credentials: it
-- keeps its sessions and their model-side conversation in files under its HOME
-- (boochat/src/acp/store.rs). Sessions stored here before are not carried over;
-- boocoder gives such a chat's agent its transcript instead (start kind
-- `history`).
DROP TABLE acp_history;
DROP TABLE acp_sessions;
