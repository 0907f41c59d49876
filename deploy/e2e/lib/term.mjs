// booterm's side of the end-to-end run: its REST API from the test process and what its
// page shows. The terminal's text is read from the xterm buffer through the pane's
// `bufferText()` (the WebGL or canvas renderer draws pixels, not DOM text).

import { api } from "./chat.mjs";
import { TIMEOUT_MS } from "./config.mjs";

/** `method terminals/…` against the booterm at `base` (same shape as boochat's `api`). */
export function termApi(base, method, apiPath, body) {
  return api(base, method, apiPath, body);
}

/** booterm's page opened on terminal `id` (the selection lives in the hash). */
export function termPageUrl(base, id) {
  const url = new URL(base);
  url.hash = `#${id}`;
  return url.toString();
}

/** The pane's buffer as lines, trailing blanks trimmed. */
export async function bufferLines(page) {
  const text = await page.locator("boo-term-pane").evaluate((el) => el.bufferText());
  return text.split("\n");
}

/** Waits (bounded) until the pane is connected. */
export async function waitLive(page, timeoutMs = TIMEOUT_MS) {
  try {
    await page.locator('boo-term-pane[data-state="live"]').waitFor({ timeout: timeoutMs });
  } catch (err) {
    const state = await page
      .locator('[data-testid="term-state"]')
      .evaluate((el) => `${el.getAttribute("data-state")}: ${el.textContent} (${el.getAttribute("title")})`)
      .catch(() => "(no pane)");
    throw new Error(`the terminal did not go live within ${timeoutMs} ms; it shows ${state}`, { cause: err });
  }
}

/** Waits (bounded, polling) until `pageFn(arg)` holds in the page; on timeout the error shows the buffer. */
async function waitForBuffer(page, pageFn, arg, what, timeoutMs) {
  try {
    await page.waitForFunction(pageFn, arg, { timeout: timeoutMs, polling: 100 });
  } catch (err) {
    const lines = await bufferLines(page).catch(() => ["(unreadable)"]);
    throw new Error(`the terminal did not show ${what} within ${timeoutMs} ms; it shows:\n${lines.join("\n")}`, { cause: err });
  }
}

/** Waits until one line of the buffer is exactly `line`. */
export function waitForLine(page, line, timeoutMs = TIMEOUT_MS) {
  const hasLine = (want) => document.querySelector("boo-term-pane")?.bufferText?.().split("\n").includes(want) ?? false;
  return waitForBuffer(page, hasLine, line, `a line ${JSON.stringify(line)}`, timeoutMs);
}

/** Waits until a line of the buffer ends with `suffix` (typed text after whatever prompt). */
export function waitForLineEnding(page, suffix, timeoutMs = TIMEOUT_MS) {
  const endsWith = (want) => document.querySelector("boo-term-pane")?.bufferText?.().split("\n").some((l) => l.endsWith(want)) ?? false;
  return waitForBuffer(page, endsWith, suffix, `a line ending with ${JSON.stringify(suffix)}`, timeoutMs);
}

/** Waits until the buffer shows anything (the shell's prompt). */
export function waitForOutput(page, timeoutMs = TIMEOUT_MS) {
  const hasText = () => (document.querySelector("boo-term-pane")?.bufferText?.() ?? "").trim() !== "";
  return waitForBuffer(page, hasText, null, "any output", timeoutMs);
}
