// A conversation in a chat pane of boochat's workspace, in a real headless Chromium,
// against boochat and the scripted model server (boo-fake-llm: reasoning "Thinking
// about: <msg>", answer "Echo: <msg>"). Through the stack's Caddy when BOO_E2E_URL is set.
// Run: BOO_E2E_URL=… BOO_E2E_CHAT_URL=… npm test

import assert from "node:assert/strict";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { launchBrowser, withPage } from "../lib/browser.mjs";
import { api, chatPageUrl, newChat, transcript, waitForSettled } from "../lib/chat.mjs";
import { ARTIFACTS, daemonTargets } from "../lib/config.mjs";

const direct = daemonTargets().find((t) => t.name === "boochat");
const target = process.env.BOO_E2E_URL ? { name: "boochat", url: process.env.BOO_E2E_URL } : direct;

describe("boochat chat", { skip: target === undefined ? "BOO_E2E_CHAT_URL is not set" : false }, () => {
  let browser;
  const dirs = [];
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("sends a message, streams the answer with its thinking, and keeps it across a reload", async () => {
    const { dir, session, chat } = await newChat(target.url, "e2e hello");
    dirs.push(dir);
    await withPage(browser.context, "boochat chat hello", async (page) => {
      const pageErrors = [];
      page.on("pageerror", (err) => pageErrors.push(err.message));
      await page.goto(chatPageUrl(target.url, session, chat), { waitUntil: "load" });
      await page.locator(`[data-testid="chat-tab"][data-id="${chat.id}"]`).waitFor();
      const pane = page.locator(`boo-chat-pane[chat-id="${chat.id}"]`);
      await pane.locator('[data-testid="ws-status"][data-state="connected"]').waitFor({ state: "attached" });

      const composer = pane.locator('[data-testid="composer"]');
      await composer.fill("hello");
      assert.equal(await pane.locator('[data-testid="send"]').getAttribute("data-action"), "send");
      await composer.press("Enter");

      await pane.locator('[data-testid="message"][data-role="user"]', { hasText: "hello" }).waitFor();
      await pane.locator('[data-testid="message"][data-role="assistant"] [data-testid="message-text"]', { hasText: "Echo: hello" }).waitFor();
      await waitForSettled(page, 2);
      const expected = [
        { role: "user", status: "complete", text: "hello", thinking: null },
        { role: "assistant", status: "complete", text: "Echo: hello", thinking: "Thinking about: hello" },
      ];
      assert.deepEqual(await transcript(page), expected);
      assert.equal(await composer.inputValue(), "", "the composer is cleared after sending");
      assert.equal(await pane.locator('[data-testid="model-banner"]').isVisible(), false, "model banner shown");
      // The answer's usage footer is there once it completed.
      await pane.locator('[data-testid="message"][data-role="assistant"] [data-testid="usage"]').waitFor();

      // The URL names the session and the saved layout the chat's tab: a reload shows the
      // same transcript, from the database.
      assert.ok(page.url().endsWith(`#/s/${session.id}`), `URL ${page.url()}`);
      await page.reload({ waitUntil: "load" });
      await waitForSettled(page, 2);
      assert.deepEqual(await transcript(page), expected);

      const stored = await api(target.url, "GET", `chats/${chat.id}/messages`);
      assert.deepEqual(
        stored.items.map((m) => [m.role, m.status, m.content]),
        [
          ["user", "complete", "hello"],
          ["assistant", "complete", "Echo: hello"],
        ],
      );
      assert.deepEqual(pageErrors, [], "uncaught errors in the page");
    });
  });

  it("opens a chat from the sidebar and answers a second message in it", async () => {
    const { dir, session } = await newChat(target.url, "e2e sidebar");
    dirs.push(dir);
    await withPage(browser.context, "boochat chat sidebar", async (page) => {
      await page.goto(target.url, { waitUntil: "load" });
      // The project is collapsed unless it is the only one: open it, then the session.
      const project = page.locator(`[data-testid="project"][data-id="${session.project_id}"]`);
      await project.waitFor();
      if ((await project.locator(".project-row").getAttribute("aria-expanded")) !== "true") await project.locator(".project-row").click();
      await page.locator(`[data-testid="session"][data-id="${session.id}"] a`).click();
      await page.locator('[data-testid="session-title"]', { hasText: "e2e sidebar" }).waitFor();
      // A session that never saved a layout opens its newest chat in the first pane.
      const pane = page.locator("boo-chat-pane");
      const composer = pane.locator('[data-testid="composer"]');
      // The bar's context gauge shows the last answer's tokens of the model's context,
      // and moves as the conversation grows.
      const gauge = pane.locator('[data-testid="context-gauge"]');
      const used = [];
      for (const [i, text] of ["first", "second"].entries()) {
        await composer.fill(text);
        await pane.locator('[data-testid="send"]').click();
        await waitForSettled(page, 2 * (i + 1));
        await gauge.waitFor();
        for (let tries = 0; tries < 50; tries++) {
          const n = Number(await gauge.getAttribute("data-used"));
          if (used.length === 0 || n > used[used.length - 1]) {
            used.push(n);
            break;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.equal(used.length, 2, `the gauge moved: ${used}`);
      assert.ok(used[0] > 0 && used[1] > used[0], `gauge values ${used}`);
      assert.equal(await gauge.getAttribute("data-size"), "8192", "the scripted server's n_ctx");
      assert.match(await gauge.innerText(), /^\d+(\.\d)?k? \/ 8\.2k$/);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, "context-gauge.png") });
      const shown = await transcript(page);
      assert.deepEqual(
        shown.map((m) => [m.role, m.text]),
        [
          ["user", "first"],
          ["assistant", "Echo: first"],
          ["user", "second"],
          ["assistant", "Echo: second"],
        ],
      );
      assert.match(page.url(), new RegExp(`#/s/${session.id}$`));
    });
  });
});
