//! The permission bit set, at Discord's bit positions, serialised as a decimal string.

use std::fmt;
use std::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Not};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A set of permissions. Only bits Parley knows are ever set: parsing drops unknown bits.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Permissions(u64);

macro_rules! permissions {
    ($($name:ident = $bit:expr),* $(,)?) => {
        impl Permissions {
            $(pub const $name: Permissions = Permissions(1 << $bit);)*
            /// Every permission Parley knows.
            pub const ALL: Permissions = Permissions(0 $(| (1 << $bit))*);
            /// Each flag with its Discord name, in bit order.
            pub const NAMED: &'static [(&'static str, Permissions)] = &[$((stringify!($name), Permissions(1 << $bit))),*];
        }
    };
}

permissions! {
    CREATE_INSTANT_INVITE = 0,
    KICK_MEMBERS = 1,
    BAN_MEMBERS = 2,
    ADMINISTRATOR = 3,
    MANAGE_CHANNELS = 4,
    MANAGE_GUILD = 5,
    ADD_REACTIONS = 6,
    VIEW_AUDIT_LOG = 7,
    PRIORITY_SPEAKER = 8,
    STREAM = 9,
    VIEW_CHANNEL = 10,
    SEND_MESSAGES = 11,
    SEND_TTS_MESSAGES = 12,
    MANAGE_MESSAGES = 13,
    EMBED_LINKS = 14,
    ATTACH_FILES = 15,
    READ_MESSAGE_HISTORY = 16,
    MENTION_EVERYONE = 17,
    USE_EXTERNAL_EMOJIS = 18,
    VIEW_GUILD_INSIGHTS = 19,
    CONNECT = 20,
    SPEAK = 21,
    MUTE_MEMBERS = 22,
    DEAFEN_MEMBERS = 23,
    MOVE_MEMBERS = 24,
    USE_VAD = 25,
    CHANGE_NICKNAME = 26,
    MANAGE_NICKNAMES = 27,
    MANAGE_ROLES = 28,
    MANAGE_WEBHOOKS = 29,
    MANAGE_GUILD_EXPRESSIONS = 30,
    USE_APPLICATION_COMMANDS = 31,
    REQUEST_TO_SPEAK = 32,
    MANAGE_EVENTS = 33,
    MANAGE_THREADS = 34,
    CREATE_PUBLIC_THREADS = 35,
    CREATE_PRIVATE_THREADS = 36,
    USE_EXTERNAL_STICKERS = 37,
    SEND_MESSAGES_IN_THREADS = 38,
    USE_EMBEDDED_ACTIVITIES = 39,
    MODERATE_MEMBERS = 40,
    VIEW_CREATOR_MONETIZATION_ANALYTICS = 41,
    USE_SOUNDBOARD = 42,
    CREATE_GUILD_EXPRESSIONS = 43,
    CREATE_EVENTS = 44,
    USE_EXTERNAL_SOUNDS = 45,
    SEND_VOICE_MESSAGES = 46,
    SET_VOICE_CHANNEL_STATUS = 48,
    SEND_POLLS = 49,
    USE_EXTERNAL_APPS = 50,
    PIN_MESSAGES = 51,
}

impl Permissions {
    pub const NONE: Permissions = Permissions(0);

    /// The permissions @everyone gets in a new guild: what Discord gives by default.
    pub const DEFAULT_EVERYONE: Permissions = Permissions(
        Self::CREATE_INSTANT_INVITE.0
            | Self::ADD_REACTIONS.0
            | Self::STREAM.0
            | Self::VIEW_CHANNEL.0
            | Self::SEND_MESSAGES.0
            | Self::EMBED_LINKS.0
            | Self::ATTACH_FILES.0
            | Self::READ_MESSAGE_HISTORY.0
            | Self::USE_EXTERNAL_EMOJIS.0
            | Self::CONNECT.0
            | Self::SPEAK.0
            | Self::USE_VAD.0
            | Self::CHANGE_NICKNAME.0
            | Self::USE_APPLICATION_COMMANDS.0
            | Self::REQUEST_TO_SPEAK.0
            | Self::CREATE_PUBLIC_THREADS.0
            | Self::CREATE_PRIVATE_THREADS.0
            | Self::USE_EXTERNAL_STICKERS.0
            | Self::SEND_MESSAGES_IN_THREADS.0
            | Self::USE_EMBEDDED_ACTIVITIES.0
            | Self::SEND_VOICE_MESSAGES.0
            | Self::SEND_POLLS.0
            | Self::USE_EXTERNAL_APPS.0,
    );

    /// Keeps only the bits Parley knows.
    pub const fn from_bits_truncate(bits: u64) -> Self {
        Self(bits & Self::ALL.0)
    }
    pub const fn bits(self) -> u64 {
        self.0
    }
    pub const fn contains(self, other: Permissions) -> bool {
        self.0 & other.0 == other.0
    }
    pub const fn intersects(self, other: Permissions) -> bool {
        self.0 & other.0 != 0
    }
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// `self` with `deny` removed and then `allow` added: one overwrite step.
    pub const fn overwrite(self, allow: Permissions, deny: Permissions) -> Self {
        Self((self.0 & !deny.0) | allow.0)
    }
    /// The permissions of `self` that `other` lacks.
    pub const fn missing_from(self, other: Permissions) -> Self {
        Self(self.0 & !other.0)
    }
    /// Names of the set flags, for error messages and logs.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMED.iter().filter(|(_, p)| self.contains(*p)).map(|(n, _)| *n).collect()
    }
}

impl BitOr for Permissions {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}
impl BitOrAssign for Permissions {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}
impl BitAnd for Permissions {
    type Output = Self;
    fn bitand(self, rhs: Self) -> Self {
        Self(self.0 & rhs.0)
    }
}
impl BitAndAssign for Permissions {
    fn bitand_assign(&mut self, rhs: Self) {
        self.0 &= rhs.0;
    }
}
impl Not for Permissions {
    type Output = Self;
    /// The complement within the known permissions.
    fn not(self) -> Self {
        Self(!self.0 & Self::ALL.0)
    }
}

impl fmt::Debug for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Permissions({})", self.names().join(" | "))
    }
}

impl Serialize for Permissions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Permissions {
    /// Discord sends permissions as decimal strings; a bare integer is accepted too.
    /// Unknown bits are dropped rather than refused, as Discord does for older clients.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(u64),
            Str(String),
        }
        let bits = match Raw::deserialize(d)? {
            Raw::Int(v) => v,
            Raw::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse().map_err(|_| serde::de::Error::custom("permissions must fit in 64 bits"))?
            }
            Raw::Str(_) => return Err(serde::de::Error::custom("permissions must be a decimal string")),
        };
        Ok(Self::from_bits_truncate(bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_sit_where_discord_puts_them() {
        assert_eq!(Permissions::ADMINISTRATOR.bits(), 8);
        assert_eq!(Permissions::VIEW_CHANNEL.bits(), 1024);
        assert_eq!(Permissions::SEND_MESSAGES.bits(), 2048);
        assert_eq!(Permissions::MODERATE_MEMBERS.bits(), 1 << 40);
        assert_eq!(Permissions::PIN_MESSAGES.bits(), 1 << 51);
    }

    #[test]
    fn permissions_travel_as_decimal_strings_and_unknown_bits_are_dropped() {
        let p = Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES;
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"3072\"");
        assert_eq!(serde_json::from_str::<Permissions>("\"3072\"").unwrap(), p);
        assert_eq!(serde_json::from_str::<Permissions>("3072").unwrap(), p);
        let unknown = 1u64 << 63 | 1 << 47;
        assert_eq!(
            serde_json::from_str::<Permissions>(&format!("\"{}\"", unknown | 1024)).unwrap(),
            Permissions::VIEW_CHANNEL
        );
        assert!(serde_json::from_str::<Permissions>("\"-1\"").is_err());
        assert!(serde_json::from_str::<Permissions>("\"12x\"").is_err());
    }

    #[test]
    fn an_overwrite_step_denies_then_allows() {
        let base = Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES;
        let after = base.overwrite(Permissions::SEND_MESSAGES, Permissions::SEND_MESSAGES | Permissions::VIEW_CHANNEL);
        assert_eq!(after, Permissions::SEND_MESSAGES, "allow wins over deny within one overwrite");
    }
}
