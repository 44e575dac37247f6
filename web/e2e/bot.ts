// A bot for the tests, as small as a bot can be: REST calls with its token, and a gateway
// session over a minimal WebSocket client (text frames, ping and close; enough for Parley's
// JSON gateway) that IDENTIFYs, keeps its heartbeat and hands over each dispatch it receives.

import { randomBytes } from "node:crypto";
import { request } from "node:http";
import type { Socket } from "node:net";

export interface Dispatch {
  t: string;
  d: Record<string, unknown>;
}

/** A WebSocket client for the tests: sends text, and calls `onText` for each text message. */
function openWebSocket(url: string, onText: (text: string) => void): Promise<{ send(text: string): void; close(): void }> {
  const target = new URL(url);
  return new Promise((done, fail) => {
    const upgrade = request({
      host: target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Key": randomBytes(16).toString("base64"), "Sec-WebSocket-Version": "13" },
    });
    upgrade.once("error", fail);
    upgrade.once("response", (response) => fail(new Error(`no WebSocket at ${url}: ${response.statusCode}`)));
    upgrade.once("upgrade", (_response, socket: Socket, head: Buffer) => {
      // Frames from a client are masked (RFC 6455, 5.3).
      const frame = (opcode: number, payload: Buffer) => {
        const length = payload.length < 126 ? Buffer.from([0x80 | payload.length]) : payload.length < 65536 ? Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 255]) : (() => {
          const b = Buffer.alloc(9);
          b[0] = 0x80 | 127;
          b.writeBigUInt64BE(BigInt(payload.length), 1);
          return b;
        })();
        const mask = randomBytes(4);
        const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
        socket.write(Buffer.concat([Buffer.from([0x80 | opcode]), length, mask, masked]));
      };
      let buffer: Buffer = head;
      let message: Buffer[] = [];
      const read = () => {
        for (;;) {
          if (buffer.length < 2) return;
          const opcode = (buffer[0] ?? 0) & 0x0f;
          const fin = ((buffer[0] ?? 0) & 0x80) !== 0;
          let length = (buffer[1] ?? 0) & 0x7f;
          let offset = 2;
          if (length === 126) {
            if (buffer.length < 4) return;
            length = buffer.readUInt16BE(2);
            offset = 4;
          } else if (length === 127) {
            if (buffer.length < 10) return;
            length = Number(buffer.readBigUInt64BE(2));
            offset = 10;
          }
          if (buffer.length < offset + length) return;
          const payload = buffer.subarray(offset, offset + length);
          buffer = buffer.subarray(offset + length);
          if (opcode === 9) frame(10, payload);
          else if (opcode === 8) socket.end();
          else if (opcode === 1 || opcode === 0) {
            message.push(payload);
            if (fin) {
              onText(Buffer.concat(message).toString("utf8"));
              message = [];
            }
          }
        }
      };
      socket.on("data", (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        read();
      });
      read();
      done({ send: (text) => frame(1, Buffer.from(text, "utf8")), close: () => (frame(8, Buffer.alloc(0)), socket.end()) });
    });
    upgrade.end();
  });
}

export class Bot {
  private received: Dispatch[] = [];
  private waiting: { match: (d: Dispatch) => boolean; done: (d: Dispatch) => void }[] = [];
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private socket: { send(text: string): void; close(): void } | undefined;
  private seq: number | null = null;

  constructor(
    readonly id: string,
    private readonly token: string,
    private readonly base: string,
  ) {}

  /** Calls the API as the bot; any answer but a success fails the test. */
  async api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.base}/api/v10${path}`, {
      method,
      headers: { Authorization: `Bot ${this.token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (response.status === 204 ? null : await response.json()) as T;
  }

  /** Answers an interaction through its callback (no sign-in: its token is the credential). */
  async answer(interaction: Record<string, unknown>, body: unknown): Promise<void> {
    const response = await fetch(`${this.base}/api/v10/interactions/${interaction.id}/${interaction.token}/callback`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`callback: ${response.status} ${await response.text()}`);
  }

  /** Connects to the gateway and waits for READY. */
  async connect(intents = 1): Promise<void> {
    const { url } = (await (await fetch(`${this.base}/api/v10/gateway`)).json()) as { url: string };
    this.socket = await openWebSocket(`${url}?v=10&encoding=json`, (text) => this.frame(JSON.parse(text) as { op: number; d: Record<string, unknown>; t: string | null; s: number | null }));
    this.socket.send(JSON.stringify({ op: 2, d: { token: this.token, intents, properties: { os: "linux", browser: "e2e", device: "e2e" } } }));
    await this.next("READY");
  }

  private frame(payload: { op: number; d: Record<string, unknown>; t: string | null; s: number | null }): void {
    if (payload.s !== null && payload.s !== undefined) this.seq = payload.s;
    if (payload.op === 10) {
      const every = Number(payload.d.heartbeat_interval);
      this.heartbeat = setInterval(() => this.socket?.send(JSON.stringify({ op: 1, d: this.seq })), every * 0.8);
    } else if (payload.op === 0 && payload.t) {
      const dispatch = { t: payload.t, d: payload.d };
      const waiter = this.waiting.find((w) => w.match(dispatch));
      if (waiter) {
        this.waiting = this.waiting.filter((w) => w !== waiter);
        waiter.done(dispatch);
      } else {
        this.received.push(dispatch);
      }
    }
  }

  /** The next dispatch named `name` (and matching `match`), or a failure after `ms`. */
  next(name: string, match: (d: Record<string, unknown>) => boolean = () => true, ms = 15_000): Promise<Record<string, unknown>> {
    const matches = (d: Dispatch) => d.t === name && match(d.d);
    const already = this.received.find(matches);
    if (already) {
      this.received = this.received.filter((d) => d !== already);
      return Promise.resolve(already.d);
    }
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`the bot waited ${ms} ms for ${name}`)), ms);
      this.waiting.push({ match: matches, done: (d) => (clearTimeout(timer), done(d.d)) });
    });
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.socket?.close();
  }
}
