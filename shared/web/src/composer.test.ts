import { describe, expect, it } from "vitest";
import { composerView, keyIntent } from "./composer";

describe("composerView", () => {
  it.each([
    // busy, text, submitting, available -> action, enabled
    [false, "", false, true, "send", false],
    [false, "   ", false, true, "send", false],
    [false, "hello", false, true, "send", true],
    [true, "", false, true, "stop", true],
    [true, "  \n", false, true, "stop", true],
    [true, "next question", false, true, "queue", true],
    [false, "hello", true, true, "send", false],
    [true, "", true, true, "stop", false],
    [false, "hello", false, false, "send", false],
  ] as const)("busy=%s text=%j submitting=%s available=%s -> %s (enabled %s)", (busy, text, submitting, available, action, enabled) => {
    const view = composerView({ busy, text, submitting, available });
    expect(view).toEqual({ action, enabled, label: { send: "Send", stop: "Stop", queue: "Queue" }[action] });
  });
});

describe("composerView with attachments", () => {
  it("sends (or queues) files without text, and still stops a turn with nothing to send", () => {
    expect(composerView({ busy: false, text: "", attached: true })).toEqual({ action: "send", enabled: true, label: "Send" });
    expect(composerView({ busy: true, text: "", attached: true })).toEqual({ action: "queue", enabled: true, label: "Queue" });
    expect(composerView({ busy: true, text: "", attached: false })).toEqual({ action: "stop", enabled: true, label: "Stop" });
    expect(keyIntent({ key: "Enter", shiftKey: false }, { busy: false, text: " ", attached: true })).toBe("submit");
  });
});

describe("keyIntent", () => {
  const enter = { key: "Enter", shiftKey: false };
  it("submits on Enter when there is text, idle or busy", () => {
    expect(keyIntent(enter, { busy: false, text: "hi" })).toBe("submit");
    expect(keyIntent(enter, { busy: true, text: "hi" })).toBe("submit");
  });
  it("never stops a turn from the keyboard, and swallows Enter in an empty box", () => {
    expect(keyIntent(enter, { busy: true, text: "" })).toBe("none");
    expect(keyIntent(enter, { busy: false, text: "" })).toBe("none");
  });
  it("leaves Shift+Enter, IME composition and other keys to the textarea", () => {
    expect(keyIntent({ key: "Enter", shiftKey: true }, { busy: false, text: "hi" })).toBe("default");
    expect(keyIntent({ key: "Enter", shiftKey: false, isComposing: true }, { busy: false, text: "hi" })).toBe("default");
    expect(keyIntent({ key: "a", shiftKey: false }, { busy: false, text: "hi" })).toBe("default");
  });
});
