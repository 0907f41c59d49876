// @vitest-environment jsdom
import { render } from "lit";
import { describe, expect, it } from "vitest";
import { sandboxBanner } from "./bar-view";

function shown(status: Parameters<typeof sandboxBanner>[0]): { text: string; title: string | null } | null {
  const host = document.createElement("div");
  render(sandboxBanner(status), host);
  const banner = host.querySelector<HTMLElement>("[data-testid=sandbox-banner]");
  return banner === null ? null : { text: banner.textContent ?? "", title: banner.getAttribute("title") };
}

describe("the sandbox banner", () => {
  it("is absent while agents are confined, or before boocoder answered", () => {
    expect(shown({ mode: "bwrap", confined: true, summary: "bwrap works (/usr/bin/bwrap)" })).toBeNull();
    expect(shown(null)).toBeNull();
  });

  it("says the sandbox is off, with boocoder's reason as its title", () => {
    expect(shown({ mode: "off", confined: false, summary: "OFF (coder.sandbox.mode = \"off\")" })).toEqual({
      text: "Agent sandbox is OFF",
      title: "OFF (coder.sandbox.mode = \"off\")",
    });
  });

  it("says the sandbox is broken when bwrap does not work here", () => {
    expect(shown({ mode: "bwrap", confined: false, summary: "BROKEN: no bwrap" })).toEqual({
      text: "Agent sandbox is broken",
      title: "BROKEN: no bwrap",
    });
  });
});
