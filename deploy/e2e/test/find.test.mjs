// Find, keep, branch in a real headless Chromium: the header's message search finds
// a word in another session and opens that chat with the message in view and marked;
// a question edited into a second version shows "‹ 2/2 ›", and the arrows switch the
// transcript between the two versions and their answers; regenerating an answer keeps
// both. Against boochat and the scripted model server (answer "Echo: <msg>"), through
// the stack's Caddy when BOO_E2E_URL is set. Screenshots of the search results and of
// the branch arrows go to BOO_E2E_ARTIFACTS (search-results.png, branch-arrows.png).
// Run: BOO_E2E_URL=… BOO_E2E_CHAT_URL=… node --test test/find.test.mjs

import assert from "node:assert/strict";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { launchBrowser, withPage } from "../lib/browser.mjs";
import { api, chatPageUrl, newChat, transcript, waitForSettled } from "../lib/chat.mjs";
import { ARTIFACTS, daemonTargets } from "../lib/config.mjs";

const direct = daemonTargets().find((t) => t.name === "boochat");
const target = process.env.BOO_E2E_URL ? { name: "boochat", url: process.env.BOO_E2E_URL } : direct;

/** Sends `text` in the chat over REST and waits until its answer is final. */
async function exchange(base, chatId, text) {
  const accepted = await api(base, "POST", `chats/${chatId}/messages`, { content: text });
  for (let i = 0; i < 200; i++) {
    const w = await api(base, "GET", `chats/${chatId}/messages`);
    const answer = w.items.find((m) => m.id === accepted.assistant_message_id);
    if (answer !== undefined && !["streaming", "queued"].includes(answer.status)) return accepted;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no final answer to ${JSON.stringify(text)}`);
}

describe("boochat find and branches", { skip: target === undefined ? "BOO_E2E_CHAT_URL is not set" : false }, () => {
  let browser;
  const dirs = [];
  before(async () => {
    browser = await launchBrowser();
    await mkdir(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("searches across sessions and opens the chat at the hit", async () => {
    const word = `quokka${Date.now().toString(36)}`;
    const here = await newChat(target.url, "e2e find here");
    const there = await newChat(target.url, "e2e find there");
    dirs.push(here.dir, there.dir);
    // The hit is early in a chat long enough to scroll: opening it must bring it into view.
    const hit = await exchange(target.url, there.chat.id, `a <b>${word}</b> crossed the road`);
    for (let i = 0; i < 12; i++) await exchange(target.url, there.chat.id, `filler line ${i}\n${"more words\n".repeat(6)}`);

    await withPage(browser.context, "boochat find search", async (page) => {
      const pageErrors = [];
      page.on("pageerror", (err) => pageErrors.push(err.message));
      await page.goto(chatPageUrl(target.url, here.session, here.chat), { waitUntil: "load" });
      await page.locator(`[data-testid="chat-tab"][data-id="${here.chat.id}"]`).waitFor();

      const input = page.locator('[data-testid="search-input"]');
      await input.fill(word);
      const hits = page.locator('[data-testid="search-hit"]');
      await hits.first().waitFor();
      // Two hits (equal rank, newest first): the echo in the answer, then the question;
      // markup in a message stays text.
      await hits.nth(1).waitFor();
      assert.deepEqual(
        await hits.evaluateAll((els) =>
          els.map((el) => [el.getAttribute("data-message"), el.querySelector('[data-testid="search-snippet"]').innerHTML.replace(/<!--[^>]*-->/g, "")]),
        ),
        [
          [hit.assistant_message_id, `Echo: a &lt;b&gt;<mark>${word}</mark>&lt;/b&gt; crossed the road`],
          [hit.user_message_id, `a &lt;b&gt;<mark>${word}</mark>&lt;/b&gt; crossed the road`],
        ],
      );
      // The chat's title is whatever the namer made of its first exchange (or none).
      const title = (await api(target.url, "GET", `chats/${there.chat.id}`)).title ?? "Untitled chat";
      assert.ok((await hits.nth(1).innerText()).startsWith(`e2e find there › ${title} · user`), await hits.nth(1).innerText());
      await page.screenshot({ path: path.join(ARTIFACTS, "search-results.png") });

      await page.locator(`[data-testid="search-hit"][data-message="${hit.user_message_id}"] a`).click();
      const pane = page.locator(`boo-chat-pane[chat-id="${there.chat.id}"]`);
      const target_ = pane.locator(`[data-testid="message"][data-id="${hit.user_message_id}"]`);
      await target_.waitFor();
      await page.waitForFunction(
        (id) => {
          const panes = [...document.querySelectorAll("boo-chat-pane")];
          const el = panes.map((p) => p.shadowRoot?.querySelector(`[data-testid="message"][data-id="${id}"]`)).find((x) => x);
          if (!el || !el.classList.contains("msg-found")) return false;
          const box = el.getBoundingClientRect();
          return box.top >= 0 && box.bottom <= window.innerHeight;
        },
        hit.user_message_id,
        { polling: 100 },
      );
      assert.equal(await page.locator('[data-testid="search-panel"]').count(), 0, "the results close once a hit is opened");
      assert.ok(page.url().includes(`#/s/${there.session.id}`), page.url());
      await page.screenshot({ path: path.join(ARTIFACTS, "search-opened.png") });
      assert.deepEqual(pageErrors, [], "uncaught errors in the page");
    });
  });

  it("edits a question into a second version and switches between the versions", async () => {
    const { dir, session, chat } = await newChat(target.url, "e2e branches");
    dirs.push(dir);
    await exchange(target.url, chat.id, "first question");
    await withPage(browser.context, "boochat branches", async (page) => {
      const pageErrors = [];
      page.on("pageerror", (err) => pageErrors.push(err.message));
      await page.goto(chatPageUrl(target.url, session, chat), { waitUntil: "load" });
      const pane = page.locator(`boo-chat-pane[chat-id="${chat.id}"]`);
      await waitForSettled(page, 2);

      // Edit the question: a second version, answered anew.
      const question = pane.locator('[data-testid="message"][data-role="user"]');
      await question.hover();
      await question.locator('[data-testid="edit"]').click();
      await question.locator('[data-testid="edit-text"]').fill("second question");
      await question.locator('[data-testid="edit-send"]').click();
      await pane.locator('[data-testid="message-text"]', { hasText: "Echo: second question" }).waitFor();
      await waitForSettled(page, 2);
      assert.deepEqual(
        (await transcript(page)).map((m) => [m.role, m.text]),
        [
          ["user", "second question"],
          ["assistant", "Echo: second question"],
        ],
      );
      assert.equal(await question.locator('[data-testid="branch-pos"]').innerText(), "2/2");

      // Regenerate the answer: both answers kept, "2/2" on it too.
      const answer = pane.locator('[data-testid="message"][data-role="assistant"]');
      await answer.hover();
      await answer.locator('[data-testid="regenerate"]').click();
      await answer.locator('[data-testid="branch-pos"]', { hasText: "2/2" }).waitFor();
      await waitForSettled(page, 2);
      await page.screenshot({ path: path.join(ARTIFACTS, "branch-arrows.png") });

      // Back to the first version: its answer comes with it.
      await question.locator('[data-testid="branch-prev"]').click();
      await pane.locator('[data-testid="user-text"]', { hasText: "first question" }).waitFor();
      await waitForSettled(page, 2);
      assert.deepEqual(
        (await transcript(page)).map((m) => [m.role, m.text]),
        [
          ["user", "first question"],
          ["assistant", "Echo: first question"],
        ],
      );
      assert.equal(await question.locator('[data-testid="branch-pos"]').innerText(), "1/2");
      // The server agrees, and the next turn continues this version.
      const stored = await api(target.url, "GET", `chats/${chat.id}/messages`);
      assert.deepEqual(
        stored.items.map((m) => m.content),
        ["first question", "Echo: first question"],
      );
      await question.locator('[data-testid="branch-next"]').click();
      await pane.locator('[data-testid="user-text"]', { hasText: "second question" }).waitFor();
      assert.deepEqual(pageErrors, [], "uncaught errors in the page");
    });
  });
});
