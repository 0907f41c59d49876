// What the workspace shell asks of boocoder's API directly, on the one origin
// (`./coder/api/…`): which chats have agent sessions, dismissing a failed turn
// from the needs-you inbox, and whether agents run sandboxed (the header banner).

import type { SandboxStatus } from "@boocode/types";

/** The chats boocoder keeps agent sessions for. */
export async function coderAgentChats(sessionId: string): Promise<string[]> {
  const url = new URL(`./coder/api/sessions/${encodeURIComponent(sessionId)}/agent-sessions`, document.baseURI).href;
  const response = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) return [];
  const rows = (await response.json()) as unknown;
  if (!Array.isArray(rows)) return [];
  return rows.flatMap((row) => {
    const id = (row as { chat_id?: unknown }).chat_id;
    return typeof id === "string" ? [id] : [];
  });
}

/** A failed agent turn leaves the inbox (a task already gone counts as done). */
export async function dismissTask(taskId: string): Promise<void> {
  const url = new URL(`./coder/api/tasks/${encodeURIComponent(taskId)}/dismiss`, document.baseURI).href;
  const r = await fetch(url, { method: "POST", signal: AbortSignal.timeout(10_000) });
  if (!r.ok && r.status !== 404) throw new Error(`cannot dismiss the failed turn: HTTP ${r.status}`);
}

/** How boocoder confines agents; `null` when boocoder cannot be asked. */
export async function coderSandbox(): Promise<SandboxStatus | null> {
  const url = new URL("./coder/api/sandbox", document.baseURI).href;
  try {
    const response = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) return null;
    const body = (await response.json()) as Partial<SandboxStatus>;
    return typeof body.confined === "boolean" && typeof body.summary === "string" && typeof body.mode === "string"
      ? { mode: body.mode, confined: body.confined, summary: body.summary }
      : null;
  } catch {
    return null;
  }
}
