// The pane's find bar (Ctrl/Cmd-Shift-F in the terminal): searches the scrollback and the
// screen as the query is typed, showing the newest match (the output at the bottom);
// Enter goes to the next older match, Shift-Enter back to newer ones, Escape closes the
// bar and hands the keyboard back to the terminal. No DOM besides its own element; the
// search itself is the view's.

/** What the bar needs from the terminal view. */
export type Finder = {
  findNext(query: string): boolean;
  findPrevious(query: string): boolean;
  clearSearch(): void;
  focus(): void;
};

/** The count text for the active match `index` (-1: none) of `count`. */
export function resultText(query: string, index: number, count: number): string {
  if (query === "") return "";
  if (count === 0) return "no match";
  return index < 0 ? `${count} matches` : `${index + 1} of ${count}`;
}

export class FindBar {
  readonly el: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly count: HTMLElement;
  private finder: Finder | undefined;

  constructor(doc: Document) {
    this.el = doc.createElement("div");
    this.el.className = "bt-find";
    this.el.dataset["testid"] = "term-find";
    this.el.hidden = true;
    this.input = doc.createElement("input");
    this.input.type = "search";
    this.input.placeholder = "Find";
    this.input.setAttribute("aria-label", "Find in the terminal");
    this.input.dataset["testid"] = "term-find-input";
    this.count = doc.createElement("span");
    this.count.className = "bt-find-count";
    this.count.dataset["testid"] = "term-find-count";
    const button = (label: string, text: string, testid: string, action: () => void): HTMLButtonElement => {
      const b = doc.createElement("button");
      b.type = "button";
      b.className = "bt-find-btn";
      b.title = label;
      b.setAttribute("aria-label", label);
      b.dataset["testid"] = testid;
      b.textContent = text;
      b.addEventListener("click", action);
      return b;
    };
    this.el.append(
      this.input,
      this.count,
      button("Older match (Enter)", "↑", "term-find-older", () => this.step(true)),
      button("Newer match (Shift-Enter)", "↓", "term-find-newer", () => this.step(false)),
      button("Close (Escape)", "✕", "term-find-close", () => this.close()),
    );
    this.input.addEventListener("input", () => this.search());
    this.input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        this.step(!ev.shiftKey);
      } else if (ev.key === "Escape") {
        ev.preventDefault();
        this.close();
      }
    });
  }

  /** The terminal it searches (none while the pane has no terminal). */
  attach(finder: Finder | undefined): void {
    this.finder = finder;
    if (finder === undefined) this.hide();
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  open(): void {
    if (this.finder === undefined) return;
    this.el.hidden = false;
    this.input.focus();
    this.input.select();
    if (this.input.value !== "") this.search();
  }

  close(): void {
    this.hide();
    this.finder?.focus();
  }

  /** The view's result event. */
  results(index: number, count: number): void {
    this.count.textContent = resultText(this.input.value, index, count);
  }

  private hide(): void {
    this.el.hidden = true;
    this.finder?.clearSearch();
    this.count.textContent = "";
  }

  /** As the query changes: its newest match (searching up from the bottom). */
  private search(): void {
    const query = this.input.value;
    this.finder?.clearSearch();
    if (query === "") {
      this.count.textContent = "";
      return;
    }
    this.finder?.findPrevious(query);
  }

  /** `older`: the next match above the active one; else the next one below. */
  private step(older: boolean): void {
    const query = this.input.value;
    if (query === "" || this.finder === undefined) return;
    if (older) this.finder.findPrevious(query);
    else this.finder.findNext(query);
  }
}
