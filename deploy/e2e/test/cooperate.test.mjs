// The daemons as one system, as the owner sees it in a real headless Chromium through
// the stack's one origin: an agent turn of the scripted agent (provider `fake`) leaves a
// change in the session's worktree; the needs-you bell counts it; deleting the session
// from the sidebar asks first, then shows the worktree risk report, and "Delete
// anyway" removes the session everywhere.
// Run: BOO_E2E_URL=<caddy url> npm test

import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { launchBrowser, withPage } from "../lib/browser.mjs";
import { api } from "../lib/chat.mjs";
import { newCoderChat } from "../lib/coder.mjs";
import path from "node:path";
import { ARTIFACTS, TIMEOUT_MS } from "../lib/config.mjs";
import { eventually, workspaceUrl } from "../lib/workspace.mjs";

const BASE = process.env.BOO_E2E_URL;

/** An agent turn through boocoder's API, waited for. */
async function agentTurn(session, chat, script) {
  const coder = new URL("./coder/", BASE).toString();
  const acc = await api(coder, "POST", `sessions/${session.id}/chats/${chat.id}/messages`, { content: script, provider: "fake" });
  const deadline = Date.now() + TIMEOUT_MS * 3;
  for (;;) {
    const task = await api(coder, "GET", `tasks/${acc.task_id}`);
    if (!["queued", "running"].includes(task.status)) return task;
    if (Date.now() > deadline) throw new Error(`turn still ${task.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("the daemons cooperate", { skip: BASE ? false : "BOO_E2E_URL (the stack's Caddy) is not set" }, () => {
  let browser;
  const dirs = [];
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("counts what waits in the inbox and guards a session delete with the worktree report", async () => {
    const { dir, session, chat } = await newCoderChat(BASE, "e2e delete guard");
    dirs.push(dir);
    const task = await agentTurn(session, chat, "write notes.txt unapplied work\\n");
    assert.equal(task.status, "completed", JSON.stringify(task));

    await withPage(browser.context, "delete guard", async (page) => {
      const pageErrors = [];
      page.on("pageerror", (err) => pageErrors.push(err.message));
      await page.goto(workspaceUrl(BASE, session), { waitUntil: "load" });
      await page.locator('[data-testid="workspace"]').waitFor();

      // The staged change waits for the owner: the bell counts it, the list links to the session.
      await page.locator('[data-testid="inbox-count"]').waitFor();
      await page.locator('[data-testid="inbox-button"]').click();
      const item = page.locator(`[data-testid="inbox-item"][data-key="pending_changes:${session.id}"]`);
      await item.waitFor();
      assert.match(await item.innerText(), /Changes to review[\s\S]*1 change awaiting approval[\s\S]*e2e delete guard/);
      await page.screenshot({ path: path.join(ARTIFACTS, "inbox.png") }).catch(() => {});
      await page.locator('[data-testid="inbox-button"]').click();

      // Delete: asked first, then refused with the report, then forced.
      const row = page.locator(`[data-testid="session"][data-id="${session.id}"]`);
      await row.hover();
      await row.locator('[data-testid="delete-session"]').click();
      const dialog = page.locator('[data-testid="delete-dialog"]');
      await dialog.locator('[data-testid="delete-confirm"]', { hasText: "Delete session" }).click();
      const risk = dialog.locator('[data-testid="delete-risk"]');
      await risk.waitFor();
      assert.match(await risk.innerText(), /1 unapplied file: notes\.txt/);
      await page.screenshot({ path: path.join(ARTIFACTS, "delete-guard.png") }).catch(() => {});
      assert.equal((await api(BASE, "GET", `sessions/${session.id}`)).id, session.id, "nothing deleted yet");
      await dialog.locator('[data-testid="delete-confirm"]', { hasText: "Delete anyway" }).click();

      await row.waitFor({ state: "detached" });
      await dialog.waitFor({ state: "hidden" });
      await eventually(() => new URL(page.url()).hash, "#/", "the deleted session closes");
      await assert.rejects(api(BASE, "GET", `sessions/${session.id}`), /404|not_found|no session/);
      assert.deepEqual(pageErrors, []);
    });
  });
});
