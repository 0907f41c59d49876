import type { Identity } from "@boo-types";
import { apiErrorMessage, getJson, type FetchLike } from "./http";

export type WhoamiResult =
  | { kind: "user"; identity: Identity }
  /** 401: no Authelia identity reached the daemon. */
  | { kind: "anonymous" }
  | { kind: "failed"; reason: string };

function asIdentity(body: unknown): Identity | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { user } = body as Record<string, unknown>;
  return typeof user === "string" && user !== "" ? (body as Identity) : undefined;
}

export function classifyWhoami(status: number, body: unknown): WhoamiResult {
  if (status === 401) return { kind: "anonymous" };
  const identity = asIdentity(body);
  if (status === 200 && identity !== undefined) return { kind: "user", identity };
  const detail = apiErrorMessage(body);
  return { kind: "failed", reason: detail === undefined ? `HTTP ${status}` : `HTTP ${status}: ${detail}` };
}

export async function fetchWhoami(fetchFn: FetchLike, url: string): Promise<WhoamiResult> {
  try {
    const { status, body } = await getJson(fetchFn, url);
    return classifyWhoami(status, body);
  } catch (err) {
    return { kind: "failed", reason: err instanceof Error ? err.message : String(err) };
  }
}

/** The text shown in `#whoami`. */
export function whoamiView(result: WhoamiResult): string {
  switch (result.kind) {
    case "user":
      return result.identity.user;
    case "anonymous":
      return "not signed in";
    case "failed":
      return `error: ${result.reason}`;
  }
}
