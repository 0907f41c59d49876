import { describe, expect, it } from "vitest";
import { parseServerFrame } from "./frames";

describe("parseServerFrame", () => {
  it("reads a hello frame", () => {
    const text = JSON.stringify({ type: "hello", seq: 0, daemon: "boochat", version: "0.1.0" });
    expect(parseServerFrame(text)).toEqual({
      kind: "frame",
      frame: { type: "hello", seq: 0, daemon: "boochat", version: "0.1.0" },
    });
  });

  it("reports a well-formed frame of an unknown type", () => {
    expect(parseServerFrame('{"type":"delta","seq":3,"text":"hi"}')).toEqual({ kind: "unknown", type: "delta" });
  });

  it("rejects malformed JSON", () => {
    const parsed = parseServerFrame('{"type":"hello",');
    expect(parsed.kind).toBe("invalid");
    expect(parsed).toEqual({ kind: "invalid", error: expect.stringMatching(/^malformed JSON: /) });
  });

  it.each([
    ["[1,2]", "frame is not a JSON object"],
    ["null", "frame is not a JSON object"],
    ['{"seq":0}', "frame has no string `type`"],
    ['{"type":""}', "frame has no string `type`"],
    ['{"type":"hello","seq":-1,"daemon":"boochat","version":"0.1.0"}', "hello frame: seq must be a non-negative integer"],
    ['{"type":"hello","seq":"0","daemon":"boochat","version":"0.1.0"}', "hello frame: seq must be a non-negative integer"],
    ['{"type":"hello","seq":0,"version":"0.1.0"}', "hello frame: daemon must be a non-empty string"],
    ['{"type":"hello","seq":0,"daemon":"boochat"}', "hello frame: version must be a non-empty string"],
  ])("rejects %s", (text, error) => {
    expect(parseServerFrame(text)).toEqual({ kind: "invalid", error });
  });

  it("rejects binary frames", () => {
    expect(parseServerFrame(new ArrayBuffer(4))).toEqual({ kind: "invalid", error: "expected a text frame" });
  });
});
