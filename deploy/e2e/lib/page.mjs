// What the placeholder pages show (element ids shared with boochat/web/src/common/status.ts).

export const FIELDS = ["status", "version", "db", "ws", "ws-daemon", "whoami"];

/** Texts that mean "no answer yet". */
const PENDING = ["", "…", "connecting"];

/** The current text of every status field (null when the element is missing). */
export async function readFields(page) {
  return page.evaluate(
    (ids) => Object.fromEntries(ids.map((id) => [id, document.getElementById(id)?.textContent ?? null])),
    FIELDS,
  );
}

/**
 * Waits (bounded by the page's default timeout) until every status field has left its
 * pending text, then returns the fields. On timeout the error shows what the page shows.
 */
export async function settledFields(page, timeoutMs) {
  try {
    await page.waitForFunction(
      ({ ids, pending }) =>
        ids.every((id) => {
          const text = document.getElementById(id)?.textContent;
          return text != null && !pending.includes(text);
        }),
      { ids: FIELDS, pending: PENDING },
      { timeout: timeoutMs, polling: 100 },
    );
  } catch (err) {
    const fields = await readFields(page).catch(() => "(unreadable)");
    throw new Error(`status panel did not settle within ${timeoutMs} ms: ${JSON.stringify(fields)}`, { cause: err });
  }
  return readFields(page);
}

/**
 * Opens a WebSocket from inside the page and reports what happened, as a list such as
 * `["open", "message:{…}", "close:1000"]` or `["error", "close:1006"]`. Closes the socket
 * itself after the first message. Bounded by `timeoutMs` (then ends with "timeout").
 */
export async function probeWebSocket(page, url, timeoutMs) {
  return page.evaluate(
    ({ url, timeoutMs }) =>
      new Promise((resolve) => {
        const events = [];
        const ws = new WebSocket(url);
        const timer = setTimeout(() => {
          events.push("timeout");
          ws.close();
          resolve(events);
        }, timeoutMs);
        ws.onopen = () => events.push("open");
        ws.onmessage = (event) => {
          events.push(`message:${event.data}`);
          ws.close(1000);
        };
        ws.onerror = () => events.push("error");
        ws.onclose = (event) => {
          clearTimeout(timer);
          events.push(`close:${event.code}`);
          resolve(events);
        };
      }),
    { url, timeoutMs },
  );
}

/** The daemon's WebSocket URL for a page URL, as the web clients build it. */
export function daemonWsUrl(pageUrl) {
  const url = new URL("./api/ws", pageUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}
