import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { watchHello, type SocketView } from "./socket";
import { fakeSockets, type FakeSocket } from "./test-support";

const URL_ = "wss://boo.example.com/coder/api/ws";
const hello = (daemon: string) => JSON.stringify({ type: "hello", seq: 0, daemon, version: "0.1.0" });

function start(daemon = "boocoder"): { views: SocketView[]; socket: FakeSocket; stop: () => void } {
  const views: SocketView[] = [];
  const { open, sockets } = fakeSockets();
  const stop = watchHello({ url: URL_, daemon, open, onChange: (view) => views.push(view), helloTimeoutMs: 5000 });
  const socket = sockets[0];
  if (socket === undefined) throw new Error("no socket opened");
  return { views, socket, stop };
}

describe("watchHello", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("is connected after the right hello, closed after the socket closes", () => {
    const { views, socket } = start();
    expect(socket.url).toBe(URL_);
    socket.message(hello("boocoder"));
    socket.message('{"type":"delta","seq":1}');
    socket.remoteClose(1001);
    expect(views).toEqual([
      { ws: "connecting", wsDaemon: "" },
      { ws: "connected", wsDaemon: "boocoder 0.1.0" },
      { ws: "closed", wsDaemon: "boocoder 0.1.0" },
    ]);
  });

  it("fails on a hello from another daemon and closes the socket", () => {
    const { views, socket } = start();
    socket.message(hello("boochat"));
    socket.remoteClose(1000);
    expect(views).toEqual([
      { ws: "connecting", wsDaemon: "" },
      { ws: "error: hello from boochat, expected boocoder", wsDaemon: "" },
    ]);
    expect(socket.closedWith).toEqual({ code: 1000, reason: "client error" });
  });

  it("fails on a malformed first frame", () => {
    const { views, socket } = start();
    socket.message("not json");
    expect(views.at(-1)?.ws).toMatch(/^error: bad frame: malformed JSON: /);
    expect(views).toHaveLength(2);
  });

  it("fails when the first frame is not a hello", () => {
    const { views, socket } = start();
    socket.message('{"type":"delta","seq":0}');
    expect(views.at(-1)).toEqual({ ws: 'error: expected a hello frame first, got "delta"', wsDaemon: "" });
  });

  it("reports a refused connection as an error (error then close)", () => {
    const { views, socket } = start();
    socket.error();
    socket.remoteClose(1006);
    expect(views).toEqual([
      { ws: "connecting", wsDaemon: "" },
      { ws: "error", wsDaemon: "" },
    ]);
  });

  it("reports a close without hello as closed", () => {
    const { views, socket } = start();
    socket.remoteClose(1006);
    expect(views).toEqual([
      { ws: "connecting", wsDaemon: "" },
      { ws: "closed", wsDaemon: "" },
    ]);
  });

  it("gives up when no hello arrives in time", () => {
    const { views, socket } = start();
    vi.advanceTimersByTime(4999);
    expect(views.at(-1)?.ws).toBe("connecting");
    vi.advanceTimersByTime(1);
    expect(views.at(-1)?.ws).toBe("error: no hello frame within 5000 ms");
    expect(socket.closedWith).toEqual({ code: 1000, reason: "client error" });
  });

  it("does not time out once connected", () => {
    const { views, socket } = start();
    socket.message(hello("boocoder"));
    vi.advanceTimersByTime(60_000);
    expect(views.at(-1)?.ws).toBe("connected");
  });

  it("reports a socket that cannot be constructed", () => {
    const views: SocketView[] = [];
    watchHello({
      url: "wss://bad",
      daemon: "boochat",
      open: () => {
        throw new SyntaxError("The URL 'wss://bad' is invalid.");
      },
      onChange: (view) => views.push(view),
    });
    expect(views.at(-1)).toEqual({ ws: "error: The URL 'wss://bad' is invalid.", wsDaemon: "" });
  });
});
