// One headless Chromium with a fresh profile, driven through playwright-core.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS } from "./config.mjs";

/**
 * Launches Chromium. `headless: false` because `--headless=new` is passed explicitly
 * (playwright would add a second, plain `--headless`).
 */
export async function launchBrowser() {
  const profile = await mkdtemp(path.join(os.tmpdir(), "boo-e2e-profile-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: false,
      args: CHROMIUM_ARGS,
      timeout: TIMEOUT_MS * 2,
      viewport: { width: 1024, height: 720 },
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw new Error(`cannot launch ${CHROMIUM} (set CHROMIUM to another binary): ${err.message}`);
  }
  context.setDefaultTimeout(TIMEOUT_MS);
  context.setDefaultNavigationTimeout(TIMEOUT_MS);
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

function slug(text) {
  return text.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").toLowerCase();
}

/**
 * Runs `body(page)` in a new page. On failure, saves a screenshot and the page's
 * text and console log under ARTIFACTS before rethrowing.
 */
export async function withPage(context, label, body) {
  const page = await context.newPage();
  const log = [];
  page.on("console", (msg) => log.push(`console.${msg.type()}: ${msg.text()}`));
  page.on("pageerror", (err) => log.push(`pageerror: ${err.message}`));
  try {
    return await body(page);
  } catch (err) {
    await mkdir(ARTIFACTS, { recursive: true });
    const base = path.join(ARTIFACTS, slug(label));
    const notes = [`url: ${page.url()}`, `error: ${err?.stack ?? err}`, "", ...log];
    try {
      await page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 5_000 });
      notes.push("", `text:\n${await page.locator("body").innerText({ timeout: 2_000 })}`);
    } catch (shotErr) {
      notes.push(`(no screenshot: ${shotErr.message})`);
    }
    await writeFile(`${base}.txt`, `${notes.join("\n")}\n`);
    console.error(`artifacts: ${base}.png, ${base}.txt`);
    throw err;
  } finally {
    await page.close();
  }
}
