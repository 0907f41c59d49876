import { describe, expect, it } from "vitest";
import { AckCounter, retryDelay } from "./flow";

describe("AckCounter", () => {
  it("acknowledges in batches of at least ack_every", () => {
    const acks = new AckCounter(100);
    expect([acks.processed(40), acks.processed(59)]).toEqual([null, null]);
    expect(acks.owed).toBe(99);
    expect(acks.processed(1)).toBe(100);
    expect(acks.owed).toBe(0);
    expect(acks.processed(250)).toBe(250); // one big write: everything at once
  });

  it("flushes what is owed after a pause, once", () => {
    const acks = new AckCounter(100);
    expect(acks.flush()).toBeNull();
    acks.processed(7);
    expect(acks.flush()).toBe(7);
    expect(acks.flush()).toBeNull();
  });

  it("acknowledges every write with ack_every 0 and ignores empty writes", () => {
    const acks = new AckCounter(0);
    expect(acks.processed(0)).toBeNull();
    expect(acks.processed(3)).toBe(3);
  });
});

describe("retryDelay", () => {
  it("doubles up to the cap", () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 10].map((a) => retryDelay(a, 500, 5000, mid))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
  });

  it("spreads by the jitter", () => {
    expect(retryDelay(1, 500, 5000, () => 0)).toBe(800);
    expect(retryDelay(1, 500, 5000, () => 1)).toBe(1200);
    expect(retryDelay(-3, 500, 5000, () => 0.5)).toBe(500);
  });
});
