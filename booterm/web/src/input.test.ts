import { describe, expect, it } from "vitest";
import { binaryBytes, keyAction, textBytes, type KeyLike } from "./input";

const key = (over: Partial<KeyLike>): KeyLike => ({
  type: "keydown",
  key: "c",
  code: "KeyC",
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...over,
});

describe("keyAction", () => {
  it("copies on Ctrl-Shift-C and Cmd-Shift-C", () => {
    expect(keyAction(key({ key: "C", ctrlKey: true, shiftKey: true }))).toBe("copy");
    expect(keyAction(key({ key: "C", metaKey: true, shiftKey: true }))).toBe("copy");
  });

  it("pastes on Ctrl-Shift-V and Cmd-Shift-V", () => {
    expect(keyAction(key({ key: "V", code: "KeyV", ctrlKey: true, shiftKey: true }))).toBe("paste");
    expect(keyAction(key({ key: "V", code: "KeyV", metaKey: true, shiftKey: true }))).toBe("paste");
  });

  it("opens the find bar on Ctrl-Shift-F and Cmd-Shift-F", () => {
    expect(keyAction(key({ key: "F", code: "KeyF", ctrlKey: true, shiftKey: true }))).toBe("find");
    expect(keyAction(key({ key: "F", code: "KeyF", metaKey: true, shiftKey: true }))).toBe("find");
  });

  it("leaves Ctrl-C, Ctrl-V, Ctrl-F and the rest to the terminal", () => {
    for (const k of [
      key({ ctrlKey: true }), // SIGINT
      key({ key: "v", code: "KeyV", ctrlKey: true }),
      key({ key: "f", code: "KeyF", ctrlKey: true }), // forward a character (readline)
      key({ key: "C", shiftKey: true }),
      key({ key: "C", ctrlKey: true, metaKey: true, shiftKey: true }),
      key({ key: "C", ctrlKey: true, shiftKey: true, altKey: true }),
      key({ key: "D", code: "KeyD", ctrlKey: true, shiftKey: true }),
      key({ key: "Enter", code: "Enter", ctrlKey: true, shiftKey: true }),
    ]) {
      expect(keyAction(k), JSON.stringify(k)).toBe("pass");
    }
  });

  it("finds the letter by its physical key on other layouts", () => {
    expect(keyAction(key({ key: "С", code: "KeyC", ctrlKey: true, shiftKey: true }))).toBe("copy");
    expect(keyAction(key({ key: "М", code: "KeyV", ctrlKey: true, shiftKey: true }))).toBe("paste");
  });
});

describe("input bytes", () => {
  it("encodes typed text as UTF-8", () => {
    expect([...textBytes("é\r")]).toEqual([0xc3, 0xa9, 13]);
  });

  it("keeps binary reports byte for byte", () => {
    expect([...binaryBytes("\x1b[M \xff!")]).toEqual([27, 91, 77, 32, 255, 33]);
  });
});
