// End-to-end checks of the three daemons' web pages in a real headless Chromium.
// Run: BOO_E2E_CHAT_URL=… BOO_E2E_CODER_URL=… BOO_E2E_TERM_URL=… npm test

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launchBrowser, withPage } from "../lib/browser.mjs";
import { DAEMONS, TIMEOUT_MS, daemonTargets } from "../lib/config.mjs";
import { startForeignOrigin } from "../lib/foreign.mjs";
import { daemonWsUrl, probeWebSocket } from "../lib/page.mjs";

const SEMVER = /^\d+\.\d+\.\d+/;
const targets = daemonTargets();

it("has at least one daemon to test", () => {
  assert.ok(targets.length > 0, `set at least one of ${DAEMONS.map((d) => d.env).join(", ")}`);
});

let browser;
before(async () => {
  if (targets.length > 0) browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Collects what went wrong while a page was open. */
function watchPage(page) {
  const problems = { pageErrors: [], badResponses: [], failedRequests: [] };
  page.on("pageerror", (err) => problems.pageErrors.push(err.message));
  page.on("requestfailed", (req) => problems.failedRequests.push(`${req.url()}: ${req.failure()?.errorText}`));
  page.on("response", (res) => {
    // 401 from whoami is the normal answer when no Authelia identity reached the daemon.
    const unauthenticatedWhoami = res.status() === 401 && new URL(res.url()).pathname.endsWith("/api/whoami");
    if (res.status() >= 400 && !unauthenticatedWhoami) problems.badResponses.push(`${res.status()} ${res.url()}`);
  });
  return problems;
}

for (const { name, env } of DAEMONS) {
  const target = targets.find((t) => t.name === name);

  describe(name, { skip: target === undefined ? `${env} is not set` : false }, () => {
    // boochat's page is the workspace (deploy/e2e/test/chat.test.mjs drives a conversation
    // in a chat pane, workspace.test.mjs the panes),
    // boocoder's the coder app (deploy/e2e/test/coder.test.mjs drives an agent turn).
    if (name === "boochat") {
      it("serves the workspace: its sidebar and welcome shown, no session open yet", async () => {
        await withPage(browser.context, `${name} chat app`, async (page) => {
          const problems = watchPage(page);
          const response = await page.goto(target.url, { waitUntil: "load" });
          assert.equal(response?.status(), 200, `GET ${target.url}`);

          const title = await page.title();
          assert.ok(title.includes(name), `title ${JSON.stringify(title)} names ${name}`);
          await page.locator('[data-testid="sidebar"]').waitFor();
          await page.locator('[data-testid="welcome"]').waitFor();
          // The shell keeps a session socket only while a session is open.
          assert.equal(await page.locator('[data-testid="ws-status"]').innerText(), "no session");

          const health = await page.request.get(new URL("./healthz", target.url).toString());
          assert.equal(health.status(), 200);
          assert.equal((await health.json()).db, "ok");

          assert.deepEqual(problems.pageErrors, [], "uncaught errors in the page");
          assert.deepEqual(problems.badResponses, [], "failed responses");
          assert.deepEqual(problems.failedRequests, [], "failed requests");
        });
      });
    } else if (name === "boocoder") {
      it("serves the coder app: connected, its agents listed", async () => {
        await withPage(browser.context, `${name} coder app`, async (page) => {
          const problems = watchPage(page);
          const response = await page.goto(target.url, { waitUntil: "load" });
          assert.equal(response?.status(), 200, `GET ${target.url}`);

          const title = await page.title();
          assert.ok(title.includes(name), `title ${JSON.stringify(title)} names ${name}`);
          await page.locator('[data-testid="ws-status"][data-state="connected"]').waitFor();
          assert.equal(await page.locator('[data-testid="ws-status"]').innerText(), "live");
          // Opened without a session: it offers to pick one.
          await page.locator('[data-testid="choose-session"]').waitFor();
          await page.locator('[data-testid="providers-tab"]').click();
          await page.locator('[data-testid="providers-view"] [data-testid="provider"]').first().waitFor();

          const health = await page.request.get(new URL("./healthz", target.url).toString());
          assert.equal(health.status(), 200);
          assert.equal((await health.json()).db, "ok");

          assert.deepEqual(problems.pageErrors, [], "uncaught errors in the page");
          assert.deepEqual(problems.badResponses, [], "failed responses");
          assert.deepEqual(problems.failedRequests, [], "failed requests");
        });
      });
    } else {
      // booterm's page is the terminal app (deploy/e2e/test/term.test.mjs drives a shell).
      it("serves the terminal app: its list loaded, the pane element at pane.js", async () => {
        await withPage(browser.context, `${name} terminal app`, async (page) => {
          const problems = watchPage(page);
          const response = await page.goto(target.url, { waitUntil: "load" });
          assert.equal(response?.status(), 200, `GET ${target.url}`);

          const title = await page.title();
          assert.ok(title.includes(name), `title ${JSON.stringify(title)} names ${name}`);
          await page.locator('[data-testid="term-sidebar"]').waitFor();
          await page.locator('[data-testid="term-list"][data-state="loaded"]').waitFor();
          assert.equal(await page.evaluate(() => customElements.get("boo-term-pane") !== undefined), true, "<boo-term-pane> is defined");

          // Other clients load the pane from booterm at a stable URL.
          const pane = await page.request.get(new URL("./pane.js", target.url).toString());
          assert.equal(pane.status(), 200);
          assert.match(pane.headers()["content-type"] ?? "", /javascript/);
          assert.match(await pane.text(), /BooTermPane/);

          const health = await page.request.get(new URL("./healthz", target.url).toString());
          assert.equal(health.status(), 200);
          assert.equal((await health.json()).db, "ok");

          assert.deepEqual(problems.pageErrors, [], "uncaught errors in the page");
          assert.deepEqual(problems.badResponses, [], "failed responses");
          assert.deepEqual(problems.failedRequests, [], "failed requests");
        });
      });
    }

    it("refuses a WebSocket opened from a foreign origin", async () => {
      const foreign = await startForeignOrigin();
      try {
        await withPage(browser.context, `${name} foreign origin`, async (page) => {
          const wsUrl = daemonWsUrl(target.url);

          // Control: the same probe from the daemon's own page gets the hello frame.
          await page.goto(target.url, { waitUntil: "load" });
          const own = await probeWebSocket(page, wsUrl, TIMEOUT_MS);
          assert.equal(own[0], "open", `same-origin probe of ${wsUrl}: ${JSON.stringify(own)}`);
          assert.ok(own[1]?.startsWith("message:"), `same-origin probe of ${wsUrl}: ${JSON.stringify(own)}`);
          const hello = JSON.parse(own[1].slice("message:".length));
          assert.match(hello.version, SEMVER);
          assert.deepEqual(hello, { type: "hello", seq: 0, daemon: name, version: hello.version });

          await page.goto(foreign.url, { waitUntil: "load" });
          const events = await probeWebSocket(page, wsUrl, TIMEOUT_MS);
          assert.deepEqual(events, ["error", "close:1006"], `probe of ${wsUrl} from ${foreign.url}`);
        });
      } finally {
        await foreign.close();
      }
    });
  });
}
