import type { HealthResponse } from "@boo-types";
import { apiErrorMessage, getJson, type FetchLike } from "./http";

export type HealthResult =
  /** 200: the daemon and its database are fine. */
  | { kind: "ok"; health: HealthResponse }
  /** 503 with a health body: the daemon answers but something (the database) is down. */
  | { kind: "degraded"; health: HealthResponse }
  /** No usable answer: network error, timeout, unexpected status or body. */
  | { kind: "failed"; reason: string };

/** The texts shown in `#status`, `#version` and `#db`. */
export type HealthView = { status: string; version: string; db: string };

function asHealth(body: unknown): HealthResponse | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { status, version, db, reason } = body as Record<string, unknown>;
  if (typeof status !== "string" || typeof version !== "string" || typeof db !== "string") return undefined;
  if (reason !== undefined && reason !== null && typeof reason !== "string") return undefined;
  return body as HealthResponse;
}

/** Classifies a `/healthz` answer. */
export function classifyHealth(status: number, body: unknown): HealthResult {
  const health = asHealth(body);
  if ((status === 200 || status === 503) && health !== undefined) {
    return status === 200 ? { kind: "ok", health } : { kind: "degraded", health };
  }
  const detail = apiErrorMessage(body);
  return { kind: "failed", reason: detail === undefined ? `HTTP ${status}` : `HTTP ${status}: ${detail}` };
}

export async function fetchHealth(fetchFn: FetchLike, url: string): Promise<HealthResult> {
  try {
    const { status, body } = await getJson(fetchFn, url);
    return classifyHealth(status, body);
  } catch (err) {
    return { kind: "failed", reason: err instanceof Error ? err.message : String(err) };
  }
}

function dbText(health: HealthResponse): string {
  if (health.db === "ok") return "ok";
  const reason = health.reason ?? undefined;
  return `error: ${reason === undefined || reason === "" ? health.db : reason}`;
}

export function healthView(result: HealthResult): HealthView {
  switch (result.kind) {
    case "ok":
    case "degraded":
      return { status: result.health.status, version: result.health.version, db: dbText(result.health) };
    case "failed":
      return { status: "unreachable", version: "unknown", db: `error: ${result.reason}` };
  }
}
