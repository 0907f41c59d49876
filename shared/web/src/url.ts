// Every URL the web clients use is relative to the page, because Caddy serves
// each client under a prefix (`/`, `/coder/`, `/term/`) with the prefix stripped.

/** The part of `window.location` the URL builders need. */
export type LocationLike = { readonly href: string };

export const HEALTH_PATH = "./healthz";
export const WHOAMI_PATH = "./api/whoami";
export const WS_PATH = "./api/ws";

/** Resolves `path` against the page URL, dropping the page's query and fragment. */
export function appUrl(location: LocationLike, path: string): string {
  const url = new URL(path, location.href);
  url.hash = "";
  return url.toString();
}

/** Same as {@link appUrl} with the scheme switched to `ws:` / `wss:`. */
export function wsUrl(location: LocationLike, path: string = WS_PATH): string {
  const url = new URL(path, location.href);
  url.hash = "";
  switch (url.protocol) {
    case "http:":
      url.protocol = "ws:";
      break;
    case "https:":
      url.protocol = "wss:";
      break;
    default:
      throw new Error(`cannot open a WebSocket from a ${url.protocol} page`);
  }
  return url.toString();
}
