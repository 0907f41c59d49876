import type { ModelsInfo } from "@boocode/types";
import { describe, expect, it } from "vitest";
import { addPending, MAX_ATTACHMENTS, readFile, visionRefusal, type FileLike, type Pending } from "./attachments";

function file(name: string, type: string, bytes: Uint8Array | string): FileLike {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  return { name, type, size: data.length, arrayBuffer: async () => data.slice().buffer };
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("readFile", () => {
  it("reads text as UTF-8 and images as base64", async () => {
    expect(await readFile(file("main.rs", "text/x-rust", "fn main() {}\n"))).toEqual({
      attachment: { kind: "text", name: "main.rs", mime: "text/x-rust", content: "fn main() {}\n" },
      bytes: 13,
    });
    expect(await readFile(file("notes", "", "héllo"))).toEqual({ attachment: { kind: "text", name: "notes", content: "héllo" }, bytes: 6 });
    expect(await readFile(file("dot.png", "image/png", PNG))).toEqual({
      attachment: { kind: "image", name: "dot.png", mime: "image/png", data: "iVBORw0KGgo=" },
      bytes: 8,
    });
  });

  it("says why a file cannot be attached", async () => {
    const refused = (f: FileLike) => readFile(f).then(
      () => "attached",
      (e: Error) => e.message,
    );
    expect(await refused(file("blob.bin", "application/octet-stream", new Uint8Array([0xff, 0xfe, 0x00])))).toBe("blob.bin is not a text file (it is not UTF-8).");
    expect(await refused(file("nul.txt", "text/plain", "a\u0000b"))).toBe("nul.txt is not a text file (it holds NUL bytes).");
    expect(await refused({ ...file("big.log", "text/plain", "x"), size: 256 * 1024 + 1 })).toBe("big.log is 257 KiB; a text file may be at most 256 KiB.");
    expect(await refused({ ...file("huge.png", "image/png", PNG), size: 5 * 1024 * 1024 })).toBe("huge.png is 5120 KiB; an image may be at most 4 MiB.");
    expect(await refused(file("logo.svg", "image/svg+xml", "<svg/>"))).toBe("logo.svg: image/svg+xml images cannot be sent (png, jpeg, webp or gif only).");
  });
});

describe("visionRefusal", () => {
  const models = (vision: boolean | null): ModelsInfo => ({
    reachable: true,
    base_url: "http://llm",
    models: [
      { id: "text-model", ctx_size: null, vision },
      { id: "vl-model", ctx_size: null, vision: true },
    ],
    error: null,
  });

  it("allows images only when the server reports vision for the chat's model", () => {
    expect(visionRefusal(models(true), null)).toBeNull();
    expect(visionRefusal(models(false), "vl-model")).toBeNull();
    expect(visionRefusal(models(false), null)).toBe("Images cannot be sent: text-model does not take images (its server reports no vision).");
    expect(visionRefusal(models(null), null)).toBe("Images cannot be sent: the model server does not say whether text-model takes images.");
    expect(visionRefusal(models(true), "other")).toBe("Images cannot be sent: the model server does not say whether other takes images.");
    expect(visionRefusal(null, null)).toBe("Images cannot be sent: the model server does not answer.");
  });
});

describe("addPending", () => {
  it("caps the number of attachments", () => {
    const one: Pending = { attachment: { kind: "text", name: "a", content: "b" }, bytes: 1 };
    let list: readonly Pending[] = [];
    for (let i = 0; i < MAX_ATTACHMENTS; i++) {
      const next = addPending(list, one);
      if (typeof next === "string") throw new Error(next);
      list = next;
    }
    expect(list.length).toBe(8);
    expect(addPending(list, one)).toBe("A message takes at most 8 attachments.");
  });
});
