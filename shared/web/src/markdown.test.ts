// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { highlight, renderMarkdown } from "./markdown";

function dom(html: string): HTMLElement {
  const div = document.createElement("div");
  div.innerHTML = html;
  return div;
}

describe("renderMarkdown", () => {
  it("renders GFM", () => {
    const el = dom(renderMarkdown("# Title\n\n**bold** and `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two"));
    expect(el.querySelector("h1")?.textContent).toBe("Title");
    expect(el.querySelector("strong")?.textContent).toBe("bold");
    expect(el.querySelector("code")?.textContent).toBe("code");
    expect(el.querySelectorAll("td")).toHaveLength(2);
    expect(el.querySelectorAll("li")).toHaveLength(2);
  });

  it("strips script tags, event handlers and javascript: links", () => {
    const html = renderMarkdown(
      'hi <script>alert(1)</script><img src=x onerror="alert(2)"> <a href="javascript:alert(3)">x</a> <iframe src="https://evil"></iframe>\n\n[link](javascript:alert(4))',
    );
    expect(html).not.toMatch(/<script|onerror|javascript:|<iframe/i);
    const el = dom(html);
    expect(el.querySelector("script")).toBeNull();
    expect(el.querySelector("img")?.getAttribute("onerror")).toBeNull();
    expect(el.textContent).toContain("hi");
  });

  it("strips styles and forms that could dress up as the page", () => {
    const html = renderMarkdown('<style>body{display:none}</style><form action="/api/x"><input name=a><button>go</button></form><p style="position:fixed">x</p>');
    expect(html).not.toMatch(/<style|<form|<input|<button|style=/i);
  });

  it("opens links in a new tab without an opener", () => {
    const a = dom(renderMarkdown("[docs](https://example.com/docs)")).querySelector("a");
    expect(a?.getAttribute("href")).toBe("https://example.com/docs");
    expect(a?.getAttribute("target")).toBe("_blank");
    expect(a?.getAttribute("rel")).toBe("noopener noreferrer nofollow");
  });

  it("highlights fenced code of a known language and escapes the rest", () => {
    const el = dom(renderMarkdown("```rust\nfn main() {}\n```\n\n```weird\n<b>x</b>\n```"));
    const blocks = el.querySelectorAll("pre code");
    expect(blocks[0]?.className).toBe("hljs language-rust");
    expect(blocks[0]?.querySelector(".hljs-keyword")?.textContent).toBe("fn");
    expect(blocks[1]?.querySelector("b")).toBeNull();
    expect(blocks[1]?.textContent).toBe("<b>x</b>");
    expect(el.querySelector(".code-lang")?.textContent).toBe("rust");
  });
});

describe("highlight", () => {
  it("knows the aliases", () => {
    expect(highlight("x = 1", "toml").language).toBe("toml");
    expect(highlight("let a = 1", "ts").html).toContain("hljs-keyword");
    expect(highlight("<x>", undefined)).toEqual({ html: "&#60;x&#62;", language: null });
  });
});
