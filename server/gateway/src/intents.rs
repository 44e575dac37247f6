//! Gateway intents: which kinds of events a session asked for. Discord's bit positions; the
//! privileged ones (members, presences, message content) must be granted to bots.

use parley_events::EventName;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Intents(pub u64);

impl Intents {
    pub const GUILDS: u64 = 1 << 0;
    pub const GUILD_MEMBERS: u64 = 1 << 1;
    pub const GUILD_MODERATION: u64 = 1 << 2;
    pub const GUILD_EXPRESSIONS: u64 = 1 << 3;
    pub const GUILD_INTEGRATIONS: u64 = 1 << 4;
    pub const GUILD_WEBHOOKS: u64 = 1 << 5;
    pub const GUILD_INVITES: u64 = 1 << 6;
    pub const GUILD_VOICE_STATES: u64 = 1 << 7;
    pub const GUILD_PRESENCES: u64 = 1 << 8;
    pub const GUILD_MESSAGES: u64 = 1 << 9;
    pub const GUILD_MESSAGE_REACTIONS: u64 = 1 << 10;
    pub const GUILD_MESSAGE_TYPING: u64 = 1 << 11;
    pub const DIRECT_MESSAGES: u64 = 1 << 12;
    pub const DIRECT_MESSAGE_REACTIONS: u64 = 1 << 13;
    pub const DIRECT_MESSAGE_TYPING: u64 = 1 << 14;
    pub const MESSAGE_CONTENT: u64 = 1 << 15;
    pub const GUILD_SCHEDULED_EVENTS: u64 = 1 << 16;
    pub const AUTO_MODERATION_CONFIGURATION: u64 = 1 << 20;
    pub const AUTO_MODERATION_EXECUTION: u64 = 1 << 21;
    pub const GUILD_MESSAGE_POLLS: u64 = 1 << 24;
    pub const DIRECT_MESSAGE_POLLS: u64 = 1 << 25;

    /// Every bit Discord defines; anything else is an invalid intent (4013).
    pub const KNOWN: u64 = ((1 << 17) - 1)
        | Self::AUTO_MODERATION_CONFIGURATION
        | Self::AUTO_MODERATION_EXECUTION
        | Self::GUILD_MESSAGE_POLLS
        | Self::DIRECT_MESSAGE_POLLS;
    pub const PRIVILEGED: u64 = Self::GUILD_MEMBERS | Self::GUILD_PRESENCES | Self::MESSAGE_CONTENT;

    /// The privileged intents an application's flags allow its bot.
    pub fn granted_by_application_flags(flags: i64) -> u64 {
        use parley_app::objects::application::{GATEWAY_GUILD_MEMBERS, GATEWAY_MESSAGE_CONTENT, GATEWAY_PRESENCE};
        let mut granted = 0;
        if flags & GATEWAY_PRESENCE != 0 {
            granted |= Self::GUILD_PRESENCES;
        }
        if flags & GATEWAY_GUILD_MEMBERS != 0 {
            granted |= Self::GUILD_MEMBERS;
        }
        if flags & GATEWAY_MESSAGE_CONTENT != 0 {
            granted |= Self::MESSAGE_CONTENT;
        }
        granted
    }

    /// Whether message content must be withheld from this session: bots without the
    /// MESSAGE_CONTENT intent (people always see what they may read).
    pub fn withholds_content(self, bot: bool) -> bool {
        bot && !self.has(Self::MESSAGE_CONTENT)
    }

    /// `None` when `bits` holds an intent Discord does not define.
    pub fn parse(bits: u64) -> Option<Self> {
        (bits & !Self::KNOWN == 0).then_some(Self(bits))
    }

    pub fn has(self, bits: u64) -> bool {
        self.0 & bits == bits
    }

    /// The intent a session needs to receive `name`; `private` for DMs and group DMs. `None`:
    /// sent to everyone it concerns, whatever their intents (READY-like and user-only events).
    pub fn required_for(name: EventName, private: bool) -> Option<u64> {
        use EventName::*;
        let (guild, dm) = match name {
            GuildCreate | GuildUpdate | GuildDelete | GuildRoleCreate | GuildRoleUpdate | GuildRoleDelete
            | ThreadCreate | ThreadUpdate | ThreadDelete | ThreadMemberUpdate => (Self::GUILDS, None),
            // Others' comings and goings need GUILD_MEMBERS; fan-out sends the people added or
            // removed their own with GUILDS alone, as Discord does.
            ThreadMembersUpdate => (Self::GUILD_MEMBERS, None),
            // Private channels opening and closing reach their people whatever they asked for.
            ChannelCreate | ChannelUpdate | ChannelDelete => (Self::GUILDS, None),
            ChannelPinsUpdate => (Self::GUILDS, Some(Self::DIRECT_MESSAGES)),
            GuildMemberAdd | GuildMemberUpdate | GuildMemberRemove => (Self::GUILD_MEMBERS, None),
            GuildBanAdd | GuildBanRemove => (Self::GUILD_MODERATION, None),
            InviteCreate | InviteDelete => (Self::GUILD_INVITES, None),
            WebhooksUpdate => (Self::GUILD_WEBHOOKS, None),
            GuildEmojisUpdate => (Self::GUILD_EXPRESSIONS, None),
            MessageCreate | MessageUpdate | MessageDelete | MessageDeleteBulk => {
                (Self::GUILD_MESSAGES, Some(Self::DIRECT_MESSAGES))
            }
            MessageReactionAdd | MessageReactionRemove | MessageReactionRemoveAll | MessageReactionRemoveEmoji => {
                (Self::GUILD_MESSAGE_REACTIONS, Some(Self::DIRECT_MESSAGE_REACTIONS))
            }
            TypingStart => (Self::GUILD_MESSAGE_TYPING, Some(Self::DIRECT_MESSAGE_TYPING)),
            PresenceUpdate => (Self::GUILD_PRESENCES, None),
            VoiceStateUpdate => (Self::GUILD_VOICE_STATES, None),
            MessageAck
            | UserUpdate
            | UserGuildSettingsUpdate
            | UserSettingsUpdate
            | RelationshipAdd
            | RelationshipRemove
            | InteractionCreate
            | ApplicationCommandPermissionsUpdate
            | InteractionSuccess
            | InteractionModalCreate
            | ApplicationCommandAutocompleteResponse
            | ChannelRecipientAdd
            | ChannelRecipientRemove
            | CallCreate
            | CallDelete
            | VoiceMove
            | VoiceGrant
            | SessionsRevoked => {
                return None;
            }
        };
        if private { dm } else { Some(guild) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_bits_are_refused_and_known_ones_kept() {
        assert_eq!(Intents::parse(3276799), Some(Intents(3276799)), "every intent at once (what bots often send)");
        assert!(Intents::parse(1 << 17).is_none());
        assert!(Intents::parse(1 << 40).is_none());
        assert!(Intents(Intents::GUILDS | Intents::GUILD_MESSAGES).has(Intents::GUILD_MESSAGES));
    }

    #[test]
    fn messages_need_the_guild_or_dm_intent_by_where_they_are() {
        assert_eq!(Intents::required_for(EventName::MessageCreate, false), Some(Intents::GUILD_MESSAGES));
        assert_eq!(Intents::required_for(EventName::MessageCreate, true), Some(Intents::DIRECT_MESSAGES));
        assert_eq!(Intents::required_for(EventName::ChannelCreate, true), None);
        assert_eq!(Intents::required_for(EventName::MessageAck, false), None);
    }

    #[test]
    fn clearing_reactions_needs_the_reaction_intents_as_each_reaction_does() {
        for name in [EventName::MessageReactionRemoveAll, EventName::MessageReactionRemoveEmoji] {
            assert_eq!(Intents::required_for(name, false), Some(Intents::GUILD_MESSAGE_REACTIONS));
            assert_eq!(Intents::required_for(name, true), Some(Intents::DIRECT_MESSAGE_REACTIONS));
        }
    }

    #[test]
    fn others_thread_memberships_need_guild_members_and_ones_own_guilds() {
        assert_eq!(Intents::required_for(EventName::ThreadMembersUpdate, false), Some(Intents::GUILD_MEMBERS));
        assert_eq!(Intents::required_for(EventName::ThreadMemberUpdate, false), Some(Intents::GUILDS));
    }
}
