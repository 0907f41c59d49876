// The boochat workspace (one origin through Caddy): what its page shows and how the
// tests drive it. Pane elements keep their insides in shadow roots, which Playwright's
// CSS locators pierce.

import { api } from "./chat.mjs";
import { TIMEOUT_MS } from "./config.mjs";

/** The workspace URL of a session. */
export function workspaceUrl(base, session) {
  const url = new URL(base);
  url.hash = `#/s/${session.id}`;
  return url.toString();
}

/**
 * Makes two chats of `session`, titled `[first, second]`, and stores (by PATCH, version 0)
 * a layout of two panes with one of them each, numbered 1 and 2. Returns the two chats.
 */
export async function twoChatPanes(base, session, [first, second]) {
  const a = await api(base, "POST", `sessions/${session.id}/chats`, { title: first });
  const b = await api(base, "POST", `sessions/${session.id}/chats`, { title: second });
  await api(base, "PATCH", `sessions/${session.id}/workspace`, {
    panes: [
      { id: "p1", tabs: [{ kind: "chat", id: a.id }], activeTab: a.id },
      { id: "p2", tabs: [{ kind: "chat", id: b.id }], activeTab: b.id },
    ],
    tabNumbers: { [a.id]: 1, [b.id]: 2 },
    nextTabNumber: 3,
    closedPaneStack: [],
    version: 0,
  });
  return [a, b];
}

/** The i-th pane (0-based) of the workspace. */
export function pane(page, i) {
  return page.locator('[data-testid="pane"]').nth(i);
}

/** A tab of any kind, by the id of its chat or terminal. */
export function tab(page, id) {
  return page.locator(`[role="tab"][data-id="${id}"]`);
}

/** Opens the "+" menu of pane `i` and picks New chat / New agent chat / New terminal. */
export async function newTab(page, i, kind) {
  const item = { chat: "new-chat", coder: "new-agent-chat", term: "new-terminal" }[kind];
  await pane(page, i).locator('[data-testid="pane-new"]').click();
  await page.locator(`[data-testid="pane-new-menu"] [data-testid="${item}"]`).click();
}

/** The panes as `[[kind:number, …], …]` (tab strip order, number from the badge). */
export async function layout(page) {
  return page.locator('[data-testid="pane"]').evaluateAll((panes) =>
    panes.map((p) =>
      [...p.querySelectorAll('[role="tab"]')].map((t) => `${t.getAttribute("data-kind")}:${t.querySelector('[data-testid="tab-number"]')?.textContent?.trim()}`),
    ),
  );
}

/** The panes as lists of tab ids. */
export async function tabIds(page) {
  return page.locator('[data-testid="pane"]').evaluateAll((panes) => panes.map((p) => [...p.querySelectorAll('[role="tab"]')].map((t) => t.getAttribute("data-id"))));
}

/** Waits until `fn()` (in the test process) resolves to something deep-equal-ish to `want` (JSON). */
export async function eventually(fn, want, what, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let got;
  for (;;) {
    got = await fn();
    if (JSON.stringify(got) === JSON.stringify(want)) return got;
    if (Date.now() > deadline) throw new Error(`${what}: wanted ${JSON.stringify(want)}, still ${JSON.stringify(got)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Drags an element onto another with real pointer events (mouse down, moves in steps,
 * up), as a user's hand would.
 */
export async function dragTo(page, from, to) {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (a === null || b === null) throw new Error("drag: an end is not visible");
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  const steps = 12;
  for (let i = 1; i <= steps; i += 1) {
    await page.mouse.move(a.x + a.width / 2 + ((b.x + b.width / 2 - (a.x + a.width / 2)) * i) / steps, a.y + a.height / 2 + ((b.y + b.height / 2 - (a.y + a.height / 2)) * i) / steps);
  }
  await page.mouse.up();
}

/** A terminal pane element's buffer lines, by terminal id. */
export async function termLines(page, id) {
  const text = await page.locator(`boo-term-pane[terminal-id="${id}"]`).evaluate((el) => el.bufferText());
  return text.split("\n");
}

/** Waits until a line of terminal `id` is exactly `line`. */
export async function waitForTermLine(page, id, line, timeoutMs = TIMEOUT_MS) {
  try {
    await page.waitForFunction(
      ({ id, line }) => document.querySelector(`boo-term-pane[terminal-id="${id}"]`)?.bufferText?.().split("\n").includes(line) ?? false,
      { id, line },
      { timeout: timeoutMs, polling: 100 },
    );
  } catch (err) {
    const lines = await termLines(page, id).catch(() => ["(unreadable)"]);
    throw new Error(`terminal ${id} did not show ${JSON.stringify(line)} within ${timeoutMs} ms; it shows:\n${lines.join("\n")}`, { cause: err });
  }
}
