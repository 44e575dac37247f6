// The one gateway client: connects, identifies, heartbeats, and after any drop reconnects
// and RESUMEs (to the server's resume_gateway_url) so no event is missed. Dispatches reach
// the app through `onDispatch`; connection state through `onStatus`.
//
// Everything that touches the outside world (sockets, timers, randomness) is injected, so
// the tests drive it with a fake socket and fake timers.

export const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

/** Close codes after which reconnecting cannot help. */
const FATAL_CLOSES = new Set([4004, 4010, 4011, 4012, 4013, 4014]);
/** Close codes after which the session is gone: reconnect and identify afresh. */
const SESSION_LOST_CLOSES = new Set([4007, 4009]);

export type Status = "connecting" | "ready" | "reconnecting" | "closed";

export interface Payload {
  op: number;
  d: unknown;
  s?: number | null;
  t?: string | null;
}

/** The parts of a WebSocket the client uses. */
export interface SocketLike {
  send(data: string): void;
  close(code?: number): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface GatewayOptions {
  /** ws(s)://host/gateway, from GET /api/v10/gateway. */
  url: string;
  /** The access token to identify or resume with (fetched fresh each time). */
  token: () => string | Promise<string>;
  intents: number;
  onDispatch: (name: string, data: unknown) => void;
  onStatus?: (status: Status, detail?: string) => void;
  socket?: (url: string) => SocketLike;
  random?: () => number;
}

export class GatewayClient {
  status: Status = "closed";
  sessionId: string | null = null;
  seq: number | null = null;
  resumeUrl: string | null = null;
  /** Reconnect attempts since the last READY or RESUMED. */
  attempts = 0;
  /** Why it stopped for good, when the server closed it (4004: the token was refused). */
  closeCode: number | null = null;

  private socket: SocketLike | null = null;
  private heartbeat: ReturnType<typeof setTimeout> | null = null;
  private acked = true;
  private stopped = false;
  private readonly options: Required<Omit<GatewayOptions, "onStatus">> & Pick<GatewayOptions, "onStatus">;

  constructor(options: GatewayOptions) {
    this.options = {
      socket: (url) => new WebSocket(url) as unknown as SocketLike,
      random: Math.random,
      ...options,
    };
  }

  connect(): void {
    this.stopped = false;
    this.open(this.options.url, "connecting");
  }

  /** Closes for good (logging out). */
  close(): void {
    this.stopped = true;
    this.stopHeartbeat();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000);
    this.setStatus("closed");
  }

  send(payload: Payload): void {
    this.socket?.send(JSON.stringify(payload));
  }

  private setStatus(status: Status, detail?: string): void {
    this.status = status;
    this.options.onStatus?.(status, detail);
  }

  private open(base: string, status: Status): void {
    this.setStatus(status);
    const url = `${base}${base.includes("?") ? "&" : "?"}v=10&encoding=json`;
    const socket = this.options.socket(url);
    this.socket = socket;
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      let payload: Payload;
      try {
        payload = JSON.parse(String(event.data)) as Payload;
      } catch {
        return;
      }
      void this.handle(payload);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.onClosed(event.code);
    };
    socket.onerror = () => {};
  }

  private async handle(payload: Payload): Promise<void> {
    switch (payload.op) {
      case Op.Hello: {
        const interval = (payload.d as { heartbeat_interval: number }).heartbeat_interval;
        this.startHeartbeat(interval);
        const token = await this.options.token();
        if (this.sessionId !== null && this.seq !== null) {
          this.send({ op: Op.Resume, d: { token, session_id: this.sessionId, seq: this.seq } });
        } else {
          this.send({
            op: Op.Identify,
            d: { token, intents: this.options.intents, properties: { os: "web", browser: "parley", device: "parley" } },
          });
        }
        return;
      }
      case Op.Dispatch: {
        if (typeof payload.s === "number") this.seq = payload.s;
        const name = payload.t ?? "";
        if (name === "READY") {
          const ready = payload.d as { session_id: string; resume_gateway_url?: string };
          this.sessionId = ready.session_id;
          this.resumeUrl = ready.resume_gateway_url ?? null;
          this.attempts = 0;
          this.setStatus("ready");
        } else if (name === "RESUMED") {
          this.attempts = 0;
          this.setStatus("ready");
        }
        this.options.onDispatch(name, payload.d);
        return;
      }
      case Op.Heartbeat:
        this.beat();
        return;
      case Op.HeartbeatAck:
        this.acked = true;
        return;
      case Op.Reconnect:
        this.drop(4000);
        return;
      case Op.InvalidSession:
        if (payload.d !== true) this.forgetSession();
        // Discord asks for a wait of 1-5 s before identifying again.
        this.stopHeartbeat();
        setTimeout(() => {
          if (!this.stopped) this.drop(4000);
        }, 1000 + this.options.random() * 4000);
        return;
    }
  }

  private forgetSession(): void {
    this.sessionId = null;
    this.seq = null;
    this.resumeUrl = null;
  }

  private beat(): void {
    this.acked = false;
    this.send({ op: Op.Heartbeat, d: this.seq });
  }

  private startHeartbeat(interval: number): void {
    this.stopHeartbeat();
    this.acked = true;
    const tick = (delay: number) => {
      this.heartbeat = setTimeout(() => {
        if (!this.acked) {
          // No ACK since the last beat: the connection is a zombie. Drop it and resume.
          this.drop(4000);
          return;
        }
        this.beat();
        tick(interval);
      }, delay);
    };
    // The first beat is jittered, so clients reconnecting together do not beat together.
    tick(interval * this.options.random());
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) clearTimeout(this.heartbeat);
    this.heartbeat = null;
  }

  /** Closes the current socket ourselves and reconnects. */
  private drop(code: number): void {
    const socket = this.socket;
    this.socket = null;
    socket?.close(code);
    this.onClosed(code);
  }

  private onClosed(code: number): void {
    this.stopHeartbeat();
    this.socket = null;
    if (this.stopped) return;
    if (FATAL_CLOSES.has(code)) {
      this.stopped = true;
      this.closeCode = code;
      this.setStatus("closed", `gateway closed the connection (${code})`);
      return;
    }
    if (SESSION_LOST_CLOSES.has(code)) this.forgetSession();
    this.attempts += 1;
    // 0.5 s, 1 s, 2 s ... up to 30 s, with jitter.
    const delay = Math.min(30_000, 500 * 2 ** (this.attempts - 1)) * (0.5 + this.options.random() / 2);
    this.setStatus("reconnecting");
    setTimeout(() => {
      if (this.stopped) return;
      const resuming = this.sessionId !== null && this.resumeUrl !== null;
      this.open(resuming ? (this.resumeUrl as string) : this.options.url, "reconnecting");
    }, delay);
  }
}
