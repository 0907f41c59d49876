// boochat's REST API from the test process (plain fetch), and what its chat page shows.

import { mkdtemp, realpath } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { TIMEOUT_MS } from "./config.mjs";

/** `method path` against the boochat at `base`; resolves with the JSON body, throws on non-2xx. */
export async function api(base, method, apiPath, body) {
  const url = new URL(`./api/${apiPath}`, base).toString();
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status} ${text}`);
  return text === "" ? undefined : JSON.parse(text);
}

/** A project on a fresh temp dir, a session in it and a chat in that. */
export async function newChat(base, label) {
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), "boo-e2e-project-")));
  const project = await api(base, "POST", "projects", { name: `${label} ${path.basename(dir)}`, path: dir });
  const session = await api(base, "POST", "sessions", { project_id: project.id, title: label });
  const chat = await api(base, "POST", `sessions/${session.id}/chats`, {});
  return { dir, project, session, chat };
}

/**
 * The workspace URL that opens `chat` of `session` (the old chat link: the workspace
 * shows the chat in a pane, then keeps only the session in the URL).
 */
export function chatPageUrl(base, session, chat) {
  const url = new URL(base);
  url.hash = `#/s/${session.id}/c/${chat.id}`;
  return url.toString();
}

/** Role, status and text of every message element of the chat panes, in display order. */
export async function transcript(page) {
  return page.locator('boo-chat-pane [data-testid="message"]').evaluateAll((els) =>
    els.map((el) => ({
      role: el.getAttribute("data-role"),
      status: el.getAttribute("data-status"),
      text: (el.querySelector('[data-testid="user-text"]') ?? el.querySelector('[data-testid="message-text"]'))?.textContent?.trim() ?? "",
      thinking: el.querySelector('[data-testid="thinking"] [data-testid="thinking-text"]')?.textContent?.trim() ?? null,
    })),
  );
}

/** Waits (bounded) until the page shows `count` messages and the last one is final. */
export async function waitForSettled(page, count, timeoutMs = TIMEOUT_MS) {
  try {
    await page.waitForFunction(
      (n) => {
        // The chat pane keeps its transcript in its shadow root.
        const els = [...document.querySelectorAll("boo-chat-pane")].flatMap((p) => [...(p.shadowRoot?.querySelectorAll('[data-testid="message"]') ?? [])]);
        const last = els[els.length - 1];
        return els.length === n && last !== undefined && !["streaming", "queued"].includes(last.getAttribute("data-status") ?? "");
      },
      count,
      { timeout: timeoutMs, polling: 100 },
    );
  } catch (err) {
    const shown = await transcript(page).catch(() => "(unreadable)");
    throw new Error(`the transcript did not settle on ${count} messages within ${timeoutMs} ms: ${JSON.stringify(shown)}`, { cause: err });
  }
}
