// The gateway client's connection logic against a fake socket and fake timers.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GatewayClient, Op, type Payload, type SocketLike, type Status } from "./client";

class FakeSocket implements SocketLike {
  sent: Payload[] = [];
  closedWith: number | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Payload);
  }
  close(code?: number): void {
    this.closedWith = code ?? 1000;
  }
  /** The server sends a frame. */
  receive(payload: Payload): void {
    this.onmessage?.({ data: JSON.stringify(payload) });
  }
  /** The server (or the network) closes the connection. */
  drop(code: number): void {
    this.onclose?.({ code });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const events: [string, unknown][] = [];
  const statuses: Status[] = [];
  const client = new GatewayClient({
    url: "ws://parley.test/gateway",
    token: () => "token-1",
    intents: 513,
    onDispatch: (name, data) => events.push([name, data]),
    onStatus: (status) => statuses.push(status),
    socket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    random: () => 0.5,
  });
  const last = () => sockets[sockets.length - 1] as FakeSocket;
  return { client, sockets, events, statuses, last };
}

/** Lets the client's async handlers (awaiting the token) finish. */
async function settle() {
  await vi.advanceTimersByTimeAsync(0);
}

const hello = { op: Op.Hello, d: { heartbeat_interval: 1000 } };
const ready = (seq: number) => ({
  op: Op.Dispatch,
  t: "READY",
  s: seq,
  d: { session_id: "session-1", resume_gateway_url: "ws://node-b.test/gateway" },
});

describe("GatewayClient", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("identifies after HELLO and heartbeats with the last sequence number", async () => {
    const { client, last, events, statuses } = setup();
    client.connect();
    expect(last().url).toBe("ws://parley.test/gateway?v=10&encoding=json");
    last().receive(hello);
    await settle();
    expect(last().sent[0]).toEqual({
      op: Op.Identify,
      d: { token: "token-1", intents: 513, properties: { os: "web", browser: "parley", device: "parley" } },
    });
    last().receive(ready(4097));
    expect(statuses).toContain("ready");
    expect(events[0]?.[0]).toBe("READY");
    await vi.advanceTimersByTimeAsync(500);
    expect(last().sent[1]).toEqual({ op: Op.Heartbeat, d: 4097 });
    last().receive({ op: Op.HeartbeatAck, d: null });
    last().receive({ op: Op.Dispatch, t: "MESSAGE_CREATE", s: 8192, d: { id: "1" } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(last().sent[2]).toEqual({ op: Op.Heartbeat, d: 8192 });
  });

  it("resumes on the server's resume URL after a drop, then carries on", async () => {
    const { client, sockets, last, statuses } = setup();
    client.connect();
    last().receive(hello);
    await settle();
    last().receive(ready(10));
    last().receive({ op: Op.Dispatch, t: "MESSAGE_CREATE", s: 20, d: {} });
    last().drop(1006);
    expect(statuses[statuses.length - 1]).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    expect(last().url).toBe("ws://node-b.test/gateway?v=10&encoding=json");
    last().receive(hello);
    await settle();
    expect(last().sent[0]).toEqual({ op: Op.Resume, d: { token: "token-1", session_id: "session-1", seq: 20 } });
    last().receive({ op: Op.Dispatch, t: "RESUMED", s: 21, d: null });
    expect(client.status).toBe("ready");
    expect(client.attempts).toBe(0);
  });

  it("identifies afresh after INVALID_SESSION", async () => {
    const { client, last, sockets } = setup();
    client.connect();
    last().receive(hello);
    await settle();
    last().receive(ready(10));
    last().receive({ op: Op.InvalidSession, d: false });
    expect(client.sessionId).toBeNull();
    await vi.advanceTimersByTimeAsync(5000);
    expect(sockets.length).toBeGreaterThan(1);
    last().receive(hello);
    await settle();
    expect(last().sent[0]?.op).toBe(Op.Identify);
    expect(last().url).toBe("ws://parley.test/gateway?v=10&encoding=json");
  });

  it("answers the server's heartbeat request at once", async () => {
    const { client, last } = setup();
    client.connect();
    last().receive(hello);
    await settle();
    last().receive(ready(3));
    last().receive({ op: Op.Heartbeat, d: null });
    expect(last().sent[last().sent.length - 1]).toEqual({ op: Op.Heartbeat, d: 3 });
  });

  it("drops a connection whose heartbeats go unacknowledged and resumes", async () => {
    const { client, last, sockets } = setup();
    client.connect();
    last().receive(hello);
    await settle();
    last().receive(ready(3));
    await vi.advanceTimersByTimeAsync(500);
    // No ACK for that beat: at the next beat the client gives up on the connection.
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets[0]?.closedWith).toBe(4000);
    await vi.advanceTimersByTimeAsync(1000);
    last().receive(hello);
    await settle();
    expect(last().sent[0]?.op).toBe(Op.Resume);
  });

  it("follows RECONNECT by resuming, and forgets the session after 4009", async () => {
    const { client, last } = setup();
    client.connect();
    last().receive(hello);
    await settle();
    last().receive(ready(3));
    last().receive({ op: Op.Reconnect, d: null });
    await vi.advanceTimersByTimeAsync(1000);
    last().receive(hello);
    await settle();
    expect(last().sent[0]?.op).toBe(Op.Resume);
    last().drop(4009);
    expect(client.sessionId).toBeNull();
    await vi.advanceTimersByTimeAsync(5000);
    last().receive(hello);
    await settle();
    expect(last().sent[0]?.op).toBe(Op.Identify);
  });

  it("stops for good on an authentication failure or after close()", async () => {
    const { client, last, sockets, statuses } = setup();
    client.connect();
    last().drop(4004);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
    expect(statuses[statuses.length - 1]).toBe("closed");

    client.connect();
    client.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(2);
    expect(sockets[1]?.closedWith).toBe(1000);
  });
});

describe("GatewayClient refused", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("remembers that the server refused the token", async () => {
    const { client, last } = setup();
    client.connect();
    last().drop(4004);
    expect([client.status, client.closeCode]).toEqual(["closed", 4004]);
  });
});
