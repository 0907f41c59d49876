// boochat's `ask_user_input` card: the model's question, its options as buttons and a
// free-text answer. Drawn in place of the tool card (a CallRenderer of the message view).

import type { Part } from "@boocode/types";
import { h, icon } from "@boocode/common/dom";
import { markdownEl, type CallRenderer } from "@boocode/common/message-view";
import type { UiMessage } from "@boocode/common/transcript";

export type Answered = Readonly<Record<string, string>>;

export function askCardEl(call: Part, result: Part | undefined, m: UiMessage, answered: Answered, answer: (callId: string, text: string) => void): HTMLElement {
  const args = (call.args ?? {}) as { question?: unknown; options?: unknown };
  const question = typeof args.question === "string" ? args.question : "";
  const options = Array.isArray(args.options) ? args.options.filter((o): o is string => typeof o === "string") : [];
  const callId = call.call_id ?? "";
  const given = answered[callId];
  const card = h("div", { class: "ask-card", "data-testid": "ask-card", "data-call-id": callId });
  card.append(h("div", { class: "ask-title" }, icon("chat", "icon"), "The assistant asks"), markdownEl(question, "ask-question", "ask-question"));
  if (result !== undefined) {
    card.classList.add("ask-done");
    card.append(h("div", { class: "ask-answer" }, result.is_error ? `Not answered: ${result.result ?? ""}` : `You answered: ${result.result ?? ""}`));
    return card;
  }
  if (m.status !== "streaming") {
    card.classList.add("ask-done");
    card.append(h("div", { class: "ask-answer" }, "The turn ended before an answer."));
    return card;
  }
  if (given !== undefined) {
    card.append(h("div", { class: "ask-answer" }, `Sending: ${given}`));
    return card;
  }
  if (options.length > 0) {
    card.append(
      h(
        "div",
        { class: "ask-options" },
        ...options.map((o) => h("button", { class: "btn btn-option", type: "button", on: { click: () => answer(callId, o) } }, o)),
      ),
    );
  }
  const input = h("input", { class: "ask-input", type: "text", placeholder: "Type an answer…", "aria-label": "Answer" });
  const form = h(
    "form",
    { class: "ask-form", on: { submit: (e) => (e.preventDefault(), answer(callId, input.value)) } },
    input,
    h("button", { class: "btn btn-primary", type: "submit" }, "Answer"),
  );
  card.append(form);
  return card;
}

/** The renderer to pass to the transcript: `extra` is the answers given from this pane. */
export function askCards(answer: (callId: string, text: string) => void): CallRenderer {
  return (call, result, m, extra) =>
    call.tool_name === "ask_user_input" ? askCardEl(call, result, m, (extra ?? {}) as Answered, answer) : undefined;
}
