import type { ServerFrame } from "@boo-types";

export type HelloFrame = Extract<ServerFrame, { type: "hello" }>;

/** The result of reading one WebSocket message from a daemon. */
export type ParsedFrame =
  | { kind: "frame"; frame: HelloFrame }
  /** A well-formed frame of a type this client does not know; newer daemons may send these. */
  | { kind: "unknown"; type: string }
  | { kind: "invalid"; error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseHello(obj: Record<string, unknown>): ParsedFrame {
  const { seq, daemon, version } = obj;
  if (typeof seq !== "number" || !Number.isInteger(seq) || seq < 0) {
    return { kind: "invalid", error: "hello frame: seq must be a non-negative integer" };
  }
  if (typeof daemon !== "string" || daemon === "") {
    return { kind: "invalid", error: "hello frame: daemon must be a non-empty string" };
  }
  if (typeof version !== "string" || version === "") {
    return { kind: "invalid", error: "hello frame: version must be a non-empty string" };
  }
  return { kind: "frame", frame: obj as HelloFrame };
}

/** Parses a text WebSocket message (`MessageEvent.data`) into a server frame. */
export function parseServerFrame(data: unknown): ParsedFrame {
  if (typeof data !== "string") {
    return { kind: "invalid", error: "expected a text frame" };
  }
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (err) {
    return { kind: "invalid", error: `malformed JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!isRecord(value)) {
    return { kind: "invalid", error: "frame is not a JSON object" };
  }
  const type = value["type"];
  if (typeof type !== "string" || type === "") {
    return { kind: "invalid", error: "frame has no string `type`" };
  }
  if (type === "hello") {
    return parseHello(value);
  }
  return { kind: "unknown", type };
}
