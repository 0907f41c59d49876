// On a page that shows one session (the standalone /coder/ page), the selected session
// and chat live in the URL hash (`#/s/<session>/c/<chat>`), so a reload (or a shared
// link) returns to them. Only a page's shell reads and writes the URL: the panes it
// hosts are told their session and chat, and never touch `location`.

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

/** Where a page keeps its route: read on start and on change, written as it moves. */
export type RouteStore = {
  read(): Route;
  write(route: Route): void;
};

/** The route in `location.hash`, replaced (not pushed) as the page moves. */
export function hashRoute(location: { readonly hash: string }, history: Pick<History, "replaceState">): RouteStore {
  return {
    read: () => parseRoute(location.hash),
    write: (route) => {
      const hash = formatRoute(route);
      const current = location.hash;
      if (current !== hash && !(hash === "#/" && current === "")) history.replaceState(null, "", hash);
    },
  };
}
