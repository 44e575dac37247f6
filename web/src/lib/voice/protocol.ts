// The voice WebSocket's wire protocol, as the server speaks it (server/voice/src/protocol.rs
// and docs/api.md): Discord's voice opcodes where the meaning is the same, standard WebRTC
// for the media, with the server always the one that offers.

export const VoiceOp = {
  Identify: 0,
  /** Client -> server: the SDP answer to the latest offer. */
  Answer: 1,
  Ready: 2,
  Heartbeat: 3,
  /** Server -> client: an SDP offer and which transceiver carries what. */
  SessionDescription: 4,
  Speaking: 5,
  HeartbeatAck: 6,
  Resume: 7,
  Hello: 8,
  Resumed: 9,
  IceCandidate: 10,
  ClientConnect: 11,
  /** Client -> server: pause or resume receiving one participant's video. */
  VideoSubscription: 12,
  ClientDisconnect: 13,
} as const;

/** What a transceiver carries: a participant's microphone, camera or screen. */
export type TrackKind = "audio" | "camera" | "screen";
export const VIDEO_KINDS: readonly TrackKind[] = ["camera", "screen"];

/** One transceiver of an offer: mine to publish on (`user_id` null), or someone else's. */
export interface TrackSlot {
  mid: string;
  kind: TrackKind;
  user_id: string | null;
}

/** Discord's speaking bits. */
export const Speaking = { Microphone: 1, Soundshare: 2, Priority: 4 } as const;

export interface VoiceFrame {
  op: number;
  d: unknown;
}

/** What to do after the server closed the voice socket with `code`. */
export type CloseAdvice =
  /** The socket dropped; the call goes on: reconnect and RESUME. */
  | "resume"
  /** The call was ended on purpose (left, moved, disconnected by a moderator). */
  | "ended"
  /** This connection cannot come back: join the channel again for a fresh token. */
  | "rejoin"
  /** Nothing will help (a bug or a refused token): stop and say why. */
  | "fatal";

export function closeAdvice(code: number): CloseAdvice {
  switch (code) {
    case 4014:
      return "ended";
    case 4006:
    case 4015:
    case 4016:
      return "rejoin";
    case 4001:
    case 4002:
    case 4003:
    case 4004:
    case 4005:
      return "fatal";
    default:
      // 1006 (network), 4008 (too many commands), 4009 (timed out), anything else.
      return "resume";
  }
}

/** A sentence for a person about why their voice connection ended. */
export function closeReason(code: number): string {
  switch (code) {
    case 4004:
      return "The voice server did not accept this connection. Join the channel again.";
    case 4006:
      return "The voice session expired. Join the channel again.";
    case 4014:
      return "You were disconnected from the voice channel.";
    case 4015:
      return "Your browser and the voice server could not set up media (a firewall may block UDP). Try again, or ask the operator about TURN.";
    case 4016:
      return "The voice server is restarting.";
    default:
      return `The voice connection closed (${code}).`;
  }
}

/** The voice socket's URL: the endpoint VOICE_SERVER_UPDATE gave (host and path, no
 * scheme, as Discord gives it), over TLS exactly when the gateway is. */
export function voiceUrl(endpoint: string, gatewayUrl: string): string {
  const secure = gatewayUrl.startsWith("wss:") || gatewayUrl.startsWith("https:");
  const bare = endpoint.replace(/^[a-z]+:\/\//, "");
  return `${secure ? "wss" : "ws"}://${bare}`;
}
