// @vitest-environment jsdom
import type { FetchFn } from "@boocode/common/api";
import { describe, expect, it } from "vitest";
import { CoderApi } from "../api/client";
import { Controller } from "../controller";
import { FAKE, provider, snapshot } from "../testing/fixtures";
import { ProvidersView } from "./providers-view";

const QWEN = provider("qwen", { display_name: "Qwen Code", state: "unavailable", install_path: null, version: null, error: "`qwen` not found on PATH" });

function setup() {
  const calls: string[] = [];
  const fetchFn: FetchFn = async (url, init) => {
    const path = new URL(url).pathname.replace(/^\/api\//, "");
    calls.push(`${init.method} ${path}${typeof init.body === "string" ? ` ${init.body}` : ""}`);
    const body =
      path === "providers/qwen/diagnostic"
        ? {
            id: "qwen",
            state: "unavailable",
            enabled: true,
            probing: false,
            summary: "`qwen` not found on PATH",
            command_line: "qwen --acp",
            resolved_command: null,
            path_searched: ["/usr/local/bin", "/usr/bin"],
            env_keys: [],
            version: null,
            version_exit: null,
            exit_status: null,
            stderr_tail: "boom",
            probe_error: "`qwen` not found on PATH",
            probe_started_at: null,
            probed_at: null,
            probe_ms: null,
            stale_after: null,
            report: "provider: qwen",
          }
        : path === "providers/qwen"
          ? { ...QWEN, enabled: false, state: "disabled" }
          : snapshot(QWEN, FAKE);
    return { status: 200, text: async () => JSON.stringify(body) };
  };
  const app = new Controller({ location: window.location, history: window.history, api: new CoderApi(window.location, fetchFn), openWs: () => ({ onmessage: null, onerror: null, onclose: null, close() {} }) });
  const view = new ProvidersView(app);
  return { app, view, calls };
}

describe("ProvidersView", () => {
  it("shows each provider's state, version and why it is unavailable", async () => {
    const { app, view } = setup();
    await app.loadProviders();
    view.update(app.state);
    const cards = [...view.el.querySelectorAll<HTMLElement>('[data-testid="provider"]')];
    expect(cards.map((c) => [c.dataset["id"], c.dataset["state"], c.querySelector('[data-testid="provider-state"]')?.textContent])).toEqual([
      ["qwen", "unavailable", "unavailable"],
      ["fake", "ready", "ready"],
    ]);
    expect(cards[0]?.querySelector('[data-testid="provider-error"]')?.textContent).toBe("`qwen` not found on PATH");
    expect(cards[1]?.textContent).toContain("version 1.0.0");
    expect(cards[1]?.textContent).toContain("Ask, Code");
  });

  it("toggles a provider and opens its diagnostic", async () => {
    const { app, view, calls } = setup();
    await app.loadProviders();
    view.update(app.state);
    const toggle = view.el.querySelector<HTMLInputElement>('[data-id="qwen"] [data-testid="provider-enabled"]')!;
    toggle.checked = false;
    toggle.dispatchEvent(new Event("change"));
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toContain('PATCH providers/qwen {"enabled":false}');
    view.update(app.state);
    expect(view.el.querySelector<HTMLElement>('[data-testid="provider"][data-id="qwen"]')?.dataset["state"]).toBe("disabled");

    view.el.querySelector<HTMLButtonElement>('[data-id="qwen"] [data-testid="provider-diagnostic"]')?.click();
    await new Promise((r) => setTimeout(r, 0));
    view.update(app.state);
    const drawer = view.el.querySelector<HTMLElement>('[data-testid="diagnostic-drawer"]')!;
    expect(drawer.dataset["id"]).toBe("qwen");
    expect(drawer.querySelector('[data-testid="diagnostic-summary"]')?.textContent).toBe("`qwen` not found on PATH");
    expect(drawer.querySelector('[data-testid="diagnostic-stderr"]')?.textContent).toBe("boom");
    expect([...drawer.querySelectorAll('[data-testid="diagnostic-path"] li')].map((l) => l.textContent)).toEqual(["/usr/local/bin", "/usr/bin"]);
    drawer.querySelector<HTMLButtonElement>('[data-testid="diagnostic-close"]')?.click();
    view.update(app.state);
    expect(view.el.querySelector('[data-testid="diagnostic-drawer"]')).toBeNull();
  });
});
