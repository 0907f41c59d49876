// booterm's page in a real headless Chromium against booterm and its private tmux server:
// start a terminal from the page, type into xterm, see the output, reload and see it
// again (the reattach repaints the screen), paste, rename and kill from the list.
// Run: BOO_E2E_TERM_URL=… npm test

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launchBrowser, withPage } from "../lib/browser.mjs";
import { daemonTargets } from "../lib/config.mjs";
import { bufferLines, termApi, termPageUrl, waitForLine, waitForLineEnding, waitForOutput, waitLive } from "../lib/term.mjs";

const target = daemonTargets().find((t) => t.name === "booterm");

/** Collects uncaught errors and failed API responses of a page. */
function watchPage(page) {
  const problems = { pageErrors: [], badResponses: [] };
  page.on("pageerror", (err) => problems.pageErrors.push(err.message));
  page.on("response", (res) => {
    if (res.status() >= 400) problems.badResponses.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  return problems;
}

describe("booterm terminal", { skip: target === undefined ? "BOO_E2E_TERM_URL is not set" : false }, () => {
  let browser;
  const made = [];
  before(async () => {
    browser = await launchBrowser();
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(target.url).origin });
  });
  after(async () => {
    await browser?.close();
    // Whatever a failed test left running (204 also for ones already ended).
    await Promise.all(made.map((id) => termApi(target.url, "DELETE", `terminals/${id}`).catch(() => {})));
  });

  it("runs a command typed into xterm and shows it again after a reload", async () => {
    await withPage(browser.context, "booterm echo hello", async (page) => {
      const problems = watchPage(page);
      await page.goto(target.url, { waitUntil: "load" });
      assert.ok((await page.title()).includes("booterm"));
      await page.locator('[data-testid="term-list"][data-state="loaded"]').waitFor();

      const created = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname.endsWith("/api/terminals"));
      await page.locator('[data-testid="new-terminal"]').click();
      const response = await created;
      assert.equal(response.status(), 201);
      const terminal = await response.json();
      made.push(terminal.id);
      assert.equal(terminal.status, "live");

      // Selected in the list and in the URL, so a reload comes back to it.
      await page.locator(`[data-testid="terminal-item"][data-id="${terminal.id}"][aria-current="true"]`).waitFor();
      await page.waitForFunction((id) => location.hash === `#${id}`, terminal.id);
      await waitLive(page);
      await waitForOutput(page); // the shell's prompt

      // Real key events into xterm's input.
      await page.locator("boo-term-pane .xterm-screen").click();
      await page.keyboard.type("echo hello");
      await page.keyboard.press("Enter");
      await waitForLine(page, "hello");

      // tmux has it too.
      const snapshot = await termApi(target.url, "GET", `terminals/${terminal.id}/snapshot`);
      assert.ok(snapshot.text.split("\n").includes("hello"), `snapshot:\n${snapshot.text}`);
      // The attached page sized the window to its pane (not the 80×24 default).
      const attached = await termApi(target.url, "GET", `terminals/${terminal.id}`);
      const lines = await bufferLines(page);
      assert.ok(attached.attached_clients >= 1, JSON.stringify(attached));
      assert.ok(attached.cols > 80, `window ${attached.cols}×${attached.rows}, buffer:\n${lines.join("\n")}`);

      // A reload reattaches to the same shell: the screen is repainted, output included.
      await page.reload({ waitUntil: "load" });
      assert.equal(new URL(page.url()).hash, `#${terminal.id}`);
      await waitLive(page);
      await waitForLine(page, "hello");
      await page.locator("boo-term-pane .xterm-screen").click();
      await page.keyboard.type("echo again-$((40+2))");
      await page.keyboard.press("Enter");
      await waitForLine(page, "again-42");

      assert.deepEqual(problems.pageErrors, [], "uncaught errors in the page");
      assert.deepEqual(problems.badResponses, [], "failed responses");
    });
  });

  it("pastes with Ctrl-Shift-V and leaves Ctrl-C to the program", async () => {
    const terminal = await termApi(target.url, "POST", "terminals", { title: "e2e paste" });
    made.push(terminal.id);
    await withPage(browser.context, "booterm paste", async (page) => {
      const problems = watchPage(page);
      await page.goto(termPageUrl(target.url, terminal.id), { waitUntil: "load" });
      await waitLive(page);
      await waitForOutput(page);
      assert.equal(await page.locator('[data-testid="term-title"]').innerText(), "e2e paste");
      await page.locator("boo-term-pane .xterm-screen").click();

      // Ctrl-C interrupts what is typed (bash prints ^C and a fresh prompt).
      await page.keyboard.type("echo never");
      await page.keyboard.press("Control+c");
      await page.evaluate(() => navigator.clipboard.writeText("echo pasted-$((6*7))"));
      await page.keyboard.press("Control+Shift+V");
      // The clipboard is read asynchronously: run the line once it is there.
      await waitForLineEnding(page, "echo pasted-$((6*7))");
      await page.keyboard.press("Enter");
      await waitForLine(page, "pasted-42");
      assert.ok(!(await bufferLines(page)).includes("never"), "Ctrl-C cancelled the first line");

      assert.deepEqual(problems.pageErrors, [], "uncaught errors in the page");
      assert.deepEqual(problems.badResponses, [], "failed responses");
    });
  });

  it("finds text in the scrollback with Ctrl-Shift-F without touching the clipboard", async () => {
    const terminal = await termApi(target.url, "POST", "terminals", {});
    made.push(terminal.id);
    await withPage(browser.context, "booterm find", async (page) => {
      const problems = watchPage(page);
      await page.goto(termPageUrl(target.url, terminal.id), { waitUntil: "load" });
      await waitLive(page);
      await waitForOutput(page);
      await page.locator("boo-term-pane .xterm-screen").click();
      await page.keyboard.type("printf 'nee''dle-%s\\n' 1 2 3");
      await page.keyboard.press("Enter");
      await waitForLine(page, "needle-3");
      await page.evaluate(() => navigator.clipboard.writeText("before-find"));

      await page.keyboard.press("Control+Shift+F");
      const input = page.locator('[data-testid="term-find-input"]');
      await input.waitFor();
      assert.ok(await input.evaluate((el) => el === document.activeElement), "the query field has the keyboard");
      await input.type("needle");
      const countIs = (text) =>
        page.waitForFunction((want) => document.querySelector('[data-testid="term-find-count"]')?.textContent === want, text, { timeout: 5_000 });
      // The three lines printed; the newest is active.
      await countIs("3 of 3");
      await input.press("Enter");
      await countIs("2 of 3");
      await input.press("Shift+Enter");
      await countIs("3 of 3");
      await input.press("Escape");
      await page.locator('[data-testid="term-find"]').waitFor({ state: "hidden" });
      // The keyboard is the terminal's again, and a match was never copied.
      await page.keyboard.type("echo after-$((6*7))");
      await page.keyboard.press("Enter");
      await waitForLine(page, "after-42");
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), "before-find");

      assert.deepEqual(problems.pageErrors, [], "uncaught errors in the page");
      assert.deepEqual(problems.badResponses, [], "failed responses");
    });
  });

  it("renames and kills a terminal from the list", async () => {
    const terminal = await termApi(target.url, "POST", "terminals", {});
    made.push(terminal.id);
    await withPage(browser.context, "booterm rename kill", async (page) => {
      const problems = watchPage(page);
      await page.goto(termPageUrl(target.url, terminal.id), { waitUntil: "load" });
      await waitLive(page);
      const item = page.locator(`[data-testid="terminal-item"][data-id="${terminal.id}"]`);

      await item.locator('[data-testid="rename-terminal"]').click();
      const input = item.locator('[data-testid="rename-input"]');
      await input.fill("e2e renamed");
      await input.press("Enter");
      await item.locator('[data-testid="terminal-name"]', { hasText: "e2e renamed" }).waitFor();
      assert.equal((await termApi(target.url, "GET", `terminals/${terminal.id}`)).title, "e2e renamed");

      // Kill asks once more before it ends the shell.
      await item.locator('[data-testid="kill-terminal"]').click();
      await item.locator('[data-testid="kill-terminal"][data-armed="true"]').waitFor();
      await item.locator('[data-testid="kill-terminal"]').click();
      await item.waitFor({ state: "detached" });
      assert.equal((await termApi(target.url, "GET", `terminals/${terminal.id}`)).status, "exited");
      // Listed under Ended, newest first.
      await page.locator(`[data-testid="ended-terminal"][data-id="${terminal.id}"]`).waitFor();
      assert.equal(await page.locator('[data-testid="ended-terminal"]').first().getAttribute("data-id"), terminal.id);
      const live = await termApi(target.url, "GET", "terminals");
      assert.ok(!live.some((t) => t.id === terminal.id), "no longer listed as live");
      // The selection moved off it (to another terminal, or none).
      assert.notEqual(new URL(page.url()).hash, `#${terminal.id}`);

      assert.deepEqual(problems.pageErrors, [], "uncaught errors in the page");
      assert.deepEqual(problems.badResponses, [], "failed responses");
    });
  });

  it("shows an ended terminal as exited with its code and its last screen, without reconnecting", async () => {
    const terminal = await termApi(target.url, "POST", "terminals", { command: ["sh", "-c", "echo last-$((40+2)); sleep 0.2; exit 3"] });
    made.push(terminal.id);
    // Ended before any browser looked.
    for (let i = 0; (await termApi(target.url, "GET", `terminals/${terminal.id}`)).status !== "exited"; i += 1) {
      assert.ok(i < 100, "the terminal never ended");
      await new Promise((r) => setTimeout(r, 100));
    }
    await withPage(browser.context, "booterm exited", async (page) => {
      await page.goto(termPageUrl(target.url, terminal.id), { waitUntil: "load" });
      await page.locator('boo-term-pane[data-state="exited"]').waitFor();
      assert.equal(await page.locator('[data-testid="term-state"]').innerText(), "exited with code 3");
      await waitForLine(page, "last-42");
      // The sidebar lists it under Ended, selected.
      await page.locator(`[data-testid="ended-terminal"][data-id="${terminal.id}"][aria-current="true"]`).waitFor();
      const detail = await page.locator(`[data-testid="ended-terminal"][data-id="${terminal.id}"] .term-sub`).innerText();
      assert.match(detail, /^exited with code 3 · \S/);
      const ended = await termApi(target.url, "GET", `terminals/${terminal.id}`);
      assert.deepEqual([ended.status, ended.exit_code], ["exited", 3]);
    });
  });
});
