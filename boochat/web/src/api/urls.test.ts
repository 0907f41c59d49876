import { describe, expect, it } from "vitest";
import { apiPath } from "@boocode/common/api";
import { paths } from "./urls";

describe("paths", () => {
  it("escapes ids", () => {
    expect(apiPath(paths.messages("c 1"), { limit: 50 })).toBe("./api/chats/c%201/messages?limit=50");
    expect(paths.sessionChats("s/1")).toBe("sessions/s%2F1/chats");
    expect(paths.answers("c1")).toBe("chats/c1/answers");
  });
});
