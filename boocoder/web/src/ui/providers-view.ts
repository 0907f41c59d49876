// Settings of the agents boocoder can run: each provider's state, version, modes and
// models, an enable toggle, a refresh (re-probe) button and a diagnostic drawer that
// says exactly why a provider is unavailable.

import type { ProviderDiagnostic, ProviderEntry, ProvidersSnapshot } from "@boocode/types";
import { h, icon, relativeTime, renderOnce } from "@boocode/common/dom";
import { formatMs } from "@boocode/common/message-view";
import type { Controller } from "../controller";
import { STATE_LABEL } from "../state/providers";
import type { DiagnosticView, PageState } from "../state/store";

function stateOf(p: ProviderEntry): string {
  return p.enabled ? p.state : "disabled";
}

function providerCard(p: ProviderEntry, toggling: boolean, app: Controller): HTMLElement {
  const state = stateOf(p);
  const toggle = h("input", {
    type: "checkbox",
    checked: p.enabled,
    disabled: toggling,
    "data-testid": "provider-enabled",
    "aria-label": `Enable ${p.display_name}`,
    on: { change: () => void app.setProviderEnabled(p.id, toggle.checked) },
  });
  const facts: Array<[string, string]> = [
    ["command", [p.command, ...p.args].join(" ")],
    ["path", p.install_path ?? "not found"],
  ];
  if (p.modes.length > 0) facts.push(["modes", p.modes.map((m) => m.name || m.id).join(", ")]);
  if (p.models.length > 0) facts.push(["models", p.models.map((m) => m.name || m.id).join(", ")]);
  if (p.commands.length > 0) facts.push(["commands", p.commands.map((c) => `/${c.name}`).join(" ")]);
  if (p.env_keys.length > 0) facts.push(["env", p.env_keys.join(", ")]);
  const probed = p.probed_at === null ? "never probed" : `probed ${relativeTime(p.probed_at)}${p.probe_ms === null ? "" : ` in ${formatMs(p.probe_ms)}`}`;
  return h(
    "article",
    { class: "provider", "data-testid": "provider", "data-id": p.id, "data-state": state },
    h(
      "div",
      { class: "provider-head" },
      h("div", { class: "provider-name" }, h("strong", {}, p.display_name), h("code", {}, p.id), p.kind === "custom" ? h("span", { class: "badge" }, "custom") : null),
      h("span", { class: `state-badge state-${state}`, "data-testid": "provider-state" }, STATE_LABEL[state as keyof typeof STATE_LABEL] ?? state),
      p.probing ? h("span", { class: "probing", "data-testid": "provider-probing" }, h("span", { class: "pulse" }), "probing") : null,
      p.stale ? h("span", { class: "badge", title: "The cached probe is older than the TTL" }, "stale") : null,
      h("label", { class: "switch", title: p.enabled ? "Enabled" : "Disabled" }, toggle, h("span", {}, p.enabled ? "enabled" : "disabled")),
    ),
    h("div", { class: "provider-meta" }, p.version === null ? "version unknown" : `version ${p.version}`, " · ", probed),
    p.error === null || p.error === "" ? null : h("div", { class: "provider-error", "data-testid": "provider-error" }, p.error),
    h("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    h(
      "div",
      { class: "provider-actions" },
      h("button", { class: "btn btn-small", type: "button", "data-testid": "provider-diagnostic", on: { click: () => void app.openDiagnostic(p.id) } }, icon("info"), "Diagnostic"),
    ),
  );
}

function localTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString();
}

function diagnosticBody(d: ProviderDiagnostic): HTMLElement[] {
  const rows: Array<[string, HTMLElement | string | null]> = [
    ["state", `${d.state}${d.enabled ? "" : " (disabled)"}${d.probing ? ", probing now" : ""}`],
    ["command", h("code", {}, d.command_line)],
    ["resolves to", d.resolved_command === null ? h("span", { class: "bad" }, "not found") : h("code", {}, d.resolved_command)],
    ["version", d.version === null ? null : `${d.version}${d.version_exit === null ? "" : ` (${d.version_exit})`}`],
    ["exit status", d.exit_status],
    ["probe error", d.probe_error === null ? null : h("span", { class: "bad" }, d.probe_error)],
    ["probed", d.probed_at === null ? null : `${relativeTime(d.probed_at)}${d.probe_ms === null ? "" : ` in ${formatMs(d.probe_ms)}`}`],
    ["stale after", d.stale_after === null ? null : localTime(d.stale_after)],
    ["PATH searched", d.path_searched.length === 0 && d.resolved_command === null ? h("span", { class: "bad" }, "no directory") : null],
    ["env", d.env_keys.length === 0 ? null : d.env_keys.join(", ")],
  ];
  return [
    h("p", { class: "diag-summary", "data-testid": "diagnostic-summary" }, d.summary),
    h("dl", { class: "facts" }, ...rows.filter(([, v]) => v !== null && v !== "").flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v as HTMLElement | string)])),
    d.path_searched.length === 0
      ? h("span", {})
      : h("details", { class: "diag-section" }, h("summary", {}, `PATH searched (${d.path_searched.length})`), h("ol", { class: "diag-path", "data-testid": "diagnostic-path" }, ...d.path_searched.map((p) => h("li", {}, h("code", {}, p))))),
    d.stderr_tail === null || d.stderr_tail === ""
      ? h("span", {})
      : h("div", { class: "diag-section" }, h("div", { class: "tool-label" }, "stderr (last lines)"), h("pre", { class: "tool-pre", "data-testid": "diagnostic-stderr" }, d.stderr_tail)),
    h("details", { class: "diag-section" }, h("summary", {}, "Full report"), h("pre", { class: "tool-pre" }, d.report)),
  ];
}

export function diagnosticDrawer(view: DiagnosticView, snapshot: ProvidersSnapshot | null, app: Controller): HTMLElement {
  const name = snapshot?.providers.find((p) => p.id === view.id)?.display_name ?? view.id;
  return h(
    "aside",
    { class: "drawer", "data-testid": "diagnostic-drawer", "data-id": view.id, role: "dialog", "aria-label": `Diagnostic of ${name}` },
    h(
      "div",
      { class: "drawer-head" },
      h("h3", {}, `Diagnostic · ${name}`),
      h(
        "button",
        { class: "icon-btn", type: "button", title: "Probe again", "aria-label": "Probe again", on: { click: () => void app.refreshProviders().then(() => app.openDiagnostic(view.id)) } },
        icon("refresh"),
      ),
      h("button", { class: "icon-btn", type: "button", "aria-label": "Close", "data-testid": "diagnostic-close", on: { click: () => app.closeDiagnostic() } }, icon("close")),
    ),
    h(
      "div",
      { class: "drawer-body" },
      ...(view.error !== null
        ? [h("p", { class: "form-error" }, `Cannot read the diagnostic: ${view.error}`)]
        : view.data === null
          ? [h("p", { class: "panel-empty" }, "Loading…")]
          : diagnosticBody(view.data)),
    ),
  );
}

export class ProvidersView {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly drawer: HTMLElement;

  constructor(private readonly app: Controller) {
    this.list = h("div", { class: "providers-list" });
    this.drawer = h("div", { class: "drawer-slot" });
    this.el = h("section", { class: "providers-view", "data-testid": "providers-view" }, this.list, this.drawer);
  }

  update(s: PageState): void {
    renderOnce(this.list, [s.providers, s.providersError, s.refreshing, s.toggling], () => this.build(s));
    renderOnce(this.drawer, [s.diagnostic, s.providers], () => (s.diagnostic === null ? [] : [diagnosticDrawer(s.diagnostic, s.providers, this.app)]));
  }

  private build(s: PageState): HTMLElement[] {
    const snap = s.providers;
    const head = h(
      "div",
      { class: "providers-head" },
      h("div", {}, h("h2", {}, "Agents"), h("p", { class: "muted" }, "The ACP agents boocoder can run in a session's worktree.")),
      h(
        "button",
        { class: "btn", type: "button", "data-testid": "providers-refresh", disabled: s.refreshing, on: { click: () => void this.app.refreshProviders() } },
        icon("refresh", s.refreshing ? "icon spin" : "icon"),
        s.refreshing ? "Probing…" : "Refresh",
      ),
    );
    const out: HTMLElement[] = [head];
    if (s.providersError !== null) out.push(h("div", { class: "banner", role: "alert" }, icon("warn"), h("span", {}, s.providersError)));
    if (snap === null) {
      if (s.providersError === null) out.push(h("p", { class: "panel-empty" }, "Loading…"));
      return out;
    }
    const cfg = snap.config;
    if (cfg.path !== null || cfg.errors.length > 0) {
      out.push(
        h(
          "div",
          { class: `config-status${cfg.errors.length > 0 ? " config-bad" : ""}`, "data-testid": "providers-config" },
          h("span", {}, cfg.path === null ? "No providers file" : `Providers file ${cfg.path}${cfg.loaded ? "" : " (not read)"}`),
          ...cfg.errors.map((e) => h("div", { class: "provider-error" }, e)),
        ),
      );
    }
    out.push(...snap.providers.map((p) => providerCard(p, s.toggling[p.id] === true, this.app)));
    out.push(h("p", { class: "muted small" }, `Snapshot ${relativeTime(snap.generated_at)}.`));
    return out;
  }
}
