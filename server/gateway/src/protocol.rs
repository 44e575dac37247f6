//! The gateway's wire format in Discord's JSON encoding: opcodes, close codes, what clients
//! send (parsed into typed commands at the edge) and the frames the server writes.

use serde::Deserialize;
use serde_json::Value;

/// Discord's gateway opcodes.
pub mod op {
    pub const DISPATCH: u64 = 0;
    pub const HEARTBEAT: u64 = 1;
    pub const IDENTIFY: u64 = 2;
    pub const PRESENCE_UPDATE: u64 = 3;
    pub const VOICE_STATE_UPDATE: u64 = 4;
    pub const RESUME: u64 = 6;
    pub const RECONNECT: u64 = 7;
    pub const REQUEST_GUILD_MEMBERS: u64 = 8;
    pub const INVALID_SESSION: u64 = 9;
    pub const HELLO: u64 = 10;
    pub const HEARTBEAT_ACK: u64 = 11;
}

/// Discord's gateway close codes, with their meanings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseCode {
    /// Something went wrong (here also: the session fell too far behind). Reconnect and resume.
    UnknownError,
    UnknownOpcode,
    DecodeError,
    NotAuthenticated,
    AuthenticationFailed,
    AlreadyAuthenticated,
    InvalidSeq,
    RateLimited,
    /// 4008 too: the account started sessions faster than it may (the IDENTIFY limits).
    IdentifyLimit,
    /// 4008 too: the account holds as many live sessions on this node as it may.
    SessionLimit,
    SessionTimedOut,
    InvalidShard,
    ShardingRequired,
    InvalidApiVersion,
    InvalidIntents,
    DisallowedIntents,
}

impl CloseCode {
    /// One variant per close code Discord defines (4008 also has two more specific twins).
    pub const ALL: [CloseCode; 14] = [
        Self::UnknownError,
        Self::UnknownOpcode,
        Self::DecodeError,
        Self::NotAuthenticated,
        Self::AuthenticationFailed,
        Self::AlreadyAuthenticated,
        Self::InvalidSeq,
        Self::RateLimited,
        Self::SessionTimedOut,
        Self::InvalidShard,
        Self::ShardingRequired,
        Self::InvalidApiVersion,
        Self::InvalidIntents,
        Self::DisallowedIntents,
    ];

    pub const fn code(self) -> u16 {
        match self {
            Self::UnknownError => 4000,
            Self::UnknownOpcode => 4001,
            Self::DecodeError => 4002,
            Self::NotAuthenticated => 4003,
            Self::AuthenticationFailed => 4004,
            Self::AlreadyAuthenticated => 4005,
            Self::InvalidSeq => 4007,
            Self::RateLimited | Self::IdentifyLimit | Self::SessionLimit => 4008,
            Self::SessionTimedOut => 4009,
            Self::InvalidShard => 4010,
            Self::ShardingRequired => 4011,
            Self::InvalidApiVersion => 4012,
            Self::InvalidIntents => 4013,
            Self::DisallowedIntents => 4014,
        }
    }

    /// The close frame's reason text.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::UnknownError => "Unknown error; reconnect and resume",
            Self::UnknownOpcode => "Unknown opcode",
            Self::DecodeError => "Decode error: send valid JSON payloads of at most 4096 bytes",
            Self::NotAuthenticated => "Not authenticated: identify first",
            Self::AuthenticationFailed => "Authentication failed",
            Self::AlreadyAuthenticated => "Already authenticated",
            Self::InvalidSeq => "Invalid seq",
            Self::RateLimited => "Rate limited: too many commands on this connection",
            Self::IdentifyLimit => {
                "Rate limited: too many IDENTIFYs for this account; see GET /gateway/bot's session_start_limit"
            }
            Self::SessionLimit => {
                "Rate limited: this account holds as many gateway sessions as it may; close one first"
            }
            Self::SessionTimedOut => "Session timed out: no heartbeat",
            Self::InvalidShard => "Invalid shard: Parley serves shard [0, 1] only",
            Self::ShardingRequired => "Sharding required",
            Self::InvalidApiVersion => "Invalid API version: use v=10",
            Self::InvalidIntents => "Invalid intents",
            Self::DisallowedIntents => "Disallowed intents: enable the privileged intent for this bot first",
        }
    }

    /// Whether Discord's libraries may resume after it (the others need a new IDENTIFY or
    /// stop altogether).
    pub const fn resumable(self) -> bool {
        matches!(
            self,
            Self::UnknownError
                | Self::UnknownOpcode
                | Self::DecodeError
                | Self::InvalidSeq
                | Self::RateLimited
                | Self::IdentifyLimit
                | Self::SessionLimit
                | Self::SessionTimedOut
        )
    }
}

/// The most bytes a client payload may have (Discord's limit).
pub const MAX_CLIENT_PAYLOAD: usize = 4096;

/// Client commands as parsed at the edge. Anything that does not parse is a decode error.
#[derive(Debug)]
pub enum Command {
    /// `d`: the last sequence number the client received, if any.
    Heartbeat(Option<u64>),
    Identify(Box<Identify>),
    PresenceUpdate(PresenceUpdate),
    VoiceStateUpdate(Value),
    Resume(Resume),
    RequestGuildMembers(RequestGuildMembers),
}

#[derive(Debug, Deserialize)]
pub struct Identify {
    pub token: String,
    #[serde(default)]
    pub properties: Value,
    pub intents: Option<u64>,
    #[serde(default)]
    pub compress: bool,
    pub large_threshold: Option<u64>,
    pub shard: Option<[u64; 2]>,
    pub presence: Option<PresenceUpdate>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct PresenceUpdate {
    /// When the client went idle. Discord documents Unix milliseconds or `null`; libraries
    /// send other valid forms (serenity serialises a `SystemTime` as an object), and Parley
    /// does not use it, so any JSON value is accepted.
    #[serde(default)]
    pub since: Option<Value>,
    #[serde(default)]
    pub activities: Vec<Value>,
    pub status: String,
    #[serde(default)]
    pub afk: bool,
}

#[derive(Debug, Deserialize)]
pub struct Resume {
    pub token: String,
    pub session_id: String,
    pub seq: u64,
}

#[derive(Debug, Deserialize)]
pub struct RequestGuildMembers {
    /// One id, or several (Discord accepts both).
    pub guild_id: GuildIds,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub limit: u64,
    #[serde(default)]
    pub presences: bool,
    #[serde(default)]
    pub user_ids: Option<UserIds>,
    pub nonce: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum GuildIds {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum UserIds {
    One(String),
    Many(Vec<String>),
}

impl GuildIds {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(id) => vec![id],
            Self::Many(ids) => ids,
        }
    }
}

impl UserIds {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(id) => vec![id],
            Self::Many(ids) => ids,
        }
    }
}

/// Why a client frame was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameError {
    /// Not JSON, too large, or a `d` that does not fit its opcode.
    Decode,
    /// An opcode clients may not send.
    UnknownOpcode,
}

impl FrameError {
    pub fn close_code(&self) -> CloseCode {
        match self {
            Self::Decode => CloseCode::DecodeError,
            Self::UnknownOpcode => CloseCode::UnknownOpcode,
        }
    }
}

/// Parses one client payload.
pub fn parse_command(text: &str) -> Result<Command, FrameError> {
    if text.len() > MAX_CLIENT_PAYLOAD {
        return Err(FrameError::Decode);
    }
    #[derive(Deserialize)]
    struct Frame {
        op: u64,
        #[serde(default)]
        d: Value,
    }
    let frame: Frame = serde_json::from_str(text).map_err(|_| FrameError::Decode)?;
    if contains_nul(&frame.d) {
        // No text Parley keeps or searches may hold U+0000.
        return Err(FrameError::Decode);
    }
    fn typed<T: serde::de::DeserializeOwned>(d: Value) -> Result<T, FrameError> {
        serde_json::from_value(d).map_err(|_| FrameError::Decode)
    }
    Ok(match frame.op {
        op::HEARTBEAT => Command::Heartbeat(match frame.d {
            Value::Null => None,
            d => Some(d.as_u64().ok_or(FrameError::Decode)?),
        }),
        op::IDENTIFY => Command::Identify(Box::new(typed(frame.d)?)),
        op::PRESENCE_UPDATE => Command::PresenceUpdate(typed(frame.d)?),
        op::VOICE_STATE_UPDATE => Command::VoiceStateUpdate(frame.d),
        op::RESUME => Command::Resume(typed(frame.d)?),
        op::REQUEST_GUILD_MEMBERS => Command::RequestGuildMembers(typed(frame.d)?),
        _ => return Err(FrameError::UnknownOpcode),
    })
}

fn contains_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(contains_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || contains_nul(v)),
        _ => false,
    }
}

/// A dispatch frame: the event's shared JSON `d` inside this session's envelope.
pub fn dispatch(seq: u64, name: &str, d: &str) -> String {
    let mut frame = String::with_capacity(d.len() + name.len() + 40);
    frame.push_str("{\"op\":0,\"s\":");
    frame.push_str(&seq.to_string());
    frame.push_str(",\"t\":\"");
    frame.push_str(name);
    frame.push_str("\",\"d\":");
    frame.push_str(d);
    frame.push('}');
    frame
}

pub fn hello(heartbeat_interval_ms: u64) -> String {
    format!("{{\"op\":10,\"s\":null,\"t\":null,\"d\":{{\"heartbeat_interval\":{heartbeat_interval_ms}}}}}")
}

pub fn heartbeat_ack() -> String {
    "{\"op\":11,\"s\":null,\"t\":null,\"d\":null}".to_owned()
}

/// The server asking the client to heartbeat now.
pub fn heartbeat_request() -> String {
    "{\"op\":1,\"s\":null,\"t\":null,\"d\":null}".to_owned()
}

pub fn reconnect() -> String {
    "{\"op\":7,\"s\":null,\"t\":null,\"d\":null}".to_owned()
}

pub fn invalid_session(resumable: bool) -> String {
    format!("{{\"op\":9,\"s\":null,\"t\":null,\"d\":{resumable}}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dispatch_frame_is_valid_json_in_discords_envelope() {
        let frame: Value = serde_json::from_str(&dispatch(7, "MESSAGE_CREATE", r#"{"id":"1"}"#)).unwrap();
        assert_eq!(frame, serde_json::json!({"op": 0, "s": 7, "t": "MESSAGE_CREATE", "d": {"id": "1"}}));
        for fixed in [hello(41250), heartbeat_ack(), heartbeat_request(), reconnect(), invalid_session(false)] {
            serde_json::from_str::<Value>(&fixed).unwrap();
        }
    }

    #[test]
    fn commands_parse_into_their_types_and_anything_else_is_refused() {
        assert!(matches!(parse_command(r#"{"op":1,"d":null}"#), Ok(Command::Heartbeat(None))));
        assert!(matches!(parse_command(r#"{"op":1,"d":42}"#), Ok(Command::Heartbeat(Some(42)))));
        let identify = parse_command(r#"{"op":2,"d":{"token":"t","intents":513,"properties":{"os":"linux"}}}"#);
        assert!(matches!(identify, Ok(Command::Identify(i)) if i.intents == Some(513)));
        assert_eq!(parse_command("{not json").unwrap_err(), FrameError::Decode);
        assert_eq!(parse_command(r#"{"op":1,"d":"x"}"#).unwrap_err(), FrameError::Decode);
        assert_eq!(parse_command(r#"{"op":2,"d":{}}"#).unwrap_err(), FrameError::Decode, "identify needs a token");
        assert_eq!(parse_command(r#"{"op":11,"d":null}"#).unwrap_err(), FrameError::UnknownOpcode);
        assert_eq!(parse_command(r#"{"op":0,"d":null}"#).unwrap_err(), FrameError::UnknownOpcode);
        let nul = r#"{"op":8,"d":{"guild_id":"1","query":"a\u0000b","limit":0}}"#;
        assert_eq!(parse_command(nul).unwrap_err(), FrameError::Decode, "text with NUL");
        let huge = format!(r#"{{"op":1,"d":null,"pad":"{}"}}"#, "x".repeat(MAX_CLIENT_PAYLOAD));
        assert_eq!(parse_command(&huge).unwrap_err(), FrameError::Decode);
    }

    #[test]
    fn every_form_of_presence_since_that_libraries_send_is_accepted() {
        // discord.py and discord.js: milliseconds or null; serenity: a serialised SystemTime.
        for since in ["null", "1765000000000", "0.5", r#"{"secs_since_epoch":1765000000,"nanos_since_epoch":12}"#] {
            let frame = format!(
                r#"{{"op":2,"d":{{"token":"t","intents":1,"presence":{{"since":{since},"status":"online","activities":[],"afk":false}}}}}}"#
            );
            assert!(matches!(parse_command(&frame), Ok(Command::Identify(_))), "since = {since}");
        }
        assert!(matches!(
            parse_command(r#"{"op":3,"d":{"status":"idle","activities":[]}}"#),
            Ok(Command::PresenceUpdate(_))
        ));
    }

    #[test]
    fn close_codes_keep_discords_numbers() {
        let codes: Vec<u16> = CloseCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes, vec![4000, 4001, 4002, 4003, 4004, 4005, 4007, 4008, 4009, 4010, 4011, 4012, 4013, 4014]);
        assert_eq!((CloseCode::IdentifyLimit.code(), CloseCode::SessionLimit.code()), (4008, 4008));
        for code in CloseCode::ALL.iter().chain(&[CloseCode::IdentifyLimit, CloseCode::SessionLimit]) {
            // A close frame's reason must fit in 123 bytes.
            assert!(code.reason().len() <= 123, "{code:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn no_input_makes_the_parser_panic(text in ".{0,600}") {
            let _ = parse_command(&text);
        }

        #[test]
        fn json_shaped_garbage_never_panics_either(op in 0u64..20, d in "[\\[\\]{}\":,0-9a-z ]{0,200}") {
            let _ = parse_command(&format!("{{\"op\":{op},\"d\":{d}}}"));
        }
    }
}
