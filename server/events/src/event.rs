//! One state change, ready for the gateway: Discord's dispatch name, the audience that may
//! receive it, its typed keys (what it is about), and the payload serialised once for every
//! receiver.

use std::sync::Arc;

use parley_core::Snowflake;
use serde::Serialize;

use crate::Keys;

/// Discord's gateway dispatch names, for the changes Parley makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventName {
    GuildCreate,
    GuildUpdate,
    GuildDelete,
    GuildMemberAdd,
    GuildMemberRemove,
    ChannelCreate,
    ChannelUpdate,
    ChannelDelete,
    InviteCreate,
    InviteDelete,
    GuildRoleCreate,
    GuildRoleUpdate,
    GuildRoleDelete,
    GuildMemberUpdate,
    MessageCreate,
    MessageUpdate,
    MessageDelete,
    GuildBanAdd,
    GuildBanRemove,
    MessageReactionAdd,
    MessageReactionRemove,
    /// Every reaction on a message was removed (`{channel_id, message_id, guild_id}`).
    MessageReactionRemoveAll,
    /// Every reaction of one emoji on a message was removed (`{channel_id, guild_id,
    /// message_id, emoji}`).
    MessageReactionRemoveEmoji,
    MessageDeleteBulk,
    ChannelPinsUpdate,
    TypingStart,
    MessageAck,
    ThreadCreate,
    ThreadUpdate,
    ThreadDelete,
    /// The user's own thread member object changed (they joined a thread): to them alone.
    ThreadMemberUpdate,
    /// People were added to or removed from a thread.
    ThreadMembersUpdate,
    ChannelRecipientAdd,
    ChannelRecipientRemove,
    PresenceUpdate,
    VoiceStateUpdate,
    /// A private call began (someone joined a DM's call first); the others are rung.
    CallCreate,
    /// A private call's last participant left.
    CallDelete,
    /// A channel's webhooks changed (`{guild_id, channel_id}`).
    WebhooksUpdate,
    /// A guild's custom emoji changed (`{guild_id, emojis}`, the whole list).
    GuildEmojisUpdate,
    /// The user's own account changed (name, avatar): to them alone.
    UserUpdate,
    /// The user's notification settings for a guild (or their DMs) changed: to them alone.
    UserGuildSettingsUpdate,
    /// The user's own settings changed (who may DM them): to them alone.
    UserSettingsUpdate,
    /// The user blocked someone: to them alone.
    RelationshipAdd,
    /// The user unblocked someone: to them alone.
    RelationshipRemove,
    /// To an application's bot: the permissions of its commands in a guild changed (the guild
    /// application command permissions object).
    ApplicationCommandPermissionsUpdate,
    /// To an application's bot: someone used its command, component or modal. To the person
    /// who did: `{id, nonce}`, as Discord tells its own client.
    InteractionCreate,
    /// To the person: the application answered their interaction (`{id, nonce}`).
    InteractionSuccess,
    /// To the person: the application asks them to fill in a modal.
    InteractionModalCreate,
    /// To the person: the application's suggestions for the option they are typing.
    ApplicationCommandAutocompleteResponse,
    /// Parley's own, never dispatched: a moderator moved or disconnected a member in voice.
    /// The node whose session holds their voice state carries it out.
    VoiceMove,
    /// Parley's own, never dispatched: a voice grant issued, changed or revoked, for the
    /// other nodes' copies (the node carrying the calls redeems it).
    VoiceGrant,
    /// Parley's own, never dispatched: sign-ins ended (logout, a revoked session, a password
    /// change, a reused refresh token, a reset bot token). Every node closes the gateway and
    /// voice connections they opened.
    SessionsRevoked,
}

impl EventName {
    /// Every name, for parsing the wire form.
    pub const ALL: [EventName; 53] = [
        Self::GuildCreate,
        Self::GuildUpdate,
        Self::GuildDelete,
        Self::GuildMemberAdd,
        Self::GuildMemberRemove,
        Self::ChannelCreate,
        Self::ChannelUpdate,
        Self::ChannelDelete,
        Self::InviteCreate,
        Self::InviteDelete,
        Self::GuildRoleCreate,
        Self::GuildRoleUpdate,
        Self::GuildRoleDelete,
        Self::GuildMemberUpdate,
        Self::MessageCreate,
        Self::MessageUpdate,
        Self::MessageDelete,
        Self::GuildBanAdd,
        Self::GuildBanRemove,
        Self::MessageReactionAdd,
        Self::MessageReactionRemove,
        Self::MessageReactionRemoveAll,
        Self::MessageReactionRemoveEmoji,
        Self::MessageDeleteBulk,
        Self::ChannelPinsUpdate,
        Self::TypingStart,
        Self::MessageAck,
        Self::ThreadCreate,
        Self::ThreadUpdate,
        Self::ThreadDelete,
        Self::ThreadMemberUpdate,
        Self::ThreadMembersUpdate,
        Self::ChannelRecipientAdd,
        Self::ChannelRecipientRemove,
        Self::PresenceUpdate,
        Self::VoiceStateUpdate,
        Self::CallCreate,
        Self::CallDelete,
        Self::WebhooksUpdate,
        Self::GuildEmojisUpdate,
        Self::UserUpdate,
        Self::UserGuildSettingsUpdate,
        Self::UserSettingsUpdate,
        Self::RelationshipAdd,
        Self::RelationshipRemove,
        Self::InteractionCreate,
        Self::ApplicationCommandPermissionsUpdate,
        Self::InteractionSuccess,
        Self::InteractionModalCreate,
        Self::ApplicationCommandAutocompleteResponse,
        Self::VoiceMove,
        Self::VoiceGrant,
        Self::SessionsRevoked,
    ];

    /// The name from its Discord spelling.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|n| n.as_str() == raw)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::GuildCreate => "GUILD_CREATE",
            Self::GuildUpdate => "GUILD_UPDATE",
            Self::GuildDelete => "GUILD_DELETE",
            Self::GuildMemberAdd => "GUILD_MEMBER_ADD",
            Self::GuildMemberRemove => "GUILD_MEMBER_REMOVE",
            Self::ChannelCreate => "CHANNEL_CREATE",
            Self::ChannelUpdate => "CHANNEL_UPDATE",
            Self::ChannelDelete => "CHANNEL_DELETE",
            Self::InviteCreate => "INVITE_CREATE",
            Self::InviteDelete => "INVITE_DELETE",
            Self::GuildRoleCreate => "GUILD_ROLE_CREATE",
            Self::GuildRoleUpdate => "GUILD_ROLE_UPDATE",
            Self::GuildRoleDelete => "GUILD_ROLE_DELETE",
            Self::GuildMemberUpdate => "GUILD_MEMBER_UPDATE",
            Self::MessageCreate => "MESSAGE_CREATE",
            Self::MessageUpdate => "MESSAGE_UPDATE",
            Self::MessageDelete => "MESSAGE_DELETE",
            Self::GuildBanAdd => "GUILD_BAN_ADD",
            Self::GuildBanRemove => "GUILD_BAN_REMOVE",
            Self::MessageReactionAdd => "MESSAGE_REACTION_ADD",
            Self::MessageReactionRemove => "MESSAGE_REACTION_REMOVE",
            Self::MessageReactionRemoveAll => "MESSAGE_REACTION_REMOVE_ALL",
            Self::MessageReactionRemoveEmoji => "MESSAGE_REACTION_REMOVE_EMOJI",
            Self::MessageDeleteBulk => "MESSAGE_DELETE_BULK",
            Self::ChannelPinsUpdate => "CHANNEL_PINS_UPDATE",
            Self::TypingStart => "TYPING_START",
            Self::MessageAck => "MESSAGE_ACK",
            Self::ThreadCreate => "THREAD_CREATE",
            Self::ThreadUpdate => "THREAD_UPDATE",
            Self::ThreadDelete => "THREAD_DELETE",
            Self::ThreadMemberUpdate => "THREAD_MEMBER_UPDATE",
            Self::ThreadMembersUpdate => "THREAD_MEMBERS_UPDATE",
            Self::ChannelRecipientAdd => "CHANNEL_RECIPIENT_ADD",
            Self::ChannelRecipientRemove => "CHANNEL_RECIPIENT_REMOVE",
            Self::PresenceUpdate => "PRESENCE_UPDATE",
            Self::VoiceStateUpdate => "VOICE_STATE_UPDATE",
            Self::CallCreate => "CALL_CREATE",
            Self::CallDelete => "CALL_DELETE",
            Self::WebhooksUpdate => "WEBHOOKS_UPDATE",
            Self::GuildEmojisUpdate => "GUILD_EMOJIS_UPDATE",
            Self::UserUpdate => "USER_UPDATE",
            Self::UserGuildSettingsUpdate => "USER_GUILD_SETTINGS_UPDATE",
            Self::UserSettingsUpdate => "USER_SETTINGS_UPDATE",
            Self::RelationshipAdd => "RELATIONSHIP_ADD",
            Self::RelationshipRemove => "RELATIONSHIP_REMOVE",
            Self::InteractionCreate => "INTERACTION_CREATE",
            Self::ApplicationCommandPermissionsUpdate => "APPLICATION_COMMAND_PERMISSIONS_UPDATE",
            Self::InteractionSuccess => "INTERACTION_SUCCESS",
            Self::InteractionModalCreate => "INTERACTION_MODAL_CREATE",
            Self::ApplicationCommandAutocompleteResponse => "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE",
            Self::VoiceMove => "PARLEY_VOICE_MOVE",
            Self::VoiceGrant => "PARLEY_VOICE_GRANT",
            Self::SessionsRevoked => "PARLEY_SESSIONS_REVOKED",
        }
    }
}

/// Who may receive an event. The gateway resolves this against its sessions (membership,
/// VIEW_CHANNEL through the permission function) before queueing anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Members of the guild; with a channel, only those who can see that channel.
    Guild { guild_id: Snowflake, channel_id: Option<Snowflake> },
    /// Exactly these users: DM recipients, or people who just lost access to a guild and must
    /// hear about it (their membership is already gone).
    Users(Vec<Snowflake>),
    /// Members who may manage the channel (VIEW_CHANNEL and MANAGE_CHANNELS in it): an invite's
    /// code is for those who could list or make invites there, as on Discord.
    ChannelManagers { guild_id: Snowflake, channel_id: Snowflake },
}

#[derive(Clone, Debug)]
pub struct Event {
    pub name: EventName,
    pub audience: Audience,
    /// What it is about, typed: what caches and fan-out read (never `data`).
    pub keys: Keys,
    /// The dispatch's `d`, serialised once and shared by every receiver.
    pub data: Arc<str>,
    /// Where the bus put it in the one order every node sees: 1, 2, 3, ... (0 until
    /// published). Gateway sequence numbers derive from it, so a session can resume on any
    /// node. Also 0 for an event delivered to this node's subscribers while the shared bus
    /// was unreachable (it has no place in the shared order yet; see [`crate::redis`]).
    pub position: u64,
    /// The node that published it (see [`crate::EventBus::node`]).
    pub origin: u64,
    /// Its number among the events its node published (1, 2, 3, ...): with `origin`, the
    /// event's identity, which makes appending it to the shared log idempotent (a retried
    /// append is never stored twice).
    pub node_seq: u64,
    /// The outbox row that holds it until it is in the shared log (messages, on a node that
    /// shares its bus): an event whose node died before publishing it is published from the
    /// row by another node, once.
    pub outbox: Option<u64>,
}

impl Event {
    /// `keys` must say what `data` says (the debug build checks every published event).
    pub fn new<T: Serialize>(name: EventName, audience: Audience, keys: Keys, data: &T) -> Self {
        // Payloads are plain data structures; failing to serialise one is a programming error.
        let data = serde_json::to_string(data).expect("event payloads serialise");
        Self { name, audience, keys, data: Arc::from(data), position: 0, origin: 0, node_seq: 0, outbox: None }
    }

    /// Where `keys` and the payload disagree, for the debug build's check: `None` when they
    /// agree. Parley's own signals between nodes (voice grants, revocations) carry no keys.
    pub fn keys_disagree(&self) -> Option<(Keys, Keys)> {
        if matches!(self.name, EventName::VoiceGrant | EventName::SessionsRevoked) {
            return None;
        }
        let stated = Keys::from_payload(self.name, &self.json());
        let mut given = self.keys.clone();
        let mut sorted = stated.clone();
        given.users.sort_unstable();
        given.users.dedup();
        sorted.users.sort_unstable();
        sorted.users.dedup();
        (given != sorted).then(|| (self.keys.clone(), stated))
    }

    /// The same event, to be published through the outbox row `id`.
    pub fn through_outbox(mut self, id: u64) -> Self {
        self.outbox = Some(id);
        self
    }

    /// Whether it has a place in the shared order (see [`Event::position`]).
    pub fn is_ordered(&self) -> bool {
        self.position != 0
    }

    /// The payload parsed back: for tests, and for the few consumers that need more than the
    /// keys (a bot's copy of a message without its content).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap_or(serde_json::Value::Null)
    }
}
