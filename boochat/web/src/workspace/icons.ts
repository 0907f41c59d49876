// The workspace's inline icons as lit-html templates (stroke, currentColor), so a render
// keeps the same SVG nodes instead of making new ones.

import { svg, type TemplateResult } from "lit";

const PATHS = {
  plus: "M12 5v14M5 12h14",
  close: "M6 6l12 12M18 6L6 18",
  chevron: "M9 6l6 6-6 6",
  folder: "M3 6h6l2 2h10v11H3z",
  archive: "M3 7h18v3H3zM5 10v9h14v-9M10 14h4",
  restore: "M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5",
  chat: "M4 5h16v11H9l-5 4z",
  agent: "M12 3v4M12 17v4M3 12h4M17 12h4M6 6l2.5 2.5M15.5 15.5L18 18M6 18l2.5-2.5M15.5 8.5L18 6",
  term: "M4 5h16v14H4zM7 10l3 2.5L7 15M12 15h5",
  split: "M4 5h16v14H4zM12 5v14",
  sidebar: "M4 5h16v14H4zM9 5v14",
  reopen: "M9 14L4 9l5-5M4 9h10a6 6 0 0 1 0 12h-3",
  keyboard: "M3 7h18v11H3zM7 11h.01M11 11h.01M15 11h.01M7 14.5h10",
  warn: "M12 3l10 18H2zM12 10v5M12 18v.5",
  trash: "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6",
  bell: "M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0",
  settings: "M4 7h10M18 7h2M4 17h2M10 17h10M14 5v4M6 15v4",
} as const;

export type IconName = keyof typeof PATHS;

export function icon(name: IconName, cls = "icon"): TemplateResult {
  return svg`<svg class=${cls} viewBox="0 0 24 24" aria-hidden="true"><path d=${PATHS[name]}></path></svg>`;
}

export const KIND_ICON = { chat: "chat", coder: "agent", term: "term" } as const satisfies Record<string, IconName>;
