// The page: sidebar, header, model banner, transcript, composer, dialogs and notices.
// Renders the store at most once per animation frame.

import type { ModelsInfo } from "@boocode/types";
import type { Controller } from "../controller";
import { ComposerView } from "./composer-view";
import { h, icon, renderOnce, renderStore } from "@boocode/common/dom";
import { NoticeToast } from "@boocode/common/notice";
import { askCards } from "./ask-card";
import { Header } from "./header";
import { Sidebar } from "./sidebar";
import { TranscriptView, transcriptInput, welcome } from "@boocode/common/transcript-view";

/** The banner text when the model server does not answer; `null` when it does. */
export function modelBannerText(models: ModelsInfo | null): string | null {
  if (models === null || models.reachable) return null;
  return `No model server answers at ${models.base_url}: ${models.error ?? "unknown error"}`;
}

export class AppView {
  private readonly sidebar: Sidebar;
  private readonly header: Header;
  private readonly banner: HTMLElement;
  private readonly transcript: TranscriptView;
  private readonly composer: ComposerView;
  private readonly toast: NoticeToast;
  private readonly dialog: HTMLDialogElement;
  private readonly welcome: HTMLElement;
  private readonly emptyChat: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly app: Controller,
  ) {
    this.dialog = this.projectDialog();
    this.sidebar = new Sidebar(app, () => this.openProjectDialog());
    this.header = new Header(app);
    this.banner = h("div", { class: "banner", "data-testid": "model-banner", role: "alert", hidden: true });
    this.transcript = new TranscriptView(
      {
        fork: (id) => void app.fork(id),
        copy: (text) => void navigator.clipboard?.writeText(text).then(() => app.notify("Copied", "info")),
      },
      () => void app.link.loadOlder(),
      askCards((callId, text) => void app.answer(callId, text)),
    );
    this.composer = new ComposerView(app);
    this.toast = new NoticeToast(() => app.state.notice, () => app.dismissNotice());
    this.welcome = welcome("welcome", "B", "boochat", "Chat with your local model about your code. Pick a session on the left, or start one in a project.");
    this.emptyChat = welcome(
      "empty-chat",
      "B",
      "What are we working on?",
      "The assistant can read, list and search the project's files, check git status and read the web.",
    );
    const main = h("main", { class: "main" }, this.header.el, this.banner, this.transcript.el, this.composer.el);
    root.replaceChildren(h("div", { class: "app" }, this.sidebar.el, main), this.toast.el, this.dialog);
    renderStore(app.store, () => this.render());
  }

  private render(): void {
    const s = this.app.store.get();
    this.sidebar.update(s);
    this.header.update(s);
    const bannerText = modelBannerText(s.models);
    this.banner.hidden = bannerText === null;
    this.banner.dataset["state"] = s.models === null ? "unknown" : s.models.reachable ? "reachable" : "unreachable";
    renderOnce(this.banner, [bannerText], () => [icon("warn"), h("span", {}, bannerText ?? ""), h("span", { class: "banner-note" }, "retrying every 10 s")]);
    this.transcript.update(transcriptInput(s, s.session === null ? this.welcome : this.emptyChat, s.answered));
    this.composer.update(s);
    this.toast.update(s.notice);
  }

  private projectDialog(): HTMLDialogElement {
    const name = h("input", { name: "name", required: true, placeholder: "my-app", autocomplete: "off", "data-testid": "project-name" });
    const path = h("input", { name: "path", required: true, placeholder: "/home/me/src/my-app", autocomplete: "off", spellcheck: "false", "data-testid": "project-path" });
    const error = h("div", { class: "form-error", role: "alert" });
    const submit = h("button", { class: "btn btn-primary", type: "submit", "data-testid": "project-create" }, "Create project");
    const dialog = h("dialog", { class: "dialog", "data-testid": "project-dialog" }) as HTMLDialogElement;
    const form = h(
      "form",
      {
        method: "dialog",
        on: {
          submit: (e) => {
            e.preventDefault();
            error.textContent = "";
            submit.disabled = true;
            this.app
              .createProject(name.value.trim(), path.value.trim())
              .then(() => dialog.close())
              .catch((err: unknown) => void (error.textContent = err instanceof Error ? err.message : String(err)))
              .finally(() => void (submit.disabled = false));
          },
        },
      },
      h("h2", {}, "New project"),
      h("p", { class: "dialog-note" }, "A folder on the machine boochat runs on. The assistant's tools can read inside it, never write."),
      h("label", { class: "field" }, h("span", {}, "Name"), name),
      h("label", { class: "field" }, h("span", {}, "Absolute path"), path),
      error,
      h(
        "div",
        { class: "dialog-actions" },
        h("button", { class: "btn", type: "button", on: { click: () => dialog.close() } }, "Cancel"),
        submit,
      ),
    );
    dialog.append(form);
    dialog.addEventListener("close", () => {
      form.reset();
      error.textContent = "";
    });
    return dialog;
  }

  private openProjectDialog(): void {
    this.dialog.showModal();
  }
}
