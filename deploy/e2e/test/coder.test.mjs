// An agent turn in boocoder's page, in a real headless Chromium, against boocoder running
// the scripted ACP agent boo-fake-acp as provider `fake` (deploy/lib/daemons.sh writes
// the providers file): answer its permission card, approve the change it made.
// Run: BOO_E2E_CHAT_URL=… BOO_E2E_CODER_URL=… npm test

import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { launchBrowser, withPage } from "../lib/browser.mjs";
import { api } from "../lib/chat.mjs";
import { coderPageUrl, newCoderChat, timeline } from "../lib/coder.mjs";
import { daemonTargets, TIMEOUT_MS } from "../lib/config.mjs";

const targets = daemonTargets();
const chatTarget = targets.find((t) => t.name === "boochat");
const coderTarget = targets.find((t) => t.name === "boocoder");
const skip =
  chatTarget === undefined || coderTarget === undefined ? "BOO_E2E_CHAT_URL and BOO_E2E_CODER_URL are needed (sessions are made in boochat)" : false;

/** A probe of a cold provider takes a moment: wait (bounded) until `fake` can be picked. */
async function chooseFake(page) {
  await page.locator('[data-testid="provider-picker"] option[value="fake"]:not([disabled])').waitFor({ state: "attached", timeout: TIMEOUT_MS * 2 });
  await page.locator('[data-testid="provider-picker"]').selectOption("fake");
}

describe("boocoder agent turn", { skip }, () => {
  let browser;
  const dirs = [];
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("streams a turn, asks permission, stages the write and applies it on approve", async () => {
    const { dir, session, chat } = await newCoderChat(chatTarget.url, "e2e coder");
    dirs.push(dir);
    await withPage(browser.context, "boocoder agent turn", async (page) => {
      const pageErrors = [];
      page.on("pageerror", (err) => pageErrors.push(err.message));
      await page.goto(coderPageUrl(coderTarget.url, session, chat), { waitUntil: "load" });
      await page.locator('[data-testid="ws-status"][data-state="connected"]').waitFor();
      await chooseFake(page);
      // Never ran in this chat: the turn starts a new agent session.
      await page.locator('[data-testid="session-chip"][data-kind="new"]').waitFor();

      const composer = page.locator('[data-testid="composer"]');
      await composer.fill("ask\nwrite hello.txt hi there\nsay done");
      assert.equal(await page.locator('[data-testid="send"]').getAttribute("data-action"), "send");
      await page.locator('[data-testid="send"]').click();

      // The agent asks before it writes: its options are the card's buttons.
      const card = page.locator('[data-testid="permission-card"]');
      await card.waitFor();
      assert.equal(await card.getAttribute("data-agent"), "fake");
      assert.deepEqual(await card.locator("[data-option-id]").evaluateAll((els) => els.map((b) => b.getAttribute("data-option-id"))), [
        "allow_once",
        "allow_always",
        "reject_once",
      ]);
      assert.equal(await page.locator('[data-testid="send"]').getAttribute("data-action"), "stop", "Stop while the turn runs");
      await card.locator('[data-option-id="allow_once"]').click();
      await card.waitFor({ state: "detached" });

      const answer = page.locator('[data-testid="message"][data-role="assistant"][data-agent="fake"] [data-testid="message-text"]', { hasText: "done" });
      await answer.waitFor();
      await page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').waitFor();
      const shown = await timeline(page);
      assert.deepEqual(
        shown.map((m) => [m.role, m.status, m.agent]),
        [
          ["user", "complete", null],
          ["assistant", "complete", "fake"],
        ],
      );
      assert.equal(shown[0].text, "ask\nwrite hello.txt hi there\nsay done");
      assert.match(shown[1].text, /permission: allow_once/);
      assert.match(shown[1].text, /wrote hello\.txt/);

      // The write became a pending change of the session, stamped with the agent.
      const change = page.locator('[data-testid="pending-change"][data-path="hello.txt"]');
      await change.and(page.locator('[data-status="pending"]')).waitFor();
      assert.equal(await change.getAttribute("data-agent"), "fake");
      assert.equal(await change.locator('[data-testid="agent-badge"]').innerText(), "fake");
      assert.match(await change.locator('[data-testid="diff"]').innerText(), /\+hi there/);
      // Not in the project until approved.
      await assert.rejects(readFile(path.join(dir, "hello.txt"), "utf8"), { code: "ENOENT" });
      // The chip now says the agent's session in this chat is resumed next turn.
      await page.locator('[data-testid="session-chip"][data-kind="resumed"]').waitFor();

      await change.locator('[data-testid="approve"]').click();
      await page.locator('[data-testid="pending-change"][data-path="hello.txt"][data-status="applied"]').waitFor({ state: "attached" });
      assert.equal(await readFile(path.join(dir, "hello.txt"), "utf8"), "hi there");

      // The server agrees.
      const pending = await api(coderTarget.url, "GET", `sessions/${session.id}/pending`);
      assert.deepEqual(
        pending.map((c) => [c.path, c.status, c.agent]),
        [["hello.txt", "applied", "fake"]],
      );
      assert.deepEqual(pageErrors, [], "uncaught errors in the page");
    });
  });

  it("lists the agents with their state and explains one", async () => {
    await withPage(browser.context, "boocoder providers", async (page) => {
      const pageErrors = [];
      page.on("pageerror", (err) => pageErrors.push(err.message));
      await page.goto(coderTarget.url, { waitUntil: "load" });
      await page.locator('[data-testid="providers-tab"]').click();
      const view = page.locator('[data-testid="providers-view"]');
      const fake = view.locator('[data-testid="provider"][data-id="fake"]');
      await fake.and(page.locator('[data-state="ready"]')).waitFor({ timeout: TIMEOUT_MS * 2 });
      assert.equal(await fake.locator('[data-testid="provider-state"]').innerText(), "ready");
      await fake.locator('[data-testid="provider-diagnostic"]').click();
      const drawer = page.locator('[data-testid="diagnostic-drawer"][data-id="fake"]');
      await drawer.locator('[data-testid="diagnostic-summary"]').waitFor();
      assert.ok((await drawer.locator('[data-testid="diagnostic-summary"]').innerText()).length > 0);
      await drawer.locator('[data-testid="diagnostic-close"]').click();
      await drawer.waitFor({ state: "detached" });

      // Refresh probes every provider again; fake stays ready.
      const refreshed = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname.endsWith("/api/providers/refresh"), {
        timeout: TIMEOUT_MS * 3,
      });
      await view.locator('[data-testid="providers-refresh"]').click();
      assert.equal((await refreshed).status(), 200);
      await view.locator('[data-testid="providers-refresh"]:not([disabled])').waitFor();
      await fake.and(page.locator('[data-state="ready"]')).waitFor();
      assert.deepEqual(pageErrors, [], "uncaught errors in the page");
    });
  });
});
