// The workspace (CHAT-7) in a real headless Chromium, through the stack's one origin
// (Caddy: / boochat, /coder/ boocoder, /term/ booterm): a chat, an agent chat with the
// scripted agent and a terminal side by side; a terminal tab dragged to another pane
// keeps its socket; the layout and tab numbers survive a reload and reach a second
// device; a closed pane comes back; a phone-sized screen shows one pane at a time.
// Run: BOO_E2E_URL=<caddy url> npm test

import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { launchBrowser, withPage } from "../lib/browser.mjs";
import { api } from "../lib/chat.mjs";
import { gitProject } from "../lib/coder.mjs";
import { TIMEOUT_MS } from "../lib/config.mjs";
import { dragTo, eventually, layout, newTab, pane, tab, tabIds, twoChatPanes, waitForTermLine, workspaceUrl } from "../lib/workspace.mjs";

const BASE = process.env.BOO_E2E_URL;

async function newSession(label) {
  const dir = await gitProject();
  const project = await api(BASE, "POST", "projects", { name: `${label} ${dir.split("/").pop()}`, path: dir });
  const session = await api(BASE, "POST", "sessions", { project_id: project.id, title: label });
  return { dir, project, session };
}

/** Waits for the tab that opens in the empty pane `i` and returns its id. */
async function newTabId(page, i) {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const ids = await tabIds(page);
    if (ids[i]?.length === 1) return ids[i][0];
    if (Date.now() > deadline) throw new Error(`no tab opened in pane ${i}: ${JSON.stringify(ids)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("workspace", { skip: BASE ? false : "BOO_E2E_URL (the stack's Caddy) is not set" }, () => {
  let browser;
  const dirs = [];
  const terminals = [];
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await Promise.all(terminals.map((id) => api(new URL("./term/", BASE).toString(), "DELETE", `terminals/${id}`).catch(() => {})));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("holds a chat, an agent chat and a terminal side by side, moves a live terminal, and keeps the layout", async () => {
    const { dir, session } = await newSession("e2e workspace");
    dirs.push(dir);
    await withPage(browser.context, "workspace three panes", async (page) => {
      const pageErrors = [];
      page.on("pageerror", (err) => pageErrors.push(err.message));
      // Every WebSocket the page opens, with whether it closed.
      const sockets = [];
      page.on("websocket", (ws) => {
        const entry = { url: ws.url(), closed: false };
        sockets.push(entry);
        ws.on("close", () => (entry.closed = true));
      });

      await page.goto(workspaceUrl(BASE, session), { waitUntil: "load" });
      await page.locator('[data-testid="workspace"]').waitFor();
      assert.equal(new URL(page.url()).origin, new URL(BASE).origin, "one origin");

      // Pane 1: a chat. Type, see the scripted model's answer.
      await newTab(page, 0, "chat");
      const chatId = await newTabId(page, 0);
      const chatPane = page.locator(`boo-chat-pane[chat-id="${chatId}"]`);
      await chatPane.locator('[data-testid="ws-status"][data-state="connected"]').waitFor({ state: "attached" });
      await chatPane.locator('[data-testid="composer"]').fill("hello");
      await chatPane.locator('[data-testid="composer"]').press("Enter");
      await chatPane.locator('[data-testid="message"][data-role="assistant"] [data-testid="message-text"]', { hasText: "Echo: hello" }).waitFor();

      // Pane 2: an agent chat with the scripted agent (loaded from /coder/pane.js).
      await pane(page, 0).locator('[data-testid="split-pane"]').click();
      await eventually(async () => (await layout(page)).length, 2, "panes after split");
      await newTab(page, 1, "coder");
      const coderId = await newTabId(page, 1);
      const coderPane = page.locator(`boo-coder-pane[chat-id="${coderId}"]`);
      await coderPane.locator('[data-testid="provider-picker"] option[value="fake"]:not([disabled])').waitFor({ state: "attached", timeout: TIMEOUT_MS * 2 });
      await coderPane.locator('[data-testid="provider-picker"]').selectOption("fake");
      await coderPane.locator('[data-testid="composer"]').fill("say hi from the agent");
      await coderPane.locator('[data-testid="send"]').click();
      await coderPane.locator('[data-testid="message"][data-role="assistant"][data-agent="fake"] [data-testid="message-text"]', { hasText: "hi from the agent" }).waitFor();

      // Pane 3: a terminal (from /term/pane.js), created with the session's id.
      await pane(page, 1).locator('[data-testid="split-pane"]').click();
      await eventually(async () => (await layout(page)).length, 3, "panes after the second split");
      await newTab(page, 2, "term");
      const termId = await newTabId(page, 2);
      terminals.push(termId);
      const term = await api(new URL("./term/", BASE).toString(), "GET", `terminals/${termId}`);
      assert.equal(term.session_id, session.id, "the terminal belongs to the session");
      const termPane = page.locator(`boo-term-pane[terminal-id="${termId}"]`);
      await page.locator(`boo-term-pane[terminal-id="${termId}"][data-state="live"]`).waitFor();
      // The new terminal has the keyboard: no click needed (its module loaded after the tab opened).
      await page.keyboard.type("echo one-$((40+2))");
      await page.keyboard.press("Enter");
      await waitForTermLine(page, termId, "one-42");

      assert.deepEqual(await layout(page), [["chat:1"], ["coder:2"], ["term:3"]]);
      const termSockets = () => sockets.filter((s) => s.url.includes(`/term/api/terminals/${termId}/ws`));
      assert.equal(termSockets().length, 1, "one socket for the terminal");

      // Drag the terminal tab onto pane 1's tab strip: same element, same socket.
      const before = await termPane.elementHandle();
      await dragTo(page, tab(page, termId), pane(page, 0).locator('[data-testid="tab-strip"]'));
      await eventually(() => tabIds(page), [[chatId, termId], [coderId], []], "tabs after the drag");
      assert.equal(await before.evaluate((el) => el.isConnected), true, "the moved terminal element is the same node");
      assert.equal(termSockets().length, 1, "no second socket for the moved terminal");
      assert.equal(termSockets()[0].closed, false, "the terminal's socket stayed open");
      // Its output continues in the new place.
      await termPane.locator(".xterm-screen").click();
      await page.keyboard.type("echo two-$((40+3))");
      await page.keyboard.press("Enter");
      await waitForTermLine(page, termId, "two-43");
      assert.deepEqual(await layout(page), [["chat:1", "term:3"], ["coder:2"], []]);

      // The layout is saved (debounced) and comes back on reload with its numbers.
      await eventually(async () => (await api(BASE, "GET", `sessions/${session.id}/workspace`)).panes.map((p) => p.tabs.map((t) => t.id)), [[chatId, termId], [coderId], []], "stored layout");
      await page.reload({ waitUntil: "load" });
      await eventually(() => layout(page), [["chat:1", "term:3"], ["coder:2"], []], "layout after reload");
      await page.locator(`boo-term-pane[terminal-id="${termId}"][data-state="live"]`).waitFor();
      await waitForTermLine(page, termId, "two-43");
      assert.deepEqual(pageErrors, [], "uncaught errors in the page");
    });
  });

  it("shows a layout change on a second device within a second, and reopens a closed pane", async () => {
    const { dir, session } = await newSession("e2e two devices");
    dirs.push(dir);
    await twoChatPanes(BASE, session, ["left", "right"]);
    const second = await launchBrowser();
    try {
      await withPage(browser.context, "workspace device one", async (one) => {
        await withPage(second.context, "workspace device two", async (two) => {
          for (const p of [one, two]) {
            await p.goto(workspaceUrl(BASE, session), { waitUntil: "load" });
            await eventually(() => layout(p), [["chat:1"], ["chat:2"]], "the saved layout");
          }
          // Device one closes pane 2: its tab moves to pane 1; device two follows.
          await pane(one, 1).locator('[data-testid="close-pane"]').click();
          await eventually(() => layout(one), [["chat:1", "chat:2"]], "device one after closing pane 2");
          const t0 = Date.now();
          await eventually(() => layout(two), [["chat:1", "chat:2"]], "device two follows", 5_000);
          const followed = Date.now() - t0;
          // The device-one save is debounced by 300 ms; the other device sees it after that.
          assert.ok(followed < 1_500, `device two took ${followed} ms`);

          // Reopen on device two (Ctrl/Cmd-Shift-T): pane 2 comes back with its tab, on both.
          await two.locator("body").click({ position: { x: 5, y: 5 } });
          await two.keyboard.press("Control+Shift+T");
          await eventually(() => layout(two), [["chat:1"], ["chat:2"]], "device two after reopening");
          await eventually(() => layout(one), [["chat:1"], ["chat:2"]], "device one follows the reopen");
        });
      });
    } finally {
      await second.close();
    }
  });

  it("shows one pane at a time with a switcher on a 400 px wide screen", async () => {
    const { dir, session } = await newSession("e2e narrow");
    dirs.push(dir);
    const [, b] = await twoChatPanes(BASE, session, ["first", "second"]);
    await withPage(browser.context, "workspace narrow", async (page) => {
      await page.setViewportSize({ width: 400, height: 800 });
      await page.goto(workspaceUrl(BASE, session), { waitUntil: "load" });
      const switcher = page.locator('[data-testid="pane-switcher"]');
      await switcher.waitFor();
      const visiblePanes = () => page.locator('[data-testid="pane"]').evaluateAll((ps) => ps.filter((p) => p.getBoundingClientRect().width > 0).length);
      await eventually(visiblePanes, 1, "visible panes at 400 px");
      await switcher.locator('[data-testid="pane-switch"]').nth(1).click();
      await eventually(
        () => page.locator('[data-testid="pane"]').evaluateAll((ps) => ps.map((p) => p.getBoundingClientRect().width > 0)),
        [false, true],
        "the second pane shown",
      );
      await page.locator(`boo-chat-pane[chat-id="${b.id}"]`).waitFor();
      await page.setViewportSize({ width: 1200, height: 800 });
      await eventually(visiblePanes, 2, "both panes at 1200 px");
      assert.equal(await switcher.isVisible(), false, "no switcher on a wide screen");
    });
  });
});
