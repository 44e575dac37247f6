//! The voice WebSocket's wire protocol: opcodes, close codes and payloads.
//!
//! Discord's voice gateway numbers are kept where the meaning is the same (IDENTIFY 0,
//! READY 2, HEARTBEAT 3, SPEAKING 5, HEARTBEAT_ACK 6, RESUME 7, HELLO 8, RESUMED 9,
//! CLIENT_DISCONNECT 13, and the 4001-4016 close codes). Media differs on purpose: Discord
//! sends its own UDP protocol after op 1; Parley speaks standard WebRTC, so the server sends
//! SDP offers (op 4, SESSION_DESCRIPTION) that the client answers (op 1), and both trickle
//! ICE candidates (op 10). Only the server ever offers, so the two sides never collide
//! (no "glare"); a client turns its camera or screen on and off by replacing the track on
//! a transceiver it was given, which needs no renegotiation.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Opcodes, both directions.
pub mod op {
    pub const IDENTIFY: u8 = 0;
    /// Client -> server: the SDP answer to the server's latest offer.
    pub const ANSWER: u8 = 1;
    pub const READY: u8 = 2;
    pub const HEARTBEAT: u8 = 3;
    /// Server -> client: an SDP offer and which transceiver carries what.
    pub const SESSION_DESCRIPTION: u8 = 4;
    pub const SPEAKING: u8 = 5;
    pub const HEARTBEAT_ACK: u8 = 6;
    pub const RESUME: u8 = 7;
    pub const HELLO: u8 = 8;
    pub const RESUMED: u8 = 9;
    /// Both ways: one trickled ICE candidate.
    pub const ICE_CANDIDATE: u8 = 10;
    /// Server -> client: someone joined the call.
    pub const CLIENT_CONNECT: u8 = 11;
    /// Client -> server: pause or resume receiving one participant's video.
    pub const VIDEO_SUBSCRIPTION: u8 = 12;
    pub const CLIENT_DISCONNECT: u8 = 13;
}

/// Why the server closed a voice connection (Discord's voice close codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseCode {
    UnknownOpcode,
    DecodeError,
    NotAuthenticated,
    AuthenticationFailed,
    AlreadyAuthenticated,
    /// The token is no longer valid: resume refused, identify again with a fresh token.
    SessionNoLongerValid,
    RateLimited,
    SessionTimeout,
    /// The member left the channel, moved, or was disconnected: do not reconnect.
    Disconnected,
    /// Media could not be set up (a bad SDP answer, or ICE failed).
    MediaFailed,
    /// The node is shutting down: reconnect (elsewhere).
    ServerShutdown,
}

impl CloseCode {
    pub fn code(self) -> u16 {
        match self {
            Self::UnknownOpcode => 4001,
            Self::DecodeError => 4002,
            Self::NotAuthenticated => 4003,
            Self::AuthenticationFailed => 4004,
            Self::AlreadyAuthenticated => 4005,
            Self::SessionNoLongerValid => 4006,
            Self::RateLimited => 4008,
            Self::SessionTimeout => 4009,
            Self::Disconnected => 4014,
            Self::MediaFailed => 4015,
            Self::ServerShutdown => 4016,
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            Self::UnknownOpcode => "unknown opcode",
            Self::DecodeError => "failed to decode payload",
            Self::NotAuthenticated => "not authenticated: identify first",
            Self::AuthenticationFailed => "authentication failed: the token is not valid for this user and server",
            Self::AlreadyAuthenticated => "already authenticated",
            Self::SessionNoLongerValid => "session no longer valid: join the voice channel again",
            Self::RateLimited => "too many commands",
            Self::SessionTimeout => "session timed out: no heartbeat",
            Self::Disconnected => "disconnected from the voice channel",
            Self::MediaFailed => "media could not be set up",
            Self::ServerShutdown => "the server is restarting: reconnect",
        }
    }
}

/// One frame from the client: an opcode and its payload, decoded further by opcode.
#[derive(Debug, Deserialize)]
pub struct ClientFrame {
    pub op: u8,
    #[serde(default)]
    pub d: Value,
}

#[derive(Debug, Deserialize)]
pub struct Identify {
    /// The guild id (or the DM channel id for calls), as VOICE_SERVER_UPDATE gave it.
    pub server_id: String,
    pub user_id: String,
    pub session_id: String,
    pub token: String,
}

#[derive(Debug, Deserialize)]
pub struct Resume {
    pub server_id: String,
    pub session_id: String,
    pub token: String,
}

#[derive(Debug, Deserialize)]
pub struct Answer {
    pub sdp: String,
}

#[derive(Debug, Deserialize)]
pub struct Speaking {
    /// Discord's bit field: 1 microphone, 2 soundshare, 4 priority.
    pub speaking: u8,
}

#[derive(Debug, Deserialize)]
pub struct VideoSubscription {
    pub user_id: String,
    pub kind: TrackKind,
    pub paused: bool,
}

/// What a transceiver carries: a participant's microphone, camera or screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackKind {
    Audio,
    Camera,
    Screen,
}

impl TrackKind {
    pub const ALL: [TrackKind; 3] = [TrackKind::Audio, TrackKind::Camera, TrackKind::Screen];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Audio => "audio",
            Self::Camera => "camera",
            Self::Screen => "screen",
        }
    }

    pub fn is_video(self) -> bool {
        self != Self::Audio
    }
}

/// One transceiver of an offer: the client's own (to publish on) or someone else's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackSlot {
    pub mid: String,
    pub kind: TrackKind,
    /// Whose media this transceiver receives; `None` for the client's own publishing slots.
    pub user_id: Option<String>,
}

/// Builds a server frame.
pub fn frame(op: u8, d: impl Serialize) -> String {
    serde_json::json!({ "op": op, "d": d }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes_are_discords_voice_codes() {
        assert_eq!(CloseCode::AuthenticationFailed.code(), 4004);
        assert_eq!(CloseCode::SessionNoLongerValid.code(), 4006);
        assert_eq!(CloseCode::Disconnected.code(), 4014);
    }

    #[test]
    fn a_frame_without_a_payload_decodes_with_null_data() {
        let frame: ClientFrame = serde_json::from_str(r#"{"op":3}"#).unwrap();
        assert_eq!(frame.op, op::HEARTBEAT);
        assert!(frame.d.is_null());
    }

    #[test]
    fn track_kinds_are_snake_case_on_the_wire() {
        assert_eq!(serde_json::to_string(&TrackKind::Screen).unwrap(), "\"screen\"");
        let slot = TrackSlot { mid: "2".into(), kind: TrackKind::Camera, user_id: Some("7".into()) };
        assert_eq!(serde_json::to_value(&slot).unwrap()["kind"], "camera");
    }
}
