//! The guild cache: what permission checks read on every request (a guild with its roles,
//! channels and overwrites; and members with their roles), kept in memory and invalidated by
//! the events that change it.
//!
//! Every change goes through `AppState::publish`, which hands the event to [`GuildCache::observe`]
//! before broadcasting it, so the node that made a change never reads it stale. (Events from
//! other nodes will arrive through the same call once the bus spans nodes.)
//!
//! A load that races a change must not put stale data back: every invalidation bumps one
//! epoch, and a loaded value is kept only if the epoch it was read under is still current (a
//! change anywhere briefly stops caching loads in flight; changes are rare next to reads). Both maps are bounded; when one is full, an arbitrary tenth of it
//! is dropped (entries are cheap to reload).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use parley_core::Snowflake;
use parley_events::{Event, EventName};
use parley_store::channels::{ChannelRecord, OverwriteRecord};
use parley_store::guilds::GuildRecord;
use parley_store::members::MemberRecord;
use parley_store::roles::RoleRecord;
use parley_store::{Store, StoreError};

/// A guild as permission checks need it.
#[derive(Debug)]
pub struct GuildSnapshot {
    pub guild: GuildRecord,
    pub roles: Vec<RoleRecord>,
    pub channels: Vec<ChannelRecord>,
    pub overwrites: Vec<OverwriteRecord>,
}

#[derive(Debug, Default)]
struct Maps {
    guilds: HashMap<Snowflake, Arc<GuildSnapshot>>,
    members: HashMap<(Snowflake, Snowflake), Arc<MemberRecord>>,
    /// Which guild a channel belongs to (channels never move between guilds).
    channel_guilds: HashMap<Snowflake, Snowflake>,
    /// Bumped by every invalidation.
    epoch: u64,
}

#[derive(Debug)]
pub struct GuildCache {
    // A std Mutex: lookups and inserts are short and never await.
    maps: Mutex<Maps>,
    max_guilds: usize,
    max_members: usize,
}

impl GuildCache {
    pub fn new(max_guilds: usize, max_members: usize) -> Self {
        Self { maps: Mutex::new(Maps::default()), max_guilds: max_guilds.max(1), max_members: max_members.max(1) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Maps> {
        self.maps.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn epoch(&self) -> u64 {
        self.lock().epoch
    }

    /// The guild's snapshot, from memory or loaded (four queries). `None`: no such guild.
    pub async fn guild(&self, store: &Store, guild_id: Snowflake) -> Result<Option<Arc<GuildSnapshot>>, StoreError> {
        if let Some(hit) = self.lock().guilds.get(&guild_id) {
            return Ok(Some(hit.clone()));
        }
        let epoch = self.epoch();
        let Some(guild) = store.guild(guild_id).await? else { return Ok(None) };
        let snapshot = Arc::new(GuildSnapshot {
            guild,
            roles: store.roles(guild_id).await?,
            channels: store.channels(guild_id).await?,
            overwrites: store.guild_overwrites(guild_id).await?,
        });
        let mut maps = self.lock();
        if maps.epoch == epoch {
            if maps.guilds.len() >= self.max_guilds {
                shed(&mut maps.guilds);
            }
            if maps.channel_guilds.len() + snapshot.channels.len() > 50 * self.max_guilds {
                maps.channel_guilds.clear();
            }
            for channel in &snapshot.channels {
                maps.channel_guilds.insert(channel.id, guild_id);
            }
            maps.guilds.insert(guild_id, snapshot.clone());
        }
        Ok(Some(snapshot))
    }

    /// The guild snapshot holding `channel_id`, and the channel in it. `None`: no such channel.
    pub async fn channel(
        &self,
        store: &Store,
        channel_id: Snowflake,
    ) -> Result<Option<(Arc<GuildSnapshot>, ChannelRecord)>, StoreError> {
        let known = self.lock().channel_guilds.get(&channel_id).copied();
        let guild_id = match known {
            Some(guild_id) => guild_id,
            None => match store.channel(channel_id).await? {
                Some(channel) => channel.guild_id,
                None => return Ok(None),
            },
        };
        let Some(snapshot) = self.guild(store, guild_id).await? else { return Ok(None) };
        let channel = snapshot.channels.iter().find(|c| c.id == channel_id).cloned();
        Ok(channel.map(|c| (snapshot, c)))
    }

    /// The member, from memory or loaded. `None`: not a member (not cached, so joining is
    /// seen at once).
    pub async fn member(
        &self,
        store: &Store,
        guild_id: Snowflake,
        user_id: Snowflake,
    ) -> Result<Option<Arc<MemberRecord>>, StoreError> {
        if let Some(hit) = self.lock().members.get(&(guild_id, user_id)) {
            return Ok(Some(hit.clone()));
        }
        let epoch = self.epoch();
        let Some(member) = store.member(guild_id, user_id).await? else { return Ok(None) };
        let member = Arc::new(member);
        let mut maps = self.lock();
        if maps.epoch == epoch {
            if maps.members.len() >= self.max_members {
                shed(&mut maps.members);
            }
            maps.members.insert((guild_id, user_id), member.clone());
        }
        Ok(Some(member))
    }

    /// Forgets what `event` changed, by its typed keys.
    pub fn observe(&self, event: &Event) {
        use EventName::*;
        let keys = &event.keys;
        match event.name {
            GuildCreate | GuildUpdate | GuildDelete | ChannelCreate | ChannelUpdate | ChannelDelete
            | GuildRoleCreate | GuildRoleUpdate | GuildRoleDelete | ThreadCreate | ThreadUpdate | ThreadDelete => {
                if let Some(guild) = keys.guild_id {
                    // Roles and deletions change members' effective roles too.
                    let members_too = matches!(event.name, GuildDelete | GuildRoleDelete);
                    self.invalidate(guild, members_too, None);
                }
            }
            GuildMemberAdd | GuildMemberRemove | GuildMemberUpdate => {
                if let (Some(guild), Some(user)) = (keys.guild_id, keys.users.first()) {
                    self.invalidate(guild, false, Some(*user));
                }
            }
            // Bans come with a GUILD_MEMBER_REMOVE, which does the forgetting.
            InviteCreate
            | InviteDelete
            | MessageCreate
            | MessageUpdate
            | MessageDelete
            | GuildBanAdd
            | GuildBanRemove
            | MessageReactionAdd
            | MessageReactionRemove
            | MessageReactionRemoveAll
            | MessageReactionRemoveEmoji
            | MessageDeleteBulk
            | ChannelPinsUpdate
            | TypingStart
            | MessageAck
            | ChannelRecipientAdd
            | ThreadMemberUpdate
            | ThreadMembersUpdate
            | ChannelRecipientRemove
            | PresenceUpdate
            | VoiceStateUpdate
            | CallCreate
            | CallDelete
            | WebhooksUpdate
            | GuildEmojisUpdate
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
            | VoiceMove
            | VoiceGrant
            | SessionsRevoked => {}
        }
    }

    /// Drops the guild's snapshot (and all its members, or one) and bumps the epoch.
    fn invalidate(&self, guild_id: Snowflake, all_members: bool, member: Option<Snowflake>) {
        let mut maps = self.lock();
        maps.epoch += 1;
        if member.is_none() {
            maps.guilds.remove(&guild_id);
        }
        if all_members {
            maps.members.retain(|(g, _), _| *g != guild_id);
        }
        if let Some(user) = member {
            maps.members.remove(&(guild_id, user));
        }
    }

    pub fn len(&self) -> (usize, usize) {
        let maps = self.lock();
        (maps.guilds.len(), maps.members.len())
    }
}

/// Drops an arbitrary tenth (at least one) of a full map.
fn shed<K: Copy + Eq + std::hash::Hash, V>(map: &mut HashMap<K, V>) {
    let drop: Vec<K> = map.keys().take((map.len() / 10).max(1)).copied().collect();
    for key in drop {
        map.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_core::{Permissions, Timestamp};
    use parley_events::{Audience, Keys};
    use parley_store::guilds::{DefaultLayout, NewGuild};
    use parley_store::users::NewUser;
    use parley_store::{DatabaseUrl, StoreOptions};
    use serde_json::json;

    /// A real SQLite store holding `guilds` guilds owned by one user.
    async fn store_with_guilds(dir: &tempfile::TempDir, guilds: u64) -> (Store, Snowflake) {
        let url = DatabaseUrl::parse(&format!("sqlite://{}/cache.db", dir.path().display())).unwrap();
        parley_store::migrations::migrate(&url).await.unwrap();
        let store = Store::connect(&url, &StoreOptions::default()).await.unwrap();
        let owner = Snowflake::new(1);
        let user = NewUser {
            id: owner,
            username: "owner".into(),
            global_name: None,
            email: None,
            password_hash: None,
            bot: false,
            now: Timestamp::now(),
        };
        store.create_user(&user, false).await.unwrap();
        for g in 0..guilds {
            let base = 1000 + g * 10;
            let layout = DefaultLayout {
                text_category: Snowflake::new(base + 1),
                voice_category: Snowflake::new(base + 2),
                general_text: Snowflake::new(base + 3),
                general_voice: Snowflake::new(base + 4),
            };
            let guild = NewGuild {
                id: Snowflake::new(base),
                name: format!("g{g}"),
                owner_id: owner,
                everyone_permissions: Permissions::DEFAULT_EVERYONE,
                layout,
                now: Timestamp::now(),
            };
            store.create_guild(&guild).await.unwrap();
        }
        (store, owner)
    }

    /// An event whose payload holds nothing: the cache must go by `keys` alone.
    fn event(name: EventName, keys: Keys) -> Event {
        Event::new(name, Audience::Users(Vec::new()), keys, &json!({}))
    }

    #[tokio::test]
    async fn each_kind_of_change_forgets_exactly_what_it_changed() {
        let dir = tempfile::tempdir().unwrap();
        let (store, owner) = store_with_guilds(&dir, 2).await;
        let (a, b) = (Snowflake::new(1000), Snowflake::new(1010));
        let cache = GuildCache::new(100, 100);
        for guild in [a, b] {
            cache.guild(&store, guild).await.unwrap().unwrap();
            cache.member(&store, guild, owner).await.unwrap().unwrap();
        }
        assert_eq!(cache.len(), (2, 2));

        cache.observe(&event(EventName::MessageCreate, Keys::channel(Some(a), Snowflake::new(1003)).user(owner)));
        assert_eq!(cache.len(), (2, 2), "messages change nothing cached");
        cache.observe(&event(EventName::GuildMemberUpdate, Keys::guild(a).user(owner)));
        assert_eq!(cache.len(), (2, 1), "a member update forgets that member only");
        cache.observe(&event(EventName::ChannelUpdate, Keys::channel(Some(a), Snowflake::new(1003))));
        assert_eq!(cache.len(), (1, 1), "a channel change forgets its guild's snapshot");
        cache.observe(&event(EventName::GuildRoleDelete, Keys::guild(b)));
        assert_eq!(cache.len(), (0, 0), "a deleted role forgets the guild and its members' roles");

        // After forgetting, the next read is fresh.
        store.delete_guild(a).await.unwrap();
        assert!(cache.guild(&store, a).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn the_cache_never_holds_more_than_its_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let (store, owner) = store_with_guilds(&dir, 12).await;
        let cache = GuildCache::new(5, 5);
        for g in 0..12 {
            let guild = Snowflake::new(1000 + g * 10);
            cache.guild(&store, guild).await.unwrap().unwrap();
            cache.member(&store, guild, owner).await.unwrap().unwrap();
            let (guilds, members) = cache.len();
            assert!(guilds <= 5 && members <= 5, "{guilds} guilds, {members} members cached");
        }
    }

    #[tokio::test]
    async fn a_channel_is_found_through_its_guilds_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = store_with_guilds(&dir, 1).await;
        let cache = GuildCache::new(10, 10);
        let (snapshot, channel) = cache.channel(&store, Snowflake::new(1003)).await.unwrap().unwrap();
        assert_eq!((snapshot.guild.id, channel.name.as_str()), (Snowflake::new(1000), "general"));
        assert!(cache.channel(&store, Snowflake::new(424242)).await.unwrap().is_none());
    }
}
