-- 0009 read views shared by the daemons: messages_with_parts, tool_cost_stats,
-- human_inbox. Views hold no data; they can be replaced freely in later
-- migrations (DROP VIEW + CREATE VIEW when the column list changes).

-- ─── messages_with_parts ─────────────────────────────────────────────────────
-- Transcript read path: each message with its parts as one jsonb array ordered
-- by ordinal ('[]' when it has none), plus the owning session for routing.
CREATE VIEW messages_with_parts AS
SELECT m.id,
       m.chat_id,
       c.session_id,
       m.seq,
       m.role,
       m.status,
       m.content,
       m.metadata,
       m.model,
       m.agent,
       m.prompt_tokens,
       m.completion_tokens,
       m.tokens_per_second,
       m.prompt_ms,
       m.error,
       m.task_id,
       m.started_at,
       m.finished_at,
       m.created_at,
       m.updated_at,
       coalesce(p.parts, '[]'::jsonb) AS parts
  FROM messages m
  JOIN chats c ON c.id = m.chat_id
  LEFT JOIN LATERAL (
        SELECT jsonb_agg(to_jsonb(mp) - 'message_id' ORDER BY mp.ordinal) AS parts
          FROM message_parts mp
         WHERE mp.message_id = m.id
  ) p ON true;

COMMENT ON VIEW messages_with_parts IS
    'Messages with parts aggregated as a jsonb array ordered by ordinal. Filter by chat_id and order by seq.';

-- ─── tool_cost_stats ─────────────────────────────────────────────────────────
-- Per tool, over its most recent 100 results (rolling window, so a tool that got
-- faster or chattier shows it): call count, error/truncation counts, duration
-- average and p95, result size. total_calls counts all history.
CREATE VIEW tool_cost_stats AS
WITH ranked AS (
    SELECT p.tool_name,
           p.duration_ms,
           coalesce(p.result_bytes, octet_length(p.result)) AS result_bytes,
           p.truncated,
           p.is_error,
           p.created_at,
           row_number() OVER w AS rn,
           count(*)     OVER (PARTITION BY p.tool_name) AS total_calls
      FROM message_parts p
     WHERE p.kind = 'tool_result'
    WINDOW w AS (PARTITION BY p.tool_name ORDER BY p.created_at DESC, p.id DESC)
)
SELECT tool_name,
       count(*)                                                   AS calls,
       max(total_calls)                                           AS total_calls,
       count(*) FILTER (WHERE is_error)                           AS error_calls,
       count(*) FILTER (WHERE truncated)                          AS truncated_calls,
       avg(duration_ms)::double precision                         AS avg_duration_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)  AS p95_duration_ms,
       max(duration_ms)                                           AS max_duration_ms,
       avg(result_bytes)::double precision                        AS avg_result_bytes,
       max(result_bytes)                                          AS max_result_bytes,
       max(created_at)                                            AS last_called_at
  FROM ranked
 WHERE rn <= 100
 GROUP BY tool_name;

COMMENT ON VIEW tool_cost_stats IS
    'Per-tool cost over the latest 100 tool_result parts: calls, errors, truncations, avg/p95 duration (ms), avg result bytes.';

-- ─── human_inbox ─────────────────────────────────────────────────────────────
-- Everything waiting on the owner, one row per item:
--   task_blocked     a task paused for the owner (permission / elicitation / question)
--   task_failed      a failed task the owner has not dismissed (tasks.inbox_dismissed_at)
--   pending_changes  a session with staged changes awaiting approval (grouped per session)
--   user_input       an ask_user_input call in a generating turn with no answer yet
-- item_id is the task id, the session id, or the tool_call part id respectively.
-- Order by since.
CREATE VIEW human_inbox AS
SELECT CASE t.status WHEN 'blocked' THEN 'task_blocked' ELSE 'task_failed' END AS kind,
       t.id                                                        AS item_id,
       t.project_id,
       t.session_id,
       t.chat_id,
       NULL::uuid                                                  AS message_id,
       t.agent,
       coalesce(CASE t.status WHEN 'blocked' THEN t.blocked_reason ELSE t.error END,
                t.output_summary,
                t.status)                                          AS summary,
       jsonb_build_object('task_status', t.status,
                          'attempts', t.attempts,
                          'prompt', left(t.prompt, 500))           AS detail,
       t.updated_at                                                AS since
  FROM tasks t
 WHERE t.status = 'blocked'
    OR (t.status = 'failed' AND t.inbox_dismissed_at IS NULL)
UNION ALL
SELECT 'pending_changes',
       pc.session_id,
       s.project_id,
       pc.session_id,
       NULL::uuid,
       NULL::uuid,
       -- the single staging agent, NULL when mixed or any change is manual
       CASE WHEN count(DISTINCT pc.agent) = 1 AND count(pc.agent) = count(*)
            THEN min(pc.agent) END,
       count(*) || CASE WHEN count(*) = 1 THEN ' change' ELSE ' changes' END
                || ' awaiting approval',
       jsonb_build_object(
           'count', count(*),
           'change_ids', jsonb_agg(pc.id ORDER BY pc.created_at),
           'paths', jsonb_agg(pc.path ORDER BY pc.created_at),
           'agents', coalesce(jsonb_agg(DISTINCT pc.agent) FILTER (WHERE pc.agent IS NOT NULL),
                              '[]'::jsonb),
           'manual', count(*) FILTER (WHERE pc.agent IS NULL)),
       min(pc.created_at)
  FROM pending_changes pc
  JOIN sessions s ON s.id = pc.session_id
 WHERE pc.status = 'pending'
 GROUP BY pc.session_id, s.project_id
UNION ALL
SELECT 'user_input',
       q.id,
       s.project_id,
       c.session_id,
       m.chat_id,
       m.id,
       m.agent,
       coalesce(q.args->>'question', q.args->>'prompt', 'The assistant is waiting for your answer'),
       jsonb_build_object('call_id', q.call_id, 'args', q.args),
       q.created_at
  FROM messages m
  JOIN message_parts q ON q.message_id = m.id
  JOIN chats c ON c.id = m.chat_id
  JOIN sessions s ON s.id = c.session_id
 WHERE m.status = 'streaming'
   AND q.kind = 'tool_call'
   AND q.tool_name = 'ask_user_input'
   AND NOT EXISTS (
        SELECT 1 FROM message_parts r
         WHERE r.message_id = q.message_id
           AND r.call_id = q.call_id
           AND r.kind = 'tool_result');

COMMENT ON VIEW human_inbox IS
    'What needs the owner: blocked tasks, undismissed failed tasks, sessions with pending changes, unanswered ask_user_input calls. Columns: kind, item_id, project_id, session_id, chat_id, message_id, agent, summary, detail, since.';
