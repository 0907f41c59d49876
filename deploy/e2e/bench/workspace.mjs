// Workspace load benchmark (README "Workspace load"): the boochat workspace through the
// stack's one origin (Caddy) with five panes — a chat holding 1,000 messages, an agent
// chat, three terminals — loaded cold in a fresh Chromium context, several times.
//
// Measures, per load: first contentful paint, and the time until every pane is live
// (the chat shows its newest messages on a connected socket, the agent chat's socket is
// connected, the three terminals are attached). Also the JS each module costs: the
// gzip size of a module and every chunk it imports, from the built `dist/` folders.
// Prints a Markdown table; a measurement, never pass/fail.
//
// Run by deploy/bench with the stack up: BOO_E2E_URL (Caddy), DATABASE_URL, BOO_ROOT.
// BOO_BENCH_RUNS (default 7) loads.

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { api } from "../lib/chat.mjs";
import { gitProject } from "../lib/coder.mjs";
import { CHROMIUM, CHROMIUM_ARGS } from "../lib/config.mjs";

const run = promisify(execFile);
const BASE = process.env.BOO_E2E_URL;
const ROOT = process.env.BOO_ROOT ?? path.resolve(import.meta.dirname, "../../..");
const RUNS = Number(process.env.BOO_BENCH_RUNS ?? 7);
const MESSAGES = 1000;
const LOAD_TIMEOUT_MS = 60_000;

if (!BASE || !process.env.DATABASE_URL) {
  console.error("workspace bench: BOO_E2E_URL and DATABASE_URL must be set (deploy/bench sets them)");
  process.exit(2);
}

async function seed() {
  const dir = await gitProject();
  const project = await api(BASE, "POST", "projects", { name: `bench ${path.basename(dir)}`, path: dir });
  const session = await api(BASE, "POST", "sessions", { project_id: project.id, title: "workspace bench" });
  const chat = await api(BASE, "POST", `sessions/${session.id}/chats`, { title: "1,000 messages" });
  const agent = await api(BASE, "POST", `sessions/${session.id}/chats`, { title: "agent chat" });
  // 1,000 stored messages, alternating user and assistant, a few lines of Markdown each.
  const sql = `INSERT INTO messages (chat_id, role, content)
    SELECT '${chat.id}', CASE WHEN g % 2 = 1 THEN 'user' ELSE 'assistant' END,
           'Message ' || g || E'\\n\\nSome **bold** text, a list:\\n\\n- one\\n- two\\n\\n\`\`\`rust\\nfn main() { println!("{}", ' || g || '); }\\n\`\`\`'
    FROM generate_series(1, ${MESSAGES}) g`;
  await run("psql", [process.env.DATABASE_URL, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], { timeout: 30_000 });
  const terminals = [];
  for (let i = 1; i <= 3; i += 1) {
    terminals.push(await api(new URL("./term/", BASE).toString(), "POST", "terminals", { session_id: session.id, title: `bench ${i}`, cols: 100, rows: 30 }));
  }
  const tabs = [
    { kind: "chat", id: chat.id },
    { kind: "coder", id: agent.id },
    ...terminals.map((t) => ({ kind: "term", id: t.id })),
  ];
  const state = {
    panes: tabs.map((tab, i) => ({ id: `p${i + 1}`, tabs: [tab], activeTab: tab.id })),
    tabNumbers: Object.fromEntries(tabs.map((t, i) => [t.id, i + 1])),
    nextTabNumber: tabs.length + 1,
    closedPaneStack: [],
    version: 0,
  };
  await api(BASE, "PATCH", `sessions/${session.id}/workspace`, state);
  return { session, terminals };
}

/** In the page: true once all five panes are live (elements live in shadow roots). */
function allLive() {
  const connected = (el) => el?.shadowRoot?.querySelector('[data-testid="ws-status"]')?.getAttribute("data-state") === "connected";
  const chat = document.querySelector("boo-workspace")?.shadowRoot ?? document;
  const find = (sel) => chat.querySelectorAll(sel);
  const chats = find("boo-chat-pane");
  const coders = find("boo-coder-pane");
  const terms = find("boo-term-pane");
  if (chats.length !== 1 || coders.length !== 1 || terms.length !== 3) return false;
  const chatPane = chats[0];
  const shown = chatPane.shadowRoot?.querySelectorAll('[data-testid="message"]').length ?? 0;
  return connected(chatPane) && shown > 0 && connected(coders[0]) && [...terms].every((t) => t.getAttribute("data-state") === "live");
}

async function load(browser, session) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}#/s/${session.id}`, { waitUntil: "commit" });
    await page.waitForFunction(allLive, null, { timeout: LOAD_TIMEOUT_MS, polling: "raf" });
    const live = await page.evaluate(() => performance.now());
    const fcp = await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null);
    return { fcp, live };
  } finally {
    await context.close();
  }
}

/** A module's own gzip size plus that of every chunk it imports (transitively). */
async function moduleBytes(dist, entry) {
  const seen = new Set();
  let raw = 0;
  let gz = 0;
  const visit = async (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const body = await readFile(file);
    raw += body.length;
    gz += gzipSync(body, { level: 9 }).length;
    const text = body.toString("utf8");
    for (const m of text.matchAll(/(?:import|from)\s*["'](\.{1,2}\/[^"']+\.js)["']/g)) {
      await visit(path.resolve(path.dirname(file), m[1]));
    }
  };
  await visit(path.join(dist, entry));
  return { raw, gz, files: seen.size };
}

async function shellEntry(dist) {
  const html = await readFile(path.join(dist, "index.html"), "utf8");
  const m = html.match(/<script[^>]+src="\.\/([^"]+\.js)"/);
  if (!m) throw new Error(`no module script in ${dist}/index.html`);
  return m[1];
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
}

const ms = (v) => `${v.toFixed(0)} ms`;
const kb = (v) => `${(v / 1024).toFixed(1)} KiB`;

const { session, terminals } = await seed();
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: false, args: CHROMIUM_ARGS });
const results = [];
try {
  await load(browser, session); // warm the daemons (and the page cache of the OS), not measured
  for (let i = 0; i < RUNS; i += 1) results.push(await load(browser, session));
} finally {
  await browser.close();
  await Promise.all(terminals.map((t) => api(new URL("./term/", BASE).toString(), "DELETE", `terminals/${t.id}`).catch(() => {})));
}

const fcp = stats(results.map((r) => r.fcp));
const live = stats(results.map((r) => r.live));
const chatDist = path.join(ROOT, "boochat/web/dist");
const modules = [
  ["workspace shell (boochat `/`, with `<boo-chat-pane>`)", chatDist, await shellEntry(chatDist)],
  ["`<boo-chat-pane>` (`/pane.js`)", chatDist, "pane.js"],
  ["`<boo-coder-pane>` (`/coder/pane.js`)", path.join(ROOT, "boocoder/web/dist"), "pane.js"],
  ["`<boo-term-pane>` (`/term/pane.js`)", path.join(ROOT, "booterm/web/dist"), "pane.js"],
];
console.log(`\nWorkspace load through Caddy, five panes (chat with ${MESSAGES} messages, agent chat, three terminals), ${RUNS} cold loads:\n`);
console.log("| measure | median | max |\n|---|---|---|");
console.log(`| first contentful paint | ${ms(fcp.median)} | ${ms(fcp.max)} |`);
console.log(`| all five panes live | ${ms(live.median)} | ${ms(live.max)} |`);
console.log("\n| module | JS files | JS | gzip |\n|---|---|---|---|");
for (const [name, dist, entry] of modules) {
  const b = await moduleBytes(dist, entry);
  console.log(`| ${name} | ${b.files} | ${kb(b.raw)} | ${kb(b.gz)} |`);
}
