import { describe, expect, it } from "vitest";
import { joinRows } from "./text";

describe("joinRows", () => {
  it("joins wrapped rows and drops trailing blanks", () => {
    expect(
      joinRows([
        { text: "$ echo hello", wrapped: false },
        { text: "hello   ", wrapped: false },
        { text: "$ echo aaaaaaaaaa", wrapped: false },
        { text: "aaaa", wrapped: true },
        { text: "", wrapped: false },
        { text: "  ", wrapped: false },
      ]),
    ).toBe("$ echo hello\nhello\n$ echo aaaaaaaaaaaaaa");
  });

  it("keeps inner empty lines and a first wrapped row", () => {
    expect(joinRows([{ text: "x", wrapped: true }, { text: "", wrapped: false }, { text: "y", wrapped: false }])).toBe("x\n\ny");
    expect(joinRows([])).toBe("");
  });
});
