// The selected session and chat live in the URL hash (`#/s/<session>/c/<chat>`), so a
// reload (or a shared link) returns to them.

export type Route = { sessionId: string | null; chatId: string | null };

const ID = /^[0-9A-Za-z-]{1,64}$/;

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter((p) => p !== "");
  const route: Route = { sessionId: null, chatId: null };
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const key = parts[i];
    const value = decodeURIComponent(parts[i + 1] ?? "");
    if (!ID.test(value)) continue;
    if (key === "s") route.sessionId = value;
    else if (key === "c") route.chatId = value;
  }
  if (route.sessionId === null) route.chatId = null;
  return route;
}

export function formatRoute(route: Route): string {
  if (route.sessionId === null) return "#/";
  const session = `#/s/${encodeURIComponent(route.sessionId)}`;
  return route.chatId === null ? session : `${session}/c/${encodeURIComponent(route.chatId)}`;
}
