// One voice connection: the voice WebSocket (HELLO, IDENTIFY or RESUME, heartbeats) and the
// one RTCPeerConnection it signals. The server offers; this side answers, publishing the
// microphone, camera and screen on the three transceivers the server marks as ours (a track
// is swapped with replaceTrack, which needs no renegotiation) and receiving everyone else's.
//
// A dropped socket does not end the call: media keeps flowing over UDP while the socket
// reconnects and RESUMEs (the server keeps the call for its resume window and sends any
// unanswered offer again).

import { closeAdvice, type CloseAdvice, type TrackKind, type TrackSlot, VoiceOp, type VoiceFrame } from "./protocol";

export interface VoiceJoin {
  /** ws(s)://host/voice */
  url: string;
  /** The guild, or the DM channel for calls. */
  serverId: string;
  userId: string;
  /** The gateway session that holds the voice state. */
  sessionId: string;
  token: string;
}

export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "closed";

export interface ConnectionEvents {
  status(status: ConnectionStatus, ended?: { code: number; advice: CloseAdvice }): void;
  /** Someone's track arrived (or was replaced). */
  track(userId: string, kind: TrackKind, track: MediaStreamTrack): void;
  left(userId: string): void;
  speaking(userId: string, flags: number): void;
}

export interface ConnectionOptions {
  iceServers: RTCIceServer[];
  /** Use only TURN relays (for networks that block direct UDP). */
  relayOnly: boolean;
  events: ConnectionEvents;
}

/** Reconnect attempts for a dropped socket before giving up; the server keeps the call
 * for 20 s, which these delays (0.5 + 1 + 2 + 4 + 8 s) fit inside. */
const RESUME_ATTEMPTS = 5;

export class VoiceConnection {
  readonly pc: RTCPeerConnection;
  status: ConnectionStatus = "connecting";
  private socket: WebSocket | null = null;
  private identified = false;
  private closed = false;
  private attempts = 0;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private acked = true;
  private nonce = 0;
  /** Offers and candidates, applied one at a time and in order. */
  private work: Promise<void> = Promise.resolve();
  private pendingCandidates: RTCIceCandidateInit[] = [];
  /** The transceiver each of my kinds is published on, once the first offer named them. */
  private own = new Map<TrackKind, RTCRtpTransceiver>();
  private local = new Map<TrackKind, MediaStreamTrack | null>();
  private slots = new Map<string, TrackSlot>();

  constructor(
    private readonly join: VoiceJoin,
    private readonly options: ConnectionOptions,
  ) {
    this.pc = new RTCPeerConnection({
      iceServers: options.iceServers,
      iceTransportPolicy: options.relayOnly ? "relay" : "all",
      bundlePolicy: "max-bundle",
      rtcpMuxPolicy: "require",
    });
    this.pc.onicecandidate = (event) => {
      if (event.candidate) this.send(VoiceOp.IceCandidate, event.candidate.toJSON());
    };
    this.pc.ontrack = (event) => {
      const slot = event.transceiver.mid ? this.slots.get(event.transceiver.mid) : undefined;
      if (slot?.user_id) options.events.track(slot.user_id, slot.kind, event.track);
    };
    this.pc.onconnectionstatechange = () => {
      const state = this.pc.connectionState;
      if (state === "connected") this.setStatus("connected");
      // "failed" is final for this peer connection; the server sees it too and closes 4015.
      if (state === "failed") this.end(4015);
    };
  }

  /** Opens the socket and joins the call. */
  open(): void {
    this.connect();
  }

  /** What to publish as `kind` (null stops it); takes effect at once if the call is up. */
  async setTrack(kind: TrackKind, track: MediaStreamTrack | null): Promise<void> {
    this.local.set(kind, track);
    const transceiver = this.own.get(kind);
    if (transceiver) await transceiver.sender.replaceTrack(track);
  }

  speaking(flags: number): void {
    this.send(VoiceOp.Speaking, { speaking: flags, delay: 0 });
  }

  /** Stops (or resumes) receiving `userId`'s video of `kind`, for video not on screen. */
  pauseVideo(userId: string, kind: TrackKind, paused: boolean): void {
    this.send(VoiceOp.VideoSubscription, { user_id: userId, kind, paused });
  }

  /** Hangs up this side (leaving is said on the gateway; the server closes with 4014). */
  close(): void {
    this.hangUp();
    this.setStatus("closed");
  }

  /** Closes the socket and the peer connection for good. */
  private hangUp(): void {
    this.closed = true;
    this.stopHeartbeat();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000);
    this.pc.close();
  }

  private setStatus(status: ConnectionStatus, ended?: { code: number; advice: CloseAdvice }): void {
    if (this.status === status && !ended) return;
    this.status = status;
    this.options.events.status(status, ended);
  }

  private send(op: number, d: unknown): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ op, d }));
  }

  private connect(): void {
    const socket = new WebSocket(this.join.url);
    this.socket = socket;
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      let frame: VoiceFrame;
      try {
        frame = JSON.parse(String(event.data)) as VoiceFrame;
      } catch {
        return;
      }
      this.handle(frame);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.dropped(event.code);
    };
  }

  private handle(frame: VoiceFrame): void {
    const d = frame.d as Record<string, unknown>;
    switch (frame.op) {
      case VoiceOp.Hello: {
        this.startHeartbeat(Number(d.heartbeat_interval) || 13_750);
        const { serverId, userId, sessionId, token } = this.join;
        if (this.identified) {
          this.send(VoiceOp.Resume, { server_id: serverId, session_id: sessionId, token });
        } else {
          this.send(VoiceOp.Identify, { server_id: serverId, user_id: userId, session_id: sessionId, token });
        }
        return;
      }
      case VoiceOp.Ready:
        // Who is in the call comes from the gateway's voice states.
        this.identified = true;
        this.attempts = 0;
        return;
      case VoiceOp.Resumed:
        this.attempts = 0;
        if (this.pc.connectionState === "connected") this.setStatus("connected");
        return;
      case VoiceOp.HeartbeatAck:
        this.acked = true;
        return;
      case VoiceOp.SessionDescription:
        this.enqueue(() => this.answer(d as unknown as { sdp: string; tracks: TrackSlot[] }));
        return;
      case VoiceOp.IceCandidate:
        this.enqueue(() => this.candidate(d as RTCIceCandidateInit));
        return;
      case VoiceOp.Speaking:
        this.options.events.speaking(String(d.user_id), Number(d.speaking) || 0);
        return;
      case VoiceOp.ClientDisconnect:
        this.options.events.left(String(d.user_id));
        return;
    }
  }

  private enqueue(step: () => Promise<void>): void {
    this.work = this.work.then(step).catch((error: unknown) => {
      console.warn("voice negotiation step failed", error);
    });
  }

  /** Answers an offer: my slots publish what I have, everyone else's receive. */
  private async answer(offer: { sdp: string; tracks: TrackSlot[] }): Promise<void> {
    if (this.closed) return;
    for (const slot of offer.tracks) this.slots.set(slot.mid, slot);
    await this.pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
    for (const transceiver of this.pc.getTransceivers()) {
      const slot = transceiver.mid ? this.slots.get(transceiver.mid) : undefined;
      if (!slot || slot.user_id !== null) continue;
      transceiver.direction = "sendonly";
      if (this.own.get(slot.kind) !== transceiver) {
        this.own.set(slot.kind, transceiver);
        await transceiver.sender.replaceTrack(this.local.get(slot.kind) ?? null);
      }
    }
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.send(VoiceOp.Answer, { sdp: answer.sdp });
    const pending = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const candidate of pending) await this.addCandidate(candidate);
  }

  /** A server candidate; kept until the first offer is applied when it arrives before it
   * (the server starts gathering as it makes the offer). */
  private async candidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.pc.remoteDescription) {
      this.pendingCandidates.push(candidate);
      return;
    }
    await this.addCandidate(candidate);
  }

  private async addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      console.warn("voice ICE candidate ignored", error);
    }
  }

  private startHeartbeat(interval: number): void {
    this.stopHeartbeat();
    this.acked = true;
    this.heartbeat = setInterval(() => {
      if (!this.acked) {
        // No ACK since the last beat: the socket is a zombie. Drop it and resume.
        const socket = this.socket;
        this.socket = null;
        socket?.close(4000);
        this.dropped(4000);
        return;
      }
      this.acked = false;
      this.send(VoiceOp.Heartbeat, ++this.nonce);
    }, interval);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private dropped(code: number): void {
    this.stopHeartbeat();
    if (this.closed) return;
    const advice = closeAdvice(code);
    if (advice !== "resume" || !this.identified || this.attempts >= RESUME_ATTEMPTS) {
      this.end(code, advice === "resume" ? "rejoin" : advice);
      return;
    }
    this.attempts += 1;
    this.setStatus("reconnecting");
    setTimeout(() => {
      if (!this.closed) this.connect();
    }, 500 * 2 ** (this.attempts - 1));
  }

  private end(code: number, advice: CloseAdvice = closeAdvice(code)): void {
    if (this.closed) return;
    this.hangUp();
    this.setStatus("closed", { code, advice });
  }
}
