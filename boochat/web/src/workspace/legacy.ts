// The layout as the original BooCode stored it, before the envelope: a bare array of
// chat panes (`LegacyPane`). Only the shape is translated here (chat ids → chat tabs,
// `activeChatIdx` → `activeTab`); `normalize` in layout.ts then makes the result
// consistent (pane ids, a tab open once, active tabs, numbers 1.. in order, ≤ 5 panes).

import type { LegacyPane, WorkspacePane, WorkspaceState } from "@boocode/types";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function isLegacyPane(v: unknown): v is LegacyPane {
  if (!isObject(v)) return false;
  const { id, kind, chatIds, activeChatIdx } = v;
  return (
    (id === undefined || typeof id === "string") &&
    (kind === undefined || typeof kind === "string") &&
    (chatIds === undefined || (Array.isArray(chatIds) && chatIds.every((c) => typeof c === "string"))) &&
    (activeChatIdx === undefined || typeof activeChatIdx === "number")
  );
}

/** A non-empty array of legacy panes (`chatIds` may be missing: the server defaults it). */
export function isLegacyArray(value: unknown): value is LegacyPane[] {
  return Array.isArray(value) && value.length > 0 && value.every(isLegacyPane);
}

/**
 * The envelope shape of a legacy array, not yet consistent: ids may be missing or
 * repeated, a chat may sit in two panes, no tab has a number yet.
 */
export function fromLegacy(legacy: readonly LegacyPane[]): WorkspaceState {
  const panes = legacy.map((old): WorkspacePane => {
    const chatIds = old.chatIds ?? [];
    const active = old.activeChatIdx === undefined ? undefined : chatIds[old.activeChatIdx];
    return {
      id: old.id ?? "",
      tabs: chatIds.map((id) => ({ kind: "chat", id })),
      ...(active === undefined ? {} : { activeTab: active }),
    };
  });
  return { panes, tabNumbers: {}, nextTabNumber: 1, closedPaneStack: [], version: 0 };
}
