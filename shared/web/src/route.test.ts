import { describe, expect, it } from "vitest";
import { formatRoute, parseRoute } from "./route";

const S = "2b89918b-1275-446b-8bb8-0c195319642f";
const C = "fb2aca1c-d642-4123-a495-c279fb40e2f1";

describe("route", () => {
  it.each([
    ["", { sessionId: null, chatId: null }],
    ["#/", { sessionId: null, chatId: null }],
    [`#/s/${S}`, { sessionId: S, chatId: null }],
    [`#/s/${S}/c/${C}`, { sessionId: S, chatId: C }],
    [`#s/${S}/c/${C}/`, { sessionId: S, chatId: C }],
    // A chat without its session means nothing.
    [`#/c/${C}`, { sessionId: null, chatId: null }],
    ["#/s/<script>", { sessionId: null, chatId: null }],
  ])("parses %j", (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it("round-trips", () => {
    for (const route of [
      { sessionId: S, chatId: C },
      { sessionId: S, chatId: null },
      { sessionId: null, chatId: null },
    ]) {
      expect(parseRoute(formatRoute(route))).toEqual(route);
    }
    expect(formatRoute({ sessionId: S, chatId: C })).toBe(`#/s/${S}/c/${C}`);
  });
});
