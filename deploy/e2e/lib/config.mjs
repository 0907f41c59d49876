// Inputs of the end-to-end run, all from the environment.

import os from "node:os";
import path from "node:path";

/** The daemons under test and the variable that names each one's page URL. */
export const DAEMONS = [
  { name: "boochat", env: "BOO_E2E_CHAT_URL" },
  { name: "boocoder", env: "BOO_E2E_CODER_URL" },
  { name: "booterm", env: "BOO_E2E_TERM_URL" },
];

/** `{ name, url }` for every daemon whose URL variable is set (and valid). */
export function daemonTargets(env = process.env) {
  return DAEMONS.flatMap(({ name, env: variable }) => {
    const value = env[variable];
    if (value === undefined || value === "") return [];
    let url;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`${variable}=${value} is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new Error(`${variable}=${value} must be an http(s) URL`);
    }
    return [{ name, variable, url: url.toString() }];
  });
}

/** Upper bound of every wait in the suite. */
export const TIMEOUT_MS = Number(process.env.BOO_E2E_TIMEOUT_MS ?? 20_000);

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

export const ARTIFACTS = process.env.BOO_E2E_ARTIFACTS || path.join(os.tmpdir(), "boo-e2e");

export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
