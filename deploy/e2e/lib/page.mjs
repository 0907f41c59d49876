// WebSocket probes run from inside a daemon's page (the Origin check).

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
