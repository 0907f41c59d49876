// What the composer and the providers view make of a providers snapshot.

import type { AgentModeInfo, AgentModelInfo, ProviderEntry, ProviderState, ProvidersSnapshot } from "@boocode/types";

/** Poll the snapshot this often while a probe runs or a provider is still loading. */
export const PROBE_POLL_MS = 1_000;

export const STATE_LABEL: Record<ProviderState, string> = {
  loading: "loading",
  ready: "ready",
  unavailable: "unavailable",
  error: "error",
  disabled: "disabled",
};

/** A provider an agent turn can be sent to. */
export function isReady(entry: ProviderEntry): boolean {
  return entry.enabled && entry.state === "ready";
}

/** Some entry will change without anyone asking (a probe runs or is due). */
export function needsPoll(snapshot: ProvidersSnapshot | null): boolean {
  return snapshot !== null && snapshot.providers.some((p) => p.probing || (p.enabled && p.state === "loading"));
}

export function findProvider(snapshot: ProvidersSnapshot | null, id: string | null): ProviderEntry | undefined {
  if (snapshot === null || id === null) return undefined;
  return snapshot.providers.find((p) => p.id === id);
}

export type ProviderOption = { id: string; label: string; disabled: boolean; state: ProviderState };

/** The provider picker: every provider, the ones that are not ready disabled with their state. */
export function providerOptions(snapshot: ProvidersSnapshot | null): ProviderOption[] {
  return (snapshot?.providers ?? []).map((p) => {
    const ready = isReady(p);
    const state: ProviderState = p.enabled ? p.state : "disabled";
    const busy = p.probing && !ready ? ", probing…" : "";
    return { id: p.id, label: ready ? p.display_name : `${p.display_name} (${STATE_LABEL[state]}${busy})`, disabled: !ready, state };
  });
}

/**
 * The provider the composer sends to: the one chosen before while it exists, else the
 * remembered one, else the first ready one. `null` while nothing fits.
 */
export function chooseProvider(snapshot: ProvidersSnapshot | null, current: string | null, remembered: string | null): string | null {
  if (snapshot === null) return current ?? remembered;
  const known = (id: string | null): id is string => id !== null && snapshot.providers.some((p) => p.id === id);
  if (known(current)) return current;
  if (known(remembered)) return remembered;
  return snapshot.providers.find(isReady)?.id ?? null;
}

export type PickerOption = { value: string; label: string };

function options(items: ReadonlyArray<AgentModeInfo | AgentModelInfo>, current: string | null, what: string): PickerOption[] {
  const byDefault = items.find((m) => m.id === current);
  return [
    { value: "", label: byDefault === undefined ? `default ${what}` : `default (${byDefault.name})` },
    ...items.map((m) => ({ value: m.id, label: m.name === m.id || m.name === "" ? m.id : m.name })),
  ];
}

/** Mode picker of a provider; "" = leave the agent's current mode. Empty when it has none. */
export function modeOptions(entry: ProviderEntry | undefined): PickerOption[] {
  if (entry === undefined || entry.modes.length === 0) return [];
  return options(entry.modes, entry.current_mode, "mode");
}

/** Model picker of a provider; "" = the agent's current model. Empty when it has none. */
export function modelOptions(entry: ProviderEntry | undefined): PickerOption[] {
  if (entry === undefined || entry.models.length === 0) return [];
  return options(entry.models, entry.current_model, "model");
}

/** A picked mode/model that the provider still offers, else "" (its default). */
export function keepChoice(value: string, picker: readonly PickerOption[]): string {
  return picker.some((o) => o.value === value) ? value : "";
}

/** Replace one entry (after an enable toggle) keeping the rest of the snapshot. */
export function withEntry(snapshot: ProvidersSnapshot, entry: ProviderEntry): ProvidersSnapshot {
  const i = snapshot.providers.findIndex((p) => p.id === entry.id);
  if (i < 0) return snapshot;
  const providers = [...snapshot.providers];
  providers[i] = entry;
  return { ...snapshot, providers };
}

/** Two snapshots say the same of every provider and the config (when they were made aside). */
export function sameSnapshot(a: ProvidersSnapshot, b: ProvidersSnapshot): boolean {
  return JSON.stringify([a.providers, a.config]) === JSON.stringify([b.providers, b.config]);
}
