import { describe, expect, it } from "vitest";
import { FAKE, provider, snapshot } from "../testing/fixtures";
import { chooseProvider, keepChoice, modelOptions, modeOptions, needsPoll, providerOptions, sameSnapshot, withEntry } from "./providers";

describe("providers", () => {
  const snap = snapshot(
    provider("opencode", { state: "unavailable", install_path: null, error: "opencode not found on PATH" }),
    provider("qwen", { state: "loading", probing: true }),
    provider("goose", { enabled: false, state: "disabled" }),
    FAKE,
  );

  it("offers ready providers, the others disabled with their state", () => {
    expect(providerOptions(snap)).toEqual([
      { id: "opencode", label: "Opencode (unavailable)", disabled: true, state: "unavailable" },
      { id: "qwen", label: "Qwen (loading, probing…)", disabled: true, state: "loading" },
      { id: "goose", label: "Goose (disabled)", disabled: true, state: "disabled" },
      { id: "fake", label: "Scripted agent", disabled: false, state: "ready" },
    ]);
    expect(providerOptions(null)).toEqual([]);
  });

  it("keeps the chosen provider, else the remembered one, else the first ready one", () => {
    expect(chooseProvider(snap, "qwen", "fake")).toBe("qwen");
    expect(chooseProvider(snap, "gone", "goose")).toBe("goose");
    expect(chooseProvider(snap, null, "gone")).toBe("fake");
    expect(chooseProvider(snapshot(provider("qwen", { state: "error" })), null, null)).toBeNull();
    expect(chooseProvider(null, null, "fake")).toBe("fake");
  });

  it("polls while a probe runs or an enabled provider is loading", () => {
    expect(needsPoll(snap)).toBe(true);
    expect(needsPoll(snapshot(FAKE, provider("goose", { enabled: false, state: "loading" })))).toBe(false);
    expect(needsPoll(snapshot(FAKE, provider("qwen", { state: "ready", probing: true })))).toBe(true);
    expect(needsPoll(null)).toBe(false);
  });

  it("builds mode and model pickers with the agent's default first", () => {
    expect(modeOptions(FAKE)).toEqual([
      { value: "", label: "default (Code)" },
      { value: "ask", label: "Ask" },
      { value: "code", label: "Code" },
    ]);
    expect(modelOptions(FAKE).map((o) => o.label)).toEqual(["default (Fake fast)", "Fake fast", "Fake smart"]);
    expect(modeOptions(provider("qwen"))).toEqual([]);
    expect(modelOptions(provider("x", { models: [{ id: "m1", name: "m1" }] }))).toEqual([
      { value: "", label: "default model" },
      { value: "m1", label: "m1" },
    ]);
  });

  it("drops a pick the provider does not offer", () => {
    expect(keepChoice("ask", modeOptions(FAKE))).toBe("ask");
    expect(keepChoice("plan", modeOptions(FAKE))).toBe("");
    expect(keepChoice("ask", [])).toBe("");
  });

  it("replaces one entry after a toggle", () => {
    const off = { ...FAKE, enabled: false, state: "disabled" as const };
    expect(withEntry(snap, off).providers[3]).toBe(off);
    expect(withEntry(snap, provider("nope"))).toBe(snap);
  });

  it("tells a snapshot that says nothing new from one that does", () => {
    expect(sameSnapshot(snap, { ...snap, generated_at: "2026-01-02T00:00:00Z" })).toBe(true);
    expect(sameSnapshot(snap, withEntry(snap, { ...FAKE, enabled: false, state: "disabled" }))).toBe(false);
  });
});
