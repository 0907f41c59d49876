// @vitest-environment jsdom

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ERROR_MS, INFO_MS, NoticeToast, type Notice } from "./notice";

function page() {
  let current: Notice | null = null;
  const toast = new NoticeToast(
    () => current,
    () => {
      current = null;
      toast.update(null);
    },
  );
  const show = (notice: Notice | null): void => {
    current = notice;
    toast.update(notice);
  };
  return { toast, show, current: () => current };
}

describe("NoticeToast", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("shows the notice with its tone and a dismiss button", () => {
    const { toast, show, current } = page();
    expect(toast.el.hidden).toBe(true);
    expect(toast.el.dataset["testid"]).toBe("notice");
    show({ text: "Not sent: offline", tone: "error", at: 1 });
    expect(toast.el.hidden).toBe(false);
    expect(toast.el.dataset["tone"]).toBe("error");
    expect(toast.el.textContent).toBe("Not sent: offline");
    toast.el.querySelector("button")?.click();
    expect(current()).toBeNull();
    expect(toast.el.hidden).toBe(true);
  });

  it("goes by itself, info sooner than errors", () => {
    const { show, current } = page();
    show({ text: "Copied", tone: "info", at: 1 });
    vi.advanceTimersByTime(INFO_MS);
    expect(current()).toBeNull();
    show({ text: "Cannot stop", tone: "error", at: 2 });
    vi.advanceTimersByTime(ERROR_MS - 1);
    expect(current()?.text).toBe("Cannot stop");
    vi.advanceTimersByTime(1);
    expect(current()).toBeNull();
  });

  it("leaves a newer notice for its own time", () => {
    const { show, current } = page();
    show({ text: "Copied", tone: "info", at: 1 });
    vi.advanceTimersByTime(INFO_MS - 1);
    show({ text: "Copied", tone: "info", at: 2 });
    vi.advanceTimersByTime(1);
    expect(current()?.at).toBe(2);
    vi.advanceTimersByTime(INFO_MS);
    expect(current()).toBeNull();
  });
});
