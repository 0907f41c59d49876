// A page on another origin (another port of 127.0.0.1), for the WebSocket Origin check.

import http from "node:http";

export async function startForeignOrigin() {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<!doctype html><title>foreign origin</title><p>not BooCode</p>");
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // The browser keeps its connection alive; do not wait for it to let go.
        server.closeAllConnections();
      }),
  };
}
