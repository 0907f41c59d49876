// The status panel every placeholder page shows: health, WebSocket hello, identity.
// `runStatus` is DOM-free (it reports texts to a sink); `page.ts` binds it to elements.

import { fetchHealth, healthView } from "./health";
import type { FetchLike } from "./http";
import { watchHello, type SocketFactory } from "./socket";
import { appUrl, HEALTH_PATH, WHOAMI_PATH, wsUrl, type LocationLike } from "./url";
import { fetchWhoami, whoamiView } from "./whoami";

export type DaemonName = "boochat" | "boocoder" | "booterm";

/** What a placeholder page is about. */
export type PageSpec = {
  daemon: DaemonName;
  /** What the daemon's client will become, e.g. "chat workspace". */
  purpose: string;
};

/** Element ids of the status panel, in display order. */
export const STATUS_FIELDS = ["status", "version", "db", "ws", "ws-daemon", "whoami"] as const;
export type StatusField = (typeof STATUS_FIELDS)[number];

export const STATUS_LABELS: Record<StatusField, string> = {
  status: "status",
  version: "version",
  db: "database",
  ws: "websocket",
  "ws-daemon": "hello from",
  whoami: "signed in as",
};

export type StatusSink = (field: StatusField, text: string) => void;

export type StatusDeps = {
  location: LocationLike;
  fetch: FetchLike;
  openSocket: SocketFactory;
};

/** The text each field shows before its answer arrives. */
export const PENDING = "…";

export type StatusRun = {
  /** Resolves once the HTTP checks have answered (the socket keeps running). */
  settled: Promise<void>;
  /** Closes the WebSocket. */
  stop: () => void;
};

export function runStatus(spec: PageSpec, deps: StatusDeps, sink: StatusSink): StatusRun {
  for (const field of STATUS_FIELDS) sink(field, PENDING);

  const health = fetchHealth(deps.fetch, appUrl(deps.location, HEALTH_PATH)).then((result) => {
    const view = healthView(result);
    sink("status", view.status);
    sink("version", view.version);
    sink("db", view.db);
  });
  const whoami = fetchWhoami(deps.fetch, appUrl(deps.location, WHOAMI_PATH)).then((result) => {
    sink("whoami", whoamiView(result));
  });

  let stop: () => void;
  try {
    stop = watchHello({
      url: wsUrl(deps.location),
      daemon: spec.daemon,
      open: deps.openSocket,
      onChange: (view) => {
        sink("ws", view.ws);
        sink("ws-daemon", view.wsDaemon !== "" ? view.wsDaemon : view.ws === "connecting" ? PENDING : "none");
      },
    });
  } catch (err) {
    sink("ws", `error: ${err instanceof Error ? err.message : String(err)}`);
    sink("ws-daemon", "none");
    stop = () => {};
  }

  return { settled: Promise.all([health, whoami]).then(() => undefined), stop };
}

export type Tone = "ok" | "bad" | "pending" | "info";

/** How a field's text is coloured. */
export function toneOf(field: StatusField, text: string): Tone {
  if (text === PENDING || text === "connecting") return "pending";
  if (text.startsWith("error") || text === "closed" || text === "unreachable" || text === "degraded") return "bad";
  if ((field === "db" || field === "status") && text === "ok") return "ok";
  if (field === "ws" && text === "connected") return "ok";
  return "info";
}
